"""The S3 inbox: the folder layout under a bucket prefix, for MinIO, Ceph, R2 or AWS.

`s3://<bucket>/<prefix>/inbox/` is watched; `archive/<date>/` and `quarantine/` are its
siblings. S3 has no rename: a move is a copy, then a delete, done only after the
database has committed (a crash between the two leaves the file in the inbox, and the
next run finds its results already stored).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from benchmon_pipeline.formats.detect import SIDECAR_SUFFIX
from benchmon_pipeline.ingest.inbox import FileChanged, InboxFile, is_candidate
from benchmon_pipeline.ingest.reading import (
    MAX_FILE_BYTES,
    parse_bytes,
    parse_sidecar,
    sidecar_names,
)
from benchmon_pipeline.results.model import InvalidResult, ParsedFile, storable


@dataclass(frozen=True)
class S3Inbox:
    client: Any  # a boto3 S3 client
    bucket: str
    prefix: str = ""
    settle_seconds: float = 2.0
    # The ETag of each object as this inbox read it: a move copies the object, and an
    # object whose copy has another ETag was rewritten since (FileChanged).
    read_etags: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def _key(self, area: str, name: str = "") -> str:
        root = self.prefix.strip("/")
        return "/".join(p for p in (root, area, name) if p)

    def uri(self, name: str) -> str:
        return f"s3://{self.bucket}/{self._key('inbox', name)}"

    def ensure_layout(self) -> None:
        """Nothing to create: S3 prefixes exist as soon as a key uses them."""

    def ready_files(self, now: float | None = None) -> list[InboxFile]:
        now = time.time() if now is None else now
        inbox = self._key("inbox") + "/"
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=inbox):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(inbox) :]
                if not name or not is_candidate(PurePosixPath(name)):
                    continue
                modified = obj["LastModified"].timestamp()
                if now - modified < self.settle_seconds:
                    continue
                found.append(InboxFile(name, obj["Size"], int(modified * 1e9)))
        return sorted(found, key=lambda f: f.name)

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key("inbox", name))
        except self.client.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def _get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def parse(
        self, name: str, max_bytes: int = MAX_FILE_BYTES, cache: dict | None = None
    ) -> ParsedFile:
        """Fetch and parse a waiting object, with its sidecar object if there is one.
        (`cache` is for inboxes that remember things per chunk; S3 has nothing to keep.)"""
        key = self._key("inbox", name)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(self.uri(name)) from exc
            raise
        if head["ContentLength"] > max_bytes:
            raise InvalidResult(
                "file_too_large",
                f"the file is {head['ContentLength']:,} bytes; the limit is {max_bytes:,}",
            )
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(self.uri(name)) from None
        raw = answer["Body"].read()
        self.read_etags[name] = answer.get("ETag")
        sidecar = None
        for sidecar_name in sidecar_names(name):
            sidecar_raw = self._get(self._key("inbox", sidecar_name))
            if sidecar_raw is not None:
                sidecar = parse_sidecar(sidecar_raw, sidecar_name)
                break
        base = PurePosixPath(name).name
        return parse_bytes(base, raw, sidecar=sidecar, max_bytes=max_bytes)

    def fingerprint(self, name: str) -> tuple[str | None, int | None]:
        """sha256 and size of an object that could not be parsed, for the ledger."""
        raw = self._get(self._key("inbox", name))
        if raw is None:
            return None, None
        return hashlib.sha256(raw).hexdigest(), len(raw)

    def environment_of(self, name: str) -> str | None:
        parts = PurePosixPath(name).parts
        return parts[0] if len(parts) > 1 else None

    def _move_key(self, source: str, target: str) -> None:
        self.client.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        )
        self.client.delete_object(Bucket=self.bucket, Key=source)

    def _move(
        self,
        name: str,
        area: str,
        target_name: str,
        source_area: str = "inbox",
        sha256: str | None = None,
    ) -> str:
        """Copy then delete, the file and its sidecar (if any). With `sha256` (the move of
        a file that was read), a copy whose ETag differs from the one read is deleted again
        and the file left where it is: FileChanged. (S3 checks no condition on the delete:
        a rewrite between the copy and the delete is not seen.)"""
        target = self._key(area, target_name)
        source = self._key(source_area, name)
        copied = self.client.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        )
        read = self.read_etags.get(name) if sha256 is not None else None
        if read is not None and copied.get("CopyObjectResult", {}).get("ETag") != read:
            self.client.delete_object(Bucket=self.bucket, Key=target)
            raise FileChanged(name, name)
        self.client.delete_object(Bucket=self.bucket, Key=source)
        names = sidecar_names(name)
        stem = names[-1].removesuffix(SIDECAR_SUFFIX)  # the name without its extension
        for sidecar_name in names:
            sidecar_key = self._key(source_area, sidecar_name)
            if self._get(sidecar_key) is not None:
                target_stem = target_name[: len(target_name) - len(name)] + stem
                self._move_key(
                    sidecar_key, self._key(area, target_stem + sidecar_name[len(stem) :])
                )
        return f"s3://{self.bucket}/{target}"

    def archive(self, name: str, when: datetime | None = None, *, sha256: str | None = None) -> str:
        day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
        return self._move(name, "archive", f"{day}/{name}", sha256=sha256)

    def quarantine(self, name: str, error: dict, *, sha256: str | None = None) -> str:
        target = self._move(name, "quarantine", name, sha256=sha256)
        report_key = self._key("quarantine", name.removesuffix(".json") + ".error.json")
        body = json.dumps({"file": storable(name), **error}, indent=2) + "\n"
        self.client.put_object(
            Bucket=self.bucket, Key=report_key, Body=body.encode(), ContentType="application/json"
        )
        return target

    def quarantined(self) -> list[str]:
        prefix = self._key("quarantine") + "/"
        names = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(prefix) :]
                if not name.endswith(".error.json"):
                    names.append(name)
        return sorted(names)

    def error_report(self, name: str) -> dict | None:
        raw = self._get(self._key("quarantine", name.removesuffix(".json") + ".error.json"))
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def replay(self, name: str) -> str:
        """Put a quarantined file back into the inbox and drop its error report."""
        target = self._move(name, "inbox", name, source_area="quarantine")
        self.client.delete_object(
            Bucket=self.bucket,
            Key=self._key("quarantine", name.removesuffix(".json") + ".error.json"),
        )
        return target
