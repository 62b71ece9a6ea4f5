"""lm-evaluation-harness files, asserted field by field as formats.md maps them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from benchmon_pipeline.formats.detect import parse_document
from benchmon_pipeline.results.model import InvalidResult
from benchmon_pipeline_tests.formats.real_files import read_real, read_synthetic


def test_rwkv_lambada_maps_configuration_metrics_and_directions():
    parsed = read_real("lm_eval/rwkv7-1.5b-world_lambada.json")
    assert parsed.format == "lm_eval"
    assert parsed.warnings == []
    (result,) = parsed.results
    assert result.model_version == "fla-hub/rwkv7-1.5B-world"  # model_name
    assert result.model_provider == "hf"  # config.model
    assert result.dataset_version == "lambada_openai@1.0"
    assert result.prompt_version == "0-shot"
    assert result.metrics == {
        "perplexity": 4.136982815151818,
        "perplexity_stderr": 0.08865873813063398,
        "acc": 0.6931884339219871,
        "acc_stderr": 0.006425006782127488,
    }
    assert result.directions == {"perplexity": "lower", "acc": "higher"}
    assert set(result.informational) == {"perplexity_stderr", "acc_stderr"}
    assert result.created_at == datetime.fromtimestamp(1741719397.9163563, UTC)
    assert result.commit_sha == "0f7cf736"
    assert result.duration_seconds == pytest.approx(157.2142551485449)  # was a string
    assert result.tags == ()
    assert "pretrained=fla-hub/rwkv7-1.5B-world" in result.notes
    assert result.environment is None  # left to the inbox path / BENCHMON_ENVIRONMENT


def test_model_falls_back_to_pretrained_in_model_args_string_or_dict():
    parsed = _minimal(model_args="pretrained=org/model-a,dtype=float32")
    assert parsed.results[0].model_version == "org/model-a"
    parsed = _minimal(model_args={"pretrained": "org/model-b", "dtype": "bfloat16"})
    assert parsed.results[0].model_version == "org/model-b"


def test_filters_stderr_and_na_and_chat_template():
    document = {
        "results": {
            "gsm8k": {
                "alias": "gsm8k",
                "exact_match,strict-match": 0.25,
                "exact_match_stderr,strict-match": "N/A",
                "exact_match,flexible-extract": 0.5,
                "exact_match_stderr,flexible-extract": 0.01,
                "sample_len": 1319,
            }
        },
        "versions": {"gsm8k": 3},
        "n-shot": {"gsm8k": 5},
        "higher_is_better": {"gsm8k": {"exact_match": True}},
        "config": {"model": "vllm", "model_args": "pretrained=org/m"},
        "chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}",
    }
    (result,) = parse_document("results.json", document).results
    assert result.dataset_version == "gsm8k@3"
    assert result.prompt_version == "5-shot-chat"
    assert result.metrics == {
        "exact_match/strict-match": 0.25,
        "exact_match/flexible-extract": 0.5,
        "exact_match_stderr/flexible-extract": 0.01,
    }
    assert result.directions == {
        "exact_match/strict-match": "higher",
        "exact_match/flexible-extract": "higher",
    }
    assert result.informational == ("exact_match_stderr/flexible-extract",)


def test_gemma_groups_are_tagged_results_and_nothing_is_counted_twice():
    parsed = read_real("lm_eval/gemma-2-2b_mmlu-groups.json")
    results = parsed.results
    datasets = [r.dataset_version.split("@")[0] for r in results]
    assert len(results) == 78 == len(set(datasets))  # each task once, groups included
    groups = {r.dataset_version for r in results if "group" in r.tags}
    assert groups == {
        "mmlu@2",
        "mmlu_humanities@2",
        "mmlu_other@2",
        "mmlu_social_sciences@2",
        "mmlu_stem@2",
    }
    by_task = {r.dataset_version: r for r in results}
    mmlu = by_task["mmlu@2"]
    assert mmlu.metrics == {"acc": 0.4960831790343256, "acc_stderr": 0.004070332881020179}
    assert mmlu.directions == {"acc": "higher"}
    assert mmlu.prompt_version == "0-shot"  # groups have no n-shot; all subtasks are 0-shot
    subtask = by_task["mmlu_formal_logic@1.0"]
    assert subtask.tags == () and subtask.metrics["acc"] == 0.373015873015873
    assert len([d for d in datasets if d.startswith("mmlu_")]) == 57 + 4
    cola = by_task["cola@1.0"]
    assert cola.metrics["mcc"] == -0.09135789183062824  # negative, and kept
    assert cola.directions == {"mcc": "higher"}
    lambada = by_task["lambada_openai@1.0"]
    assert lambada.directions == {"perplexity": "lower", "acc": "higher"}
    mrpc = by_task["mrpc@1.0"]
    assert set(mrpc.metrics) == {"acc", "acc_stderr", "f1", "f1_stderr"}
    assert {r.model_version for r in results} == {"google/gemma-2-2b"}
    assert {r.commit_sha for r in results} == {"28fe95e"}
    assert by_task["qqp@2.0"].metrics["f1"] == 0.4478797692541241


def test_gpt4o_mini_with_only_infinity_and_nan_is_refused_with_that_reason():
    with pytest.raises(InvalidResult) as caught:
        read_real("lm_eval/gpt-4o-mini_tgpred_nan-inf.json")
    error = caught.value
    assert error.error_code == "no_finite_metrics"
    assert error.json_path == "$.results.polymer_tg_prediction"
    assert "mae is inf" in error.message and "mae_stderr is nan" in error.message


def test_a_task_with_one_finite_value_keeps_it_and_warns_about_the_rest():
    document = {
        "results": {"t": {"mae,none": float("inf"), "rmse,none": 2.0}},
        "versions": {"t": 1},
        "higher_is_better": {"t": {"mae": False, "rmse": False}},
        "model_name": "m",
    }
    parsed = parse_document("r.json", document)
    assert parsed.results[0].metrics == {"rmse": 2.0}
    assert parsed.warnings == ['$.results.t["mae,none"]: inf is not finite and was not stored']


def _minimal(**config):
    return parse_document(
        "r.json", {"results": {"t": {"acc,none": 0.5}}, "versions": {"t": 1.0}, "config": config}
    )


def test_lm_eval_0_3_keys_without_filter():
    document = {
        "results": {"hellaswag": {"acc": 0.5, "acc_stderr": 0.01, "acc_norm": 0.6}},
        "versions": {"hellaswag": 0},
        "config": {
            "model": "hf-causal",
            "model_args": "pretrained=EleutherAI/gpt-j-6B",
            "num_fewshot": 0,
        },
    }
    (result,) = parse_document("r.json", document).results
    assert result.model_version == "EleutherAI/gpt-j-6B"
    assert result.dataset_version == "hellaswag@0"
    assert result.prompt_version == "0-shot"  # 0.3: the global config.num_fewshot
    assert result.metrics == {"acc": 0.5, "acc_stderr": 0.01, "acc_norm": 0.6}
    assert result.directions == {}  # no higher_is_better: the name rule decides later
    assert result.created_at is None


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"results": {"t": {"acc,none": 0.5, "acc": 0.4}}}, "duplicate_metric", "$.results.t.acc"),
        ({"results": {"t": ["acc", 0.5]}}, "wrong_type", "$.results.t"),
        ({"results": {}}, "no_results", "$.results"),
        ({"results": {"t": {"alias": "t"}}}, "no_finite_metrics", "$.results.t"),
        ({"date": "soon"}, "bad_timestamp", "$.date"),
        (
            {"total_evaluation_time_seconds": "long"},
            "wrong_type",
            "$.total_evaluation_time_seconds",
        ),
        ({"model_name": None, "config": {"model": "hf"}}, "missing_field", "$.model_name"),
        ({"versions": []}, "wrong_type", "$.versions"),
        ({"config": {"num_fewshot": "5"}}, "wrong_type", "$.config.num_fewshot"),
        ({"results": {"t": {"acc,none": [0.5]}}}, "no_finite_metrics", "$.results.t"),
        ({"results": {"t": {"acc": "0.5"}}}, "metric_not_a_number", "$.results.t.acc"),
    ],
)
def test_bad_lm_eval_files(change, code, path):
    document = {
        "results": {"t": {"acc,none": 0.5}},
        "versions": {"t": 1},
        "model_name": "m",
        **change,
    }
    with pytest.raises(InvalidResult) as caught:
        parse_document("r.json", document)
    assert (caught.value.error_code, caught.value.json_path) == (code, path)


def test_a_group_without_aggregation_is_skipped_with_a_warning_and_its_subtasks_stored():
    parsed = read_synthetic("lm_eval/lm_v045_group_no_aggregation.json")
    assert [r.dataset_version for r in parsed.results] == [
        "leaderboard_bbh_boolean_expressions@0.0",
        "leaderboard_bbh_navigate@0.0",
    ]
    assert parsed.results[0].metrics["acc_norm"] == 0.8
    assert parsed.results[0].prompt_version == "3-shot-chat"
    assert parsed.warnings == [
        '$.results.leaderboard_bbh: group "leaderboard_bbh" has no scores of its own'
        " (lm-eval aggregates none for it) and was not stored; its subtasks were"
    ]


def test_a_task_without_scores_is_refused_even_beside_an_empty_group():
    document = {
        "results": {"g": {" ": " ", "alias": "g"}, "t": {"alias": "t"}},
        "group_subtasks": {"g": ["t"]},
        "model_name": "m",
    }
    with pytest.raises(InvalidResult) as caught:
        parse_document("r.json", document)
    assert (caught.value.error_code, caught.value.json_path) == ("no_finite_metrics", "$.results.t")


def test_lm_eval_0_3_runs_with_another_num_fewshot_land_in_another_configuration():
    five = read_synthetic("lm_eval/lm_v03_fewshot_ppl.json").results
    zero = read_synthetic("lm_eval/lm_v03_zeroshot_ppl.json").results
    assert {r.prompt_version for r in five} == {"5-shot"}
    assert {r.prompt_version for r in zero} == {"0-shot"}
    assert [r.dataset_version for r in five] == [r.dataset_version for r in zero]


def test_a_metric_given_as_a_string_is_refused_not_dropped():
    with pytest.raises(InvalidResult) as caught:
        read_synthetic("lm_eval/lm_string_metric.json")
    error = caught.value
    assert (error.error_code, error.json_path) == (
        "metric_not_a_number",
        '$.results.arc_easy["acc,none"]',
    )
    assert '"0.80"' in error.message and "as a number" in error.message


def test_a_metric_that_is_not_a_number_at_all_is_dropped_with_a_warning():
    document = {
        "results": {"t": {"acc,none": 0.5, "f1,none": [1, 2]}},
        "versions": {"t": 1},
        "model_name": "m",
    }
    parsed = parse_document("r.json", document)
    assert parsed.results[0].metrics == {"acc": 0.5}
    assert parsed.warnings == ['$.results.t["f1,none"]: [1, 2] is not a number and was not stored']


def test_task_versions_are_kept_as_written_so_stored_labels_do_not_move():
    """ "N/A" and 2.0 are not rewritten (to no version, to 2): the label is part of the
    configuration and of the content key, so a rewrite would split every stored series."""
    datasets = {
        r.dataset_version for r in read_synthetic("lm_eval/lm_v040_na_versions.json").results
    }
    assert {"mmlu@N/A", "mmlu_stem@N/A", "wikitext@2.0", "wmt16-de-en@1.0"} <= datasets


def test_a_results_only_file_is_read_as_lm_eval_and_refused_for_its_missing_model():
    with pytest.raises(InvalidResult) as caught:
        read_synthetic("lm_eval/lm_results_only.json")
    error = caught.value
    assert (error.error_code, error.json_path) == ("missing_field", "$.model_name")
    assert "lm-evaluation-harness" in error.message and "model_name" in error.message
    assert "must be a list" not in error.message


def test_a_results_only_file_that_names_its_model_is_stored():
    document = {"results": {"hellaswag": {"acc,none": 0.5, "alias": "hellaswag"}}}
    parsed = parse_document("r.json", {**document, "model_name": "org/m"})
    assert parsed.format == "lm_eval"
    (result,) = parsed.results
    assert (result.dataset_version, result.prompt_version) == ("hellaswag", "default")
    assert result.metrics == {"acc": 0.5}
