"""The values table of a chart's README, built from values.yaml's `## @param` comments and the schema."""

from __future__ import annotations

import json
import re
from typing import Any

from chartgen.yamlio import parse_yaml

PARAM_COMMENT = re.compile(r"^\s*## @param (?P<key>\S+) (?P<description>.+)$", re.MULTILINE)


def param_descriptions(values_text: str) -> dict[str, str]:
    """Map each `## @param` key of a values.yaml to its description, in file order."""
    return {match["key"]: match["description"].strip() for match in PARAM_COMMENT.finditer(values_text)}


def schema_for_key(schema: dict[str, Any], key: str) -> dict[str, Any]:
    node = schema
    for part in key.split("."):
        node = node.get("properties", {}).get(part, {})
    return node


def type_name(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "enum"
    declared = schema.get("type")
    if declared is None and "anyOf" in schema:
        declared = [branch.get("type") for branch in schema["anyOf"] if branch.get("type")]
    if isinstance(declared, list):
        return " or ".join(declared)
    return declared or "any"


def lookup(values: Any, key: str) -> Any:
    node = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def values_table(values_text: str, values: dict[str, Any], schema: dict[str, Any]) -> str:
    """Return a Markdown table with one row per documented key: key, type, default, description."""
    rows = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    for key, description in param_descriptions(values_text).items():
        default = json.dumps(lookup(values, key), separators=(", ", ": "))
        cell = description.replace("|", "\\|")
        rows.append(f"| `{key}` | {type_name(schema_for_key(schema, key))} | `{default}` | {cell} |")
    return "\n".join(rows) + "\n"


# The generated table sits between these comments, so `chartgen docs` can
# replace it without touching anything a chart author wrote around it.
VALUES_START = "<!-- chartgen:values:start -->"
VALUES_END = "<!-- chartgen:values:end -->"


def values_section(values_text: str, schema: dict[str, Any], source: str = "values.yaml") -> str:
    """Return the values table of `values_text` between its start and end markers, ending with a newline.

    Blank lines keep the comments and the table apart as separate Markdown blocks.
    """
    values = parse_yaml(values_text, source=source) or {}
    table = values_table(values_text, values, schema)
    return f"{VALUES_START}\n\n{table}\n{VALUES_END}\n"
