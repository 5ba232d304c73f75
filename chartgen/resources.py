"""Locations of the base chart and the schemas, in a source checkout and in an installed wheel."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(relative: str) -> Path:
    # A wheel carries copies under chartgen/_data; a checkout (and an editable
    # install) uses the folders at the top of the repository.
    packaged = _PACKAGE_DIR / "_data" / relative
    if packaged.exists():
        return packaged
    return _PACKAGE_DIR.parent / relative


def base_chart_dir() -> Path:
    return _data_dir("charts/base")


def schemas_dir() -> Path:
    return _data_dir("schemas")


@cache
def values_schema() -> dict[str, Any]:
    return json.loads((schemas_dir() / "values.schema.json").read_text(encoding="utf-8"))


def partial_schema(schema: Any) -> Any:
    """Return the schema without its `required` lists, for files that override only some values.

    helm checks the values after merging them with the chart's defaults, so
    the full schema requires what the defaults always provide. An editor
    checks one override file on its own, and would report every key the file
    leaves to the defaults as missing. Lists inside `if` stay: they only decide
    whether a rule applies.
    """
    if isinstance(schema, list):
        return [partial_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: (value if key == "if" else partial_schema(value))
        for key, value in schema.items()
        if key != "required"
    }


@cache
def component_schema() -> dict[str, Any]:
    return json.loads((schemas_dir() / "component.schema.json").read_text(encoding="utf-8"))
