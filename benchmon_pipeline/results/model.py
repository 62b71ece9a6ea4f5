"""The result model: a benchmark result as benchmon stores it, and its idempotency key.

Plain Python, no Dagster, no database: every format adapter makes `Result`s, ingest and
the warehouse both take them; parsing, validation and hashing are tested directly. How a
result is written into the log (the COPY row encoding) is the warehouse's
(`benchmon_pipeline/warehouse/encoding.py`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _quote  # json.dumps's, for a str

# json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False), without
# building a new encoder per call (json.dumps does that whenever an option is given).
_canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode
_FLOAT_INTS = 2**1023  # ints float() converts without overflow (and more)


class InvalidResult(ValueError):
    """A file or result that cannot be stored: what, where (JSON path), and a code."""

    def __init__(self, error_code: str, message: str, json_path: str | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.json_path = json_path

    def report(self) -> dict:
        return {"error_code": self.error_code, "message": self.message, "json_path": self.json_path}


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match[0])
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return "\\x00" if code == 0 else f"\\u{code:04x}"


def storable(text: str) -> str:
    """`text` as PostgreSQL can store it and any reader can print it: a byte of a file name
    that is not UTF-8 (Python holds it as a surrogate escape) written `\\xe9`, any other
    unpaired surrogate `\\ud800`, a NUL `\\x00`. Messages, warnings and file names go
    through here before they reach the ledger, the log or a report; text that is already
    storable (almost always ASCII) comes back as it is."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub(_escape, text)


@dataclass(frozen=True)
class Result:
    model_version: str
    dataset_version: str
    prompt_version: str
    metrics: dict[str, float]
    environment: str | None = None
    model_provider: str | None = None
    created_at: datetime | None = None
    commit_sha: str | None = None
    branch_name: str | None = None
    run_id: str | None = None
    triggered_by: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None
    duration_seconds: float | None = None
    directions: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # Metrics that describe the measurement rather than judge it (standard errors, rounds,
    # iterations): stored with the other metrics, but never given a direction and never
    # checked for regressions. Adapter-derived, like `directions` and `units`.
    informational: tuple[str, ...] = ()
    # The unit of a metric when the source file says it ("s", "ns", "req/s").
    units: dict[str, str] = field(default_factory=dict)

    def with_defaults(self, *, environment: str, triggered_by: str) -> Result:
        """Fill what the result did not state (docs/formats.md, "The environment"); never changes
        what it did."""
        if self.environment and self.triggered_by:
            return self
        return replace(
            self,
            environment=self.environment or environment,
            triggered_by=self.triggered_by or triggered_by,
        )

    def content_sha256(self) -> str:
        """The idempotency key: a hash of everything the result itself states.

        sha256 of `content_json()`. The database checks every stored key against the
        row's content (sql/0021_content_key_checked.sql), so no writer can store a row
        under another result's key.
        """
        return hashlib.sha256(self.content_json().encode()).hexdigest()

    def content_json(self) -> str:
        """The canonical JSON the key hashes (sorted keys, numbers as floats) over
        configuration, context, metrics, tags and notes; nothing the server fills in
        (ingest time, source path). `directions`, `informational`, `units` and `warnings`
        are left out on purpose: they are how an adapter *reads* the measurements, not the
        measurements (even where they are stored, like `metric_directions`). Hashing them
        would turn the same file, re-read after an adapter improvement, into a second copy
        of the same result.
        """
        written = self.stated_json()
        if written is not None:
            return written
        stated = {
            "model_version": self.model_version,
            "dataset_version": self.dataset_version,
            "prompt_version": self.prompt_version,
            "environment": self.environment,
            "model_provider": self.model_provider,
            "commit_sha": self.commit_sha,
            "branch_name": self.branch_name,
            "run_id": self.run_id,
            "created_at": self.created_at.astimezone(UTC).isoformat() if self.created_at else None,
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "tags": sorted(self.tags),
            "notes": self.notes,
            "duration_seconds": (
                float(self.duration_seconds) if self.duration_seconds is not None else None
            ),
        }
        return _canonical_json(stated)

    # Hand-written: +27 % results/s on bench_ingest (b) (docs/ingestion.md, Speed).
    def stated_json(self, metric_members: str | None = None) -> str | None:
        """`content_sha256`'s canonical JSON written out directly: the same text (a test
        holds them equal) at a fraction of the encoder's cost, which builds an encoder
        object per call. None for anything but finite floats or ints under string names and
        strings (or None) as text; then the encoder decides (and raises for non-finite values).
        `metric_members`: the metrics' canonical members ("name":value, …) when the caller
        has them (`metric_texts`)."""
        if metric_members is None:
            texts = metric_texts(self.metrics)
            if texts is None:
                return None
            metric_members = texts[1]
        duration = self.duration_seconds
        if duration is not None:
            duration = float(duration)
            if not math.isfinite(duration):
                return None
        created_at = self.created_at
        if created_at is not None:
            created_at = created_at.astimezone(UTC).isoformat()
        q = _quote  # raises TypeError for anything but a str: then the encoder decides
        try:
            return (
                f'{{"branch_name":{"null" if self.branch_name is None else q(self.branch_name)},'
                f'"commit_sha":{"null" if self.commit_sha is None else q(self.commit_sha)},'
                f'"created_at":{"null" if created_at is None else q(created_at)},'
                f'"dataset_version":{q(self.dataset_version)},'
                f'"duration_seconds":{"null" if duration is None else float.__repr__(duration)},'
                f'"environment":{"null" if self.environment is None else q(self.environment)},'
                f'"metrics":{{{metric_members}}},'
                f'"model_provider":'
                f"{'null' if self.model_provider is None else q(self.model_provider)},"
                f'"model_version":{q(self.model_version)},'
                f'"notes":{"null" if self.notes is None else q(self.notes)},'
                f'"prompt_version":{q(self.prompt_version)},'
                f'"run_id":{"null" if self.run_id is None else q(self.run_id)},'
                f'"tags":[{",".join(map(q, sorted(self.tags)))}]}}'
            )
        except TypeError:  # a value that is not text (or tags that do not sort)
            return None


