"""A known history for the report and dashboard tests: several models × datasets ×
environments over several days, stored through the product's own paths.

- ML evaluations (f1_score, precision, recall, latency_ms, cost_usd): 3 models × 2
  datasets × 2 environments, one result a day for `DAYS` days;
- a software benchmark family (requests_per_second, p99_latency_ms): 1 service × 2
  benchmarks in `ci`, one result a day;
- baselines set on every configuration at its first version (`set_baseline()`, what
  `benchmon versions baseline` calls);
- on the last day one configuration (`REGRESSED`) drops well below its baseline in F1,
  precision and recall, and another (`SLOWER`, another model, in staging) gets 30 %
  slower; the baseline rule, recorded as the asset check records it (`evaluate` +
  `record_findings`), opens four WARN alerts (`EXPECTED_ALERTS`).

Results go in through `append_results` (the ingest and `benchmon push` path, which folds
them into versions); the day trend tables are refreshed with `refresh_daily_trends()`, as
the trends job does. `seed_history` returns what the tests compare the pages against.
Takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

from benchmon_pipeline.regressions.alerts import record_findings
from benchmon_pipeline.regressions.evaluation import evaluate
from benchmon_pipeline.regressions.findings import BASELINE
from benchmon_pipeline.results.model import Result
from benchmon_pipeline.warehouse.append import append_results

DAYS = 5
PROMPT = "analysis-v4"
ML_MODELS = ("medgemma-v1.2", "llama-3/8b", "qwen2.5-7b")
ML_DATASETS = ("benchmark-set-v3", "medqa-v2")
ML_ENVIRONMENTS = ("production", "staging")
SOFTWARE_MODEL = "benchmon-api"
SOFTWARE_DATASETS = ("parse-json", "fold-batch")
SOFTWARE_PROMPT = "none"
SOFTWARE_ENVIRONMENT = "ci"
REGRESSED = ("medgemma-v1.2", "benchmark-set-v3", PROMPT, "production")
REGRESSED_METRICS = ("f1_score", "precision", "recall")
SLOWER = ("llama-3/8b", "medqa-v2", PROMPT, "staging")
EXPECTED_ALERTS = sorted(
    [(REGRESSED, metric, "WARN") for metric in REGRESSED_METRICS] + [(SLOWER, "latency_ms", "WARN")]
)

Configuration = tuple[str, str, str, str]


@dataclass(frozen=True)
class SeededHistory:
    """What was stored. `results[config]` lists each day's metrics, oldest first (day 0 is
    `DAYS - 1` days ago); `times[config]` their created_at."""

    results: dict[Configuration, list[dict[str, float]]]
    times: dict[Configuration, list[datetime]]
    alerts: list[tuple[Configuration, str, str]]  # (configuration, metric, severity)
    configurations: list[Configuration] = field(default_factory=list)

    def latest(self, config: Configuration) -> dict[str, float]:
        return self.results[config][-1]

    def baseline(self, config: Configuration) -> dict[str, float]:
        return self.results[config][0]

    @property
    def models(self) -> list[str]:
        return sorted({c[0] for c in self.configurations})

    @property
    def environments(self) -> list[str]:
        return sorted({c[3] for c in self.configurations})


def _ml_metrics(model: int, dataset: int, environment: int, day: int) -> dict[str, float]:
    """Distinct, exactly representable values: each model has its level, each day a step."""
    f1 = 0.80 + 0.04 * model + 0.01 * dataset + 0.005 * environment + 0.002 * day
    return {
        "f1_score": round(f1, 4),
        "precision": round(f1 + 0.01, 4),
        "recall": round(f1 - 0.01, 4),
        "latency_ms": float(300 + 60 * model + 10 * dataset + 5 * environment + day),
        "cost_usd": round(0.002 + 0.003 * model + 0.0005 * dataset, 4),
    }


def _software_metrics(dataset: int, day: int) -> dict[str, float]:
    return {
        "requests_per_second": float(1200 + 300 * dataset + 10 * day),
        "p99_latency_ms": float(40 + 5 * dataset - day),
    }


def seed_history(conn: psycopg.Connection, now: datetime | None = None) -> SeededHistory:
    """Store the history in the database `conn` is connected to (autocommit)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    first = now - timedelta(days=DAYS - 1, hours=1)
    results: dict[Configuration, list[dict[str, float]]] = {}
    times: dict[Configuration, list[datetime]] = {}
    for m, model in enumerate(ML_MODELS):
        for d, dataset in enumerate(ML_DATASETS):
            for e, environment in enumerate(ML_ENVIRONMENTS):
                config = (model, dataset, PROMPT, environment)
                results[config] = [_ml_metrics(m, d, e, day) for day in range(DAYS)]
    for d, dataset in enumerate(SOFTWARE_DATASETS):
        config = (SOFTWARE_MODEL, dataset, SOFTWARE_PROMPT, SOFTWARE_ENVIRONMENT)
        results[config] = [_software_metrics(d, day) for day in range(DAYS)]
    last = results[REGRESSED][-1]
    for metric in REGRESSED_METRICS:
        last[metric] = round(last[metric] - 0.1, 4)  # twice the stored 0.05 threshold
    slower = results[SLOWER][-1]
    slower["latency_ms"] = round(slower["latency_ms"] * 1.3, 1)  # the default 5 %, six times

    configurations = sorted(results)
    for day in range(DAYS):
        at = first + timedelta(days=day)
        batch = []
        for config in configurations:
            model, dataset, prompt, environment = config
            batch.append(
                Result(
                    model_version=model,
                    dataset_version=dataset,
                    prompt_version=prompt,
                    environment=environment,
                    metrics=results[config][day],
                    created_at=at,
                    commit_sha=f"{day + 1:07x}",
                    triggered_by="seeded-history",
                )
            )
            times.setdefault(config, []).append(at)
        append_results(conn, batch, [f"seeded/day-{day}.json"] * len(batch))
        if day == 0:
            for config in configurations:
                conn.execute(
                    "SELECT set_baseline(%s, %s, %s, %s, 1, 'seeded-history', 'first run')",
                    config,
                )
    conn.execute(
        "SELECT refresh_daily_trends(%s, %s)", (first.date(), (now + timedelta(days=1)).date())
    )
    evaluation = evaluate(conn, [BASELINE])
    record_findings(conn, [BASELINE], evaluation.of(BASELINE))
    alerts = sorted((f.configuration, f.metric, f.severity) for f in evaluation.of(BASELINE))
    return SeededHistory(results, times, alerts, configurations)
