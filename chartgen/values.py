"""Values documents: deep merges and null handling as helm does them, and spelling suggestions."""

from __future__ import annotations

import copy
import difflib
from typing import Any, Mapping


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
    """Return a copy without null-valued keys, as helm drops them from a chart's defaults before it validates.

    Lists are left as they are: helm does not look inside them.
    """
    if isinstance(values, Mapping):
        return {key: drop_nulls(value) for key, value in values.items() if value is not None}
    return values


def suggest(value: str, choices: list[str]) -> str:
    """Return ' Did you mean "X"?' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""
