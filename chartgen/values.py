"""Values documents: deep merges as Helm does them, and checks against the values schema."""

from __future__ import annotations

import copy
import difflib
import json
from typing import Any, Iterable, Mapping

import jsonschema

from chartgen.resources import values_schema


def merge_values(base: Any, override: Any) -> Any:
    """Merge `override` into `base` in place as Helm merges values files, and return the result.

    Maps merge key by key; any other value, lists included, replaces what was
    there. A None in `override` removes the key, as `key: null` does in Helm.
    """
    if not (isinstance(base, Mapping) and isinstance(override, Mapping)):
        return copy.deepcopy(override)

    for key, value in override.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merge_values(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def drop_nulls(values: Any) -> Any:
    """Return a copy without null-valued keys, as Helm removes them before it validates chart defaults."""
    if isinstance(values, Mapping):
        return {key: drop_nulls(value) for key, value in values.items() if value is not None}
    if isinstance(values, list):
        return [drop_nulls(item) for item in values]
    return values


def schema_errors(values: Mapping[str, Any]) -> Iterable[jsonschema.ValidationError]:
    """Yield the values schema's errors for `values`, deepest first within each key path."""
    validator = jsonschema.Draft7Validator(values_schema())
    return sorted(validator.iter_errors(drop_nulls(values)), key=lambda error: (list(map(str, error.absolute_path)), -len(error.absolute_path)))


def describe_error(error: jsonschema.ValidationError) -> str:
    """Return "key.path: what is wrong. What to do." for one schema error, in the words of values files."""
    path = key_path(error)
    value = json.dumps(error.instance)

    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [name for name in error.instance if name not in allowed][0]
        return f'{path}: unknown key.{suggest(unknown, allowed)} Allowed here: {", ".join(allowed)}.'
    if error.validator == "enum":
        choices = [json.dumps(choice) for choice in error.validator_value]
        hint = suggest(str(error.instance), [str(choice) for choice in error.validator_value])
        return f"{path}: {value} is not allowed here.{hint} Use one of {', '.join(choices)}."
    if error.validator == "const":
        return f"{path}: {value} is not allowed here; only {json.dumps(error.validator_value)} is."
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"{path}: {value} is a {json_type(error.instance)}, but it must be {' or '.join(expected)}."
    if error.validator == "required":
        return f"{path}: missing. Set it; a null in a values file removes the chart's default."
    if error.validator == "not" and error.validator_value == {"multipleOf": 2}:
        return f"{path}: {value} is even, but a cluster needs an odd number of members (3, 5 or 7) to keep a majority."
    if error.validator == "minimum":
        return f"{path}: {value} is below the minimum of {error.validator_value}."
    if error.validator == "pattern":
        return f"{path}: {value} does not have the expected form ({error.validator_value})."
    return f"{path}: {error.message}."


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "list" if isinstance(value, list) else "map"


def suggest(value: str, choices: list[str]) -> str:
    """Return ' Did you mean "X"?' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


def key_path(error: jsonschema.ValidationError) -> str:
    """Return the dotted key path of an error; for an unknown or missing key, the path ends with that key."""
    parts = [str(part) for part in error.absolute_path]
    if error.validator == "required" and error.message.startswith("'"):
        parts.append(error.message.split("'")[1])
    if error.validator == "additionalProperties":
        extras = [name for name in error.instance if name not in error.schema.get("properties", {})]
        parts.extend(extras[:1])
    return ".".join(parts) or "(top level)"
