"""What a regression check found wrong with one configuration (and metric), read from the
database: one shape for every rule, so the Dagster checks, the alerts table, the webhook and
the CI gate show them side by side without knowing which rule spoke."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

BASELINE = "baseline"
HISTORY = "history"
STALE = "stale"  # a configuration that reported regularly and stopped (metric is "")
MISSING_METRIC = "missing_metric"  # a metric that disappeared from a configuration's results
TRADEOFF = "tradeoff"  # one metric better, another worse beyond its threshold
RULES = (BASELINE, HISTORY, STALE, MISSING_METRIC, TRADEOFF)

Number = Decimal | float | int


class KeyedByConfiguration:
    """The identity of a finding or an alert, from its model_version, dataset_version,
    prompt_version, environment, rule and metric fields."""

    @property
    def configuration(self) -> tuple[str, str, str, str]:
        return (self.model_version, self.dataset_version, self.prompt_version, self.environment)

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        """What makes two findings (or an alert and a finding) the same regression: rule,
        configuration, metric."""
        return (self.rule, *self.configuration, self.metric)


@dataclass(frozen=True)
class Finding(KeyedByConfiguration):
    """One (configuration, metric) a rule judged worse than it should be.

    `delta` is `current - reference` in the metric's units (its sign says up or down;
    `direction` says which way is good); `percent` is `100 * delta / |reference|`, None when
    the reference is 0. `run_length` counts consecutive results (versions for the baseline
    rule) on the bad side, the newest included. `commit_sha`/`branch_name` belong to the
    newest result judged.
    """

    rule: str
    model_version: str
    dataset_version: str
    prompt_version: str
    environment: str
    metric: str  # "" when the finding is about the whole configuration
    severity: str  # "WARN" | "ERROR"
    reason: str  # one sentence a person can act on
    direction: str | None = None
    current: Number | None = None
    reference: Number | None = None
    delta: Number | None = None
    percent: Number | None = None
    commit_sha: str | None = None
    branch_name: str | None = None
    run_length: int = 1

    def as_row(self) -> dict:
        return asdict(self)
