"""The values schema: one source, draft-07, strict, documented, and in step with values.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest

from chartgen.readme import param_descriptions
from chartgen.yamlio import load_yaml_file
from conftest import BASE_CHART, REPO_ROOT, chart_names_in_defines

SOURCE = REPO_ROOT / "schemas" / "values.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SOURCE.read_text())


def walk_properties(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (dotted path, schema) for every declared property, depth first."""
    for name, child in node.get("properties", {}).items():
        child_path = f"{path}.{name}" if path else name
        yield child_path, child
        yield from walk_properties(child, child_path)
        items = child.get("items")
        if isinstance(items, dict):
            yield from walk_properties(items, f"{child_path}[]")


def values_keys(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield the keys values.yaml spells out: it descends only into objects that must be maps.

    A nullable object such as updateStrategy is one value in values.yaml; its
    declared properties only describe what a user may put into it.
    """
    for name, child in node.get("properties", {}).items():
        child_path = f"{path}.{name}" if path else name
        if child_path in ("global", "enabled"):
            continue
        yield child_path, child
        if child.get("type") == "object":
            yield from values_keys(child, child_path)


def test_chart_copy_is_identical() -> None:
    assert (BASE_CHART / "values.schema.json").read_bytes() == SOURCE.read_bytes()


def test_generated_copy_is_identical(generated_charts: dict[str, Path]) -> None:
    for chart in generated_charts.values():
        assert (chart / "values.schema.json").read_bytes() == SOURCE.read_bytes(), chart.name


def test_schema_is_valid_draft07(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_no_external_references(schema: dict[str, Any]) -> None:
    text = json.dumps(schema)
    references = [value for key, value in iter_items(schema) if key == "$ref"]
    assert all(reference.startswith("#") for reference in references), references
    assert '"$id"' not in text


def iter_items(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from iter_items(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_items(item)


def test_every_property_documented(schema: dict[str, Any]) -> None:
    undocumented = [path for path, child in walk_properties(schema) if "description" not in child or "default" not in child]
    assert undocumented == []


def test_owned_objects_are_closed(schema: dict[str, Any]) -> None:
    assert schema["additionalProperties"] is False
    open_objects = [
        path
        for path, child in walk_properties(schema)
        if "properties" in child and child.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_accepts_global_and_enabled(schema: dict[str, Any]) -> None:
    values = load_yaml_file(BASE_CHART / "values.yaml")
    validator = jsonschema.Draft7Validator(schema)
    assert list(validator.iter_errors({**values, "global": {"imageRegistry": "mirror.example"}, "enabled": True})) == []


def lookup(values: Any, path: str) -> Any:
    for part in path.split("."):
        values = values[part]
    return values


def test_defaults_match_values_yaml(schema: dict[str, Any]) -> None:
    values = load_yaml_file(BASE_CHART / "values.yaml")
    for path, child in values_keys(schema):
        assert child["default"] == lookup(values, path), path


def test_param_comments_match_descriptions(schema: dict[str, Any]) -> None:
    comments = param_descriptions((BASE_CHART / "values.yaml").read_text())
    described = {path: child["description"] for path, child in values_keys(schema) if path in comments}
    assert comments == described


def test_every_values_key_has_param_comment(schema: dict[str, Any]) -> None:
    comments = param_descriptions((BASE_CHART / "values.yaml").read_text())
    leaves = [path for path, child in values_keys(schema) if child.get("type") != "object"]
    assert sorted(leaves) == sorted(comments)


def test_null_defaults_accept_null(schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator
    for path, child in walk_properties(schema):
        if child.get("default", "") is None:
            assert validator(child).is_valid(None), path


def test_generated_defines_carry_chart_name(generated_charts: dict[str, Path]) -> None:
    for name, chart in generated_charts.items():
        assert chart_names_in_defines(chart) == {name}
