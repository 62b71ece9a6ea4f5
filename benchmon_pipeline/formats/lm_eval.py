"""lm-evaluation-harness results files (`results_<date>.json`), mapped as formats.md says.

One result per task; groups (the top-level `groups`, or a task with subtasks in
`group_subtasks`) are results too, tagged `group`. A task that appears both in `results`
and in `groups` is emitted once, and a subtask is never folded into its group's metrics,
so nothing is counted twice. Directions come from the file's own `higher_is_better`.
Since 0.4.5 a group without an aggregation is written with no scores at all
(`{" ": " ", "alias": …}`): it is skipped with a warning, its subtasks carry the scores.
0.3 files have no `n-shot` table but one global `config.num_fewshot`, which names the
prompt just as a task's n-shot does, so a 0-shot and a 5-shot run stay apart.

Task versions are kept as the file writes them (`@2`, `@2.0`, `@N/A`): they are part of
the dataset label, and rewriting a label would move every result already stored under it
to a new configuration and store a second copy of any file read again.
"""

from __future__ import annotations

from typing import Any

from benchmon_pipeline.formats import fields
from benchmon_pipeline.formats.fields import child
from benchmon_pipeline.formats.metrics import MetricSet
from benchmon_pipeline.results.model import InvalidResult, Result

FORMAT = "lm_eval"
NOT_METRICS = {"alias", "name", "sample_len", "sample_count", "samples"}
STDERR = "_stderr"
OWN_KEYS = ("versions", "config", "higher_is_better", "n-shot", "group_subtasks")


def looks_like(document: Any) -> bool:
    """`results` is an object of tasks (benchmon's is a list) beside lm-eval's own keys, or
    alone when every entry is a task object: a trimmed file is still lm-eval's, and the
    adapter can say what it lacks better than a benchmon "must be a list" can."""
    if not isinstance(document, dict) or not isinstance(document.get("results"), dict):
        return False
    tasks = document["results"]
    return any(key in document for key in OWN_KEYS) or (
        bool(tasks) and all(isinstance(values, dict) for values in tasks.values())
    )


def _object(document: dict, key: str) -> dict:
    value = document.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidResult("wrong_type", f"{key!r} must be an object", child("$", key))
    return value


def _model_args(config: dict) -> dict:
    """`config.model_args` as a dict; lm-eval writes "k=v,k=v" or an object."""
    args = config.get("model_args")
    if isinstance(args, dict):
        return args
    if isinstance(args, str):
        return dict(part.split("=", 1) for part in args.split(",") if "=" in part)
    return {}


def _model_version(document: dict, config: dict) -> str:
    if document.get("model_name"):
        return fields.text(document["model_name"], "model_version", "$.model_name")
    args = _model_args(config)
    for key in ("pretrained", "model", "path"):  # HF / API models / local paths
        if isinstance(args.get(key), str) and args[key].strip():
            return fields.check_text(args[key].strip(), "model_version", "$.config.model_args")
    if "config" not in document:
        raise InvalidResult(
            "missing_field",
            "this lm-evaluation-harness file has neither 'model_name' nor 'config' (only"
            " results?), so the model it evaluated is unknown: use the whole"
            " results_<date>.json that lm_eval --output_path writes, or add"
            ' "model_name": "<model>"',
            "$.model_name",
        )
    raise InvalidResult(
        "missing_field",
        "no model name: neither 'model_name' nor 'pretrained=' in config.model_args",
        "$.model_name",
    )


def _version_text(version: Any) -> str | None:
    if version is None or isinstance(version, bool):
        return None
    return str(version).strip() or None


def _shots(task: str, n_shot: dict, subtasks: dict, seen: frozenset = frozenset()) -> set:
    """The n-shot of a task, or of all its subtasks when a group has none of its own."""
    if task in n_shot:
        shots = n_shot[task]
        if isinstance(shots, bool) or not isinstance(shots, int) or shots < 0:
            raise InvalidResult(
                "wrong_type",
                f"n-shot must be a whole number, not {fields.show(shots)}",
                child('$["n-shot"]', task),
            )
        return {shots}
    found: set = set()
    for sub in _subtasks(task, subtasks):
        if sub not in seen:
            found |= _shots(sub, n_shot, subtasks, seen | {task})
    return found


def _global_shots(config: dict) -> set:
    """0.3's one `config.num_fewshot` for every task (0.4 writes an `n-shot` table)."""
    shots = config.get("num_fewshot")
    if shots is None:
        return set()
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 0:
        raise InvalidResult(
            "wrong_type",
            f"num_fewshot must be a whole number, not {fields.show(shots)}",
            "$.config.num_fewshot",
        )
    return {shots}


def _prompt_version(
    task: str, n_shot: dict, subtasks: dict, chat: bool, default: set = frozenset()
) -> str:
    shots = _shots(task, n_shot, subtasks) or default
    if len(shots) == 1:
        prompt = f"{next(iter(shots))}-shot"
    else:
        prompt = "mixed-shot" if shots else "default"
    return f"{prompt}-chat" if chat else prompt