def metric_texts(metrics: dict) -> tuple[str, str] | None:
    """For {str: finite float | int} metrics: their JSON as stored (jsonb: the order of the
    keys and the spaces do not matter, an int stays an int) and their canonical members for
    the key (every value as a float), in one sorted pass; None for anything else."""
    stored, canonical = [], []
    try:
        items = sorted(metrics.items())
    except TypeError:  # names that do not sort: content_sha256() reports it
        return None
    for name, value in items:
        kind = type(value)
        if type(name) is not str or not (kind is int or kind is float and math.isfinite(value)):
            return None
        member = f"{_quote(name)}:{kind.__repr__(value)}"
        stored.append(member)
        if kind is int:
            if not -_FLOAT_INTS <= value <= _FLOAT_INTS:
                return None  # (content_sha256() decides)
            member = f"{_quote(name)}:{float.__repr__(float(value))}"
        canonical.append(member)
    return "{" + ",".join(stored) + "}", ",".join(canonical)


@dataclass(frozen=True)
class ParsedFile:
    """What one file holds: its detected format, its results, and every warning.

    `warnings` lists the file-level warnings followed by each result's own (those are
    also on `Result.warnings`), each prefixed with the JSON path it concerns, so the
    ledger can record them without walking the results.
    """

    format: str
    results: list[Result]
    warnings: list[str] = field(default_factory=list)
    size: int = 0
    sha256: str = ""  # of the file's bytes, for the ingest ledger
    # Each result's content_sha256() and log row (warehouse.encoding.key_and_row), in
    # order, when the reader made them already (the ingest batch does), with the source the
    # rows name; empty: not made. They belong to `results`: a copy with other results must
    # leave them out.
    keys: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    source: str | None = None
