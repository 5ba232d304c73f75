"""Edits of a commented values.yaml that keep every comment in place.

A round-trip YAML library stores a comment with the node before it, so
replacing a list also drops the `## @param` comment of the key that follows
it. The base values.yaml is our own file, with two-space indentation and
indented sequences, so edits are made on its lines instead. Each changed key's
block is replaced by the YAML of its new value, and every other line is kept
byte for byte.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Mapping

from chartgen.values import merge_values
from chartgen.yamlio import dump_yaml, parse_yaml

KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?: |$)")


def apply_values(text: str, override: Mapping[str, Any]) -> str:
    """Return `text` with `override` merged in; maps merge key by key, other values replace."""
    data = parse_yaml(text, source="values.yaml") or {}
    lines = text.splitlines()
    apply_to_lines(lines, data, override, path=[])
    return "\n".join(lines) + "\n"


def apply_to_lines(lines: list[str], base: Mapping[str, Any], override: Mapping[str, Any], path: list[str]) -> None:
    for key, value in override.items():
        current = base.get(key)
        if key in base and current == value:
            continue
        descend = (
            isinstance(value, Mapping)
            and isinstance(current, Mapping)
            and current
            and all(subkey in current for subkey in value)
        )
        if descend:
            apply_to_lines(lines, current, value, [*path, key])
            continue

        merged = merge_values(copy.deepcopy(current), value) if isinstance(value, Mapping) and isinstance(current, Mapping) else value
        replace_block(lines, [*path, key], merged)


def find_key(lines: list[str], path: list[str]) -> tuple[int, int]:
    """Return (line index, indentation) of the key at `path`; raise KeyError when it is missing."""
    start, end, indent = 0, len(lines), 0
    for depth, key in enumerate(path):
        for index in range(start, end):
            match = KEY_LINE.match(lines[index])
            if match and len(match["indent"]) == indent and match["key"] == key:
                if depth == len(path) - 1:
                    return index, indent
                start, end = index + 1, block_end(lines, index, indent)
                indent += 2
                break
        else:
            raise KeyError(".".join(path))
    raise KeyError(".".join(path))


def block_end(lines: list[str], key_index: int, indent: int) -> int:
    """Return the index after the last line of the value that starts at `key_index`."""
    end = key_index + 1
    last_content = key_index
    while end < len(lines):
        line = lines[end]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            break
        if line.strip():
            last_content = end
        end += 1
    return last_content + 1


def replace_block(lines: list[str], path: list[str], value: Any) -> None:
    index, indent = find_key(lines, path)
    end = block_end(lines, index, indent)
    rendered = dump_yaml({path[-1]: value}).splitlines()
    lines[index:end] = [" " * indent + line if line else line for line in rendered]