def _chat_applied(document: dict, config: dict) -> bool:
    return bool(
        document.get("chat_template")
        or document.get("chat_template_sha")
        or config.get("apply_chat_template")
    )


def _subtasks(task: str, subtasks: dict) -> list[str]:
    listed = subtasks.get(task)
    return [s for s in listed if isinstance(s, str)] if isinstance(listed, list) else []


def _direction(
    task: str, metric: str, hib: dict, subtasks: dict, seen: frozenset = frozenset()
) -> str | None:
    """`higher_is_better[task][metric]`, else what all of a group's subtasks agree on."""
    stated = hib[task].get(metric) if isinstance(hib.get(task), dict) else None
    if isinstance(stated, bool):
        return "higher" if stated else "lower"
    found = {
        _direction(sub, metric, hib, subtasks, seen | {task})
        for sub in _subtasks(task, subtasks)
        if sub not in seen
    } - {None}
    return found.pop() if len(found) == 1 else None


def _metrics(task: str, values: dict, path: str, hib: dict, subtasks: dict) -> MetricSet:
    metrics = MetricSet(path)
    for key, value in values.items():
        metric, _, filter_name = key.partition(",")
        if metric in NOT_METRICS or value is None:  # (null is absent, as "N/A" is)
            continue
        where = child(path, key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            if filter_name:  # a "<metric>,<filter>" key: lm-eval writes a number there
                metrics.warnings.append(
                    f"{where}: {fields.show(value)} is not a number and was not stored"
                )
            continue
        if isinstance(value, str) and value.strip().upper() != "N/A":
            if filter_name or _numeric(value):
                raise InvalidResult(
                    "metric_not_a_number",
                    f"metric {key!r} is the string {fields.show(value)}; lm-eval writes"
                    ' metrics as JSON numbers: write it as a number (or "N/A")',
                    where,
                )
            continue  # aliases and other text of 0.3 files, whose keys have no filter
        name = metric if filter_name in ("", "none") else f"{metric}/{filter_name}"
        informational = metric.endswith(STDERR)
        direction = None if informational else _direction(task, metric, hib, subtasks)
        metrics.add(
            name,
            fields.number(value, name, where),
            where,
            direction=direction,
            informational=informational,
        )
    return metrics


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def adapt(document: dict, direction: str | None = None) -> tuple[list[Result], list[str]]:
    results_obj = _object(document, "results")
    groups = _object(document, "groups")
    subtasks = _object(document, "group_subtasks")
    versions, n_shot = _object(document, "versions"), _object(document, "n-shot")
    hib, config = _object(document, "higher_is_better"), _object(document, "config")
    model = _model_version(document, config)
    provider = fields.text(config.get("model"), "model_provider", "$.config.model")
    created_at = fields.timestamp(document.get("date"), "$.date")
    commit = fields.text(document.get("git_hash"), "commit_sha", "$.git_hash")
    duration = fields.duration(
        document.get("total_evaluation_time_seconds"),
        "$.total_evaluation_time_seconds",
        strings=True,
    )
    chat = _chat_applied(document, config)
    global_shots = _global_shots(config)
    limit = config.get("limit")
    notes = fields.notes(
        [
            f"model_args: {config['model_args']}"
            if isinstance(config.get("model_args"), str)
            else "",
            f"limit: {fields.show(limit)}" if limit is not None else "",
        ],
        "$.config",
    )

    tasks = [(name, "results") for name in results_obj]
    tasks += [(name, "groups") for name in groups if name not in results_obj]
    if not tasks:
        raise InvalidResult("no_results", "the file holds no task results", "$.results")
    out, warnings = [], []
    for task, where in tasks:
        path = child(child("$", where), task)
        values = (results_obj if where == "results" else groups)[task]
        if not isinstance(values, dict):
            raise InvalidResult("wrong_type", "a task's results must be an object", path)
        is_group = task in groups or bool(_subtasks(task, subtasks))
        metrics = _metrics(task, values, path, hib, subtasks)
        if is_group and not metrics.metrics and not metrics.dropped:
            warnings.append(
                f"{path}: group {fields.show(task)} has no scores of its own (lm-eval"
                " aggregates none for it) and was not stored; its subtasks were"
            )
            continue
        version = _version_text(versions.get(task))
        dataset = f"{task}@{version}" if version else task
        out.append(
            Result(
                model_version=model,
                dataset_version=fields.check_text(dataset, "dataset_version", path),
                prompt_version=_prompt_version(task, n_shot, subtasks, chat, global_shots),
                model_provider=provider,
                created_at=created_at,
                commit_sha=commit,
                duration_seconds=duration,
                tags=("group",) if is_group else (),
                notes=notes,
                **metrics.fields(),
            )
        )
    if not out:
        raise InvalidResult(
            "no_results", "the file holds no task results, only groups without scores", "$.results"
        )
    return out, warnings
