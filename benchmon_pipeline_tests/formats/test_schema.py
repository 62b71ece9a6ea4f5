"""The published JSON Schema of our format says what the parser accepts, no more, no less.

`jsonschema` is not a dependency, so the example is validated by a small evaluator of the
keywords this schema uses (and by `jsonschema` too when it happens to be installed), and
the schema's field lists and limits are compared with the parser's own constants.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from benchmon_pipeline.formats import benchmon, fields, metrics
from benchmon_pipeline_tests.helpers import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/schema/benchmon-result.schema.json").read_text())
EXAMPLES = [
    ROOT / "examples/sample_benchmark_results.json",
    FIXTURES / "sample_benchmark_results.json",
]
DEFS = SCHEMA["$defs"]
TYPES = {"object": dict, "array": list, "string": str}


def _resolve(ref: str) -> dict:
    node = SCHEMA
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def valid(instance, schema: dict) -> bool:
    """The subset of draft 2020-12 that our schema uses."""
    if "$ref" in schema and not valid(instance, _resolve(schema["$ref"])):
        return False
    if "oneOf" in schema and sum(valid(instance, s) for s in schema["oneOf"]) != 1:
        return False
    kind = schema.get("type")
    if kind == "number" and (isinstance(instance, bool) or not isinstance(instance, int | float)):
        return False
    if kind in TYPES and not isinstance(instance, TYPES[kind]):
        return False
    if "enum" in schema and instance not in schema["enum"]:
        return False
    if isinstance(instance, str):
        if not schema.get("minLength", 0) <= len(instance) <= schema.get("maxLength", 1e9):
            return False
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            return False
    if isinstance(instance, int | float) and instance < schema.get("minimum", -float("inf")):
        return False
    if isinstance(instance, list):
        if not schema.get("minItems", 0) <= len(instance) <= schema.get("maxItems", 1e9):
            return False
        if not all(valid(item, schema.get("items", {})) for item in instance):
            return False
    if isinstance(instance, dict):
        if not schema.get("minProperties", 0) <= len(instance) <= schema.get("maxProperties", 1e9):
            return False
        if any(key not in instance for key in schema.get("required", [])):
            return False
        properties = schema.get("properties", {})
        for key, value in instance.items():
            if not valid(key, schema.get("propertyNames", {})):
                return False
            extra = schema.get("additionalProperties", True)
            sub = properties.get(key, extra if isinstance(extra, dict) else {})
            if (key not in properties and extra is False) or not valid(value, sub):
                return False
    return True


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_example_validates_and_parses(example):
    document = json.loads(example.read_text())
    assert valid(document, SCHEMA)
    assert valid([document], SCHEMA)
    assert valid({"results": [document], "environment": "ci", "tags": ["a"]}, SCHEMA)
    assert benchmon.parse(document)


@pytest.mark.parametrize(
    "change",
    [
        {"metrics": {}},
        {"metrics": {"f1": "0.9"}},
        {"model_version": ""},
        {"enviroment": "typo"},
        {"directions": {"f1": "up"}},
        {"duration_seconds": -1},
        {"tags": ["t" * 101]},
        {"model_version": "m" * 501},
    ],
)
def test_what_the_parser_refuses_or_warns_about_does_not_validate(change):
    example = json.loads(EXAMPLES[0].read_text())
    assert not valid({**example, **change}, SCHEMA)


def test_with_jsonschema_when_installed():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for example in EXAMPLES:
        jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(example.read_text()))


def test_schema_fields_are_exactly_the_parser_fields():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(DEFS["result"]["properties"]) == set(benchmon.RESULT_FIELDS)
    assert set(DEFS["result"]["required"]) == {*benchmon.CONFIGURATION_FIELDS, "metrics"}
    assert set(DEFS["document"]["properties"]) == set(benchmon.DOCUMENT_FIELDS)
    assert set(DEFS["context"]["properties"]) == set(benchmon.CONTEXT_FIELDS)


def test_schema_limits_are_the_parser_limits():
    context = DEFS["context"]["properties"]
    assert (
        DEFS["text"]["maxLength"] == DEFS["requiredText"]["maxLength"] == (fields.DEFAULT_MAX_TEXT)
    )
    assert context["notes"]["maxLength"] == fields.MAX_TEXT["notes"]
    assert context["tags"]["maxItems"] == fields.MAX_TAGS
    assert context["tags"]["items"]["maxLength"] == fields.MAX_TAG
    assert DEFS["metrics"]["maxProperties"] == metrics.MAX_METRICS
    assert DEFS["metrics"]["propertyNames"]["maxLength"] == metrics.MAX_METRIC_NAME
    assert DEFS["directions"]["additionalProperties"]["enum"] == list(fields.DIRECTIONS)
