"""Values documents: deep merges as helm coalesces them, and spelling suggestions."""

from __future__ import annotations

import copy
import difflib
from typing import Any, Iterable, Mapping


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


def closest(word: object, choices: Iterable[str]) -> str | None:
    """Return the choice closest to `word`, or None when none is close."""
    # YAML keys may be numbers or booleans; compare their text.
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggest(value: str, choices: Iterable[str]) -> str:
    """Return ' Did you mean "X"?' for the closest choice, or '' when none is close."""
    match = closest(value, choices)
    return f' Did you mean "{match}"?' if match else ""
