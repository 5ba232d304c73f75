"""Values documents: deep merges as Helm does them, and checks against the values schema."""

from __future__ import annotations

import copy
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


def key_path(error: jsonschema.ValidationError) -> str:
    """Return the dotted key path of an error, descending into the best-matching branch of allOf/anyOf."""
    best = jsonschema.exceptions.best_match([error])
    parts = [str(part) for part in best.absolute_path]
    if best.validator in ("required",) and best.message.startswith("'"):
        parts.append(best.message.split("'")[1])
    if best.validator == "additionalProperties":
        extras = [name for name in best.instance if name not in best.schema.get("properties", {})]
        parts.extend(extras[:1])
    return ".".join(parts) or "(top level)"
