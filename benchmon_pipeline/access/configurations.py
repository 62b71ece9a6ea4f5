"""Which configuration `--model --dataset --prompt --environment` name.

A configuration is four names (docs/data-model.md); typing all four for every command is
what made the SQL functions hard to use, so any part may be left out when the others leave
one stored configuration. When they leave several, or none, the error says which flag to
add and what the stored values are — a typo gets the near matches, as the CI gate does
(`unknown_filters` in cli/regressions.py). Model ids contain `/`, so the parts stay four
options and are never packed into one string.

The known configurations are those with snapshot versions: every configuration has exactly
one current version, so `WHERE is_current` reads one row per configuration through its
partial unique index.
"""

from __future__ import annotations

import difflib
from dataclasses import astuple, dataclass

import psycopg

# column → the flag that names it
PARTS = {
    "model_version": "--model",
    "dataset_version": "--dataset",
    "prompt_version": "--prompt",
    "environment": "--environment",
}
SHOWN_CANDIDATES = 10


@dataclass(frozen=True, order=True)
class Configuration:
    model_version: str
    dataset_version: str
    prompt_version: str
    environment: str

    def args(self) -> tuple[str, str, str, str]:
        """The four arguments every SQL function takes, in their order."""
        return astuple(self)

    def label(self) -> str:
        return " / ".join(self.args())

    def as_dict(self) -> dict[str, str]:
        return dict(zip(PARTS, self.args(), strict=True))


class ConfigurationError(ValueError):
    """The flags name no stored configuration, or more than one; `candidates` are the
    stored configurations the message lists."""

    def __init__(self, message: str, candidates: list[Configuration]):
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class Wanted:
    """The parts the flags give (None: any)."""

    model_version: str | None = None
    dataset_version: str | None = None
    prompt_version: str | None = None
    environment: str | None = None

    def given(self) -> dict[str, str]:
        return {column: value for column, value in self.__dict__.items() if value is not None}

    def describe(self) -> str:
        return " ".join(f"{PARTS[c]} {v!r}" for c, v in self.given().items())


def known_configurations(
    conn: psycopg.Connection, wanted: Wanted | None = None
) -> list[Configuration]:
    """Every stored configuration the given parts match (exactly), sorted."""
    given = (wanted or Wanted()).given()
    where = "".join(f" AND {column} = %({column})s" for column in given)
    rows = conn.execute(
        "SELECT model_version, dataset_version, prompt_version, environment"
        f" FROM benchmark_snapshots WHERE is_current{where} ORDER BY 1, 2, 3, 4",
        given,
    )
    return [Configuration(*row) for row in rows]


def unknown_parts(known: list[Configuration], wanted: Wanted) -> list[str]:
    """One sentence per given part that no stored configuration has, with near matches."""
    problems = []
    for column, value in wanted.given().items():
        stored = sorted({getattr(c, column) for c in known})
        if value in stored:
            continue
        near = difflib.get_close_matches(value, stored, n=5, cutoff=0.6)
        hint = (
            f"did you mean {', '.join(map(repr, near))}?"
            if near
            else f"stored: {', '.join(map(repr, stored[:SHOWN_CANDIDATES]))}"
            f"{' …' if len(stored) > SHOWN_CANDIDATES else ''}"
            if stored
            else "nothing is stored yet"
        )
        problems.append(f"{PARTS[column]} {value!r} matches no stored configuration; {hint}")
    return problems


def listing(candidates: list[Configuration]) -> str:
    shown = "; ".join(c.label() for c in candidates[:SHOWN_CANDIDATES])
    more = len(candidates) - SHOWN_CANDIDATES
    return shown + (f"; and {more} more" if more > 0 else "")


def resolve(conn: psycopg.Connection, wanted: Wanted) -> Configuration:
    """The one stored configuration `wanted` names; else a `ConfigurationError` saying why."""
    return choose(known_configurations(conn), wanted)


def choose(known: list[Configuration], wanted: Wanted) -> Configuration:
    """`resolve` over a list already read (the configurations some query found)."""
    given = wanted.given()
    matches = [c for c in known if all(getattr(c, k) == v for k, v in given.items())]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        problems = unknown_parts(known, wanted)
        if problems:
            raise ConfigurationError("; ".join(problems), [])
        if not known:
            raise ConfigurationError("no configuration is stored yet", [])
        # every part exists, but not together: list what the first part's value has
        column, value = next(iter(given.items()))
        near = [c for c in known if getattr(c, column) == value]
        raise ConfigurationError(
            f"no stored configuration has {wanted.describe()}; "
            f"{PARTS[column]} {value!r} has: {listing(near)}",
            near,
        )
    varying = [
        column
        for column in PARTS
        if column not in given and len({getattr(c, column) for c in matches}) > 1
    ]
    options = ", ".join(
        f"{PARTS[column]} ({' | '.join(sorted({repr(getattr(c, column)) for c in matches}))})"
        for column in varying
    )
    scope = f"{wanted.describe()} matches" if given else "there are"
    raise ConfigurationError(
        f"{scope} {len(matches)} configurations; name one with {options}: {listing(matches)}",
        matches,
    )
