"""Values merged exactly as helm merges them, remembering which file or flag set each key.

helm builds the user's values first: every -f file in order, then the
--set-json, --set and --set-string flags, in that order of kind whatever their
order on the command line (Helm 3.17 and 4.3). Only then does it coalesce them
with the chart's values.yaml. A null from the user removes the chart's default
for that key, and null defaults are dropped. A null the user sets for a key the
chart does not have stays null.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from chartgen.errors import UsageError
from chartgen.yamlio import load_yaml_file

Path_ = tuple[str, ...]

# The kinds of --set flags, in the order helm applies them.
SET_KINDS = ("--set-json", "--set", "--set-string")
# helm's strvals parser refuses list indexes above this.
MAX_INDEX = 65536


@dataclass
class UserValues:
    """The user's values before they meet the chart's defaults, with the source of every key."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[Path_, str] = field(default_factory=dict)

    def merge(self, override: Mapping[str, Any], source: str) -> None:
        merge_maps(self.values, override, (), source, self.sources)

    def source_of(self, path: Path_, default: str) -> str:
        """Return the file or flag that set `path` or its nearest parent, else one that set a key below it, else `default`."""
        for length in range(len(path), -1, -1):
            if path[:length] in self.sources:
                return self.sources[path[:length]]
        below = [source for key, source in self.sources.items() if key[: len(path)] == path]
        return below[-1] if below else default


def merge_maps(base: dict[str, Any], override: Mapping[str, Any], prefix: Path_, source: str, sources: dict[Path_, str]) -> None:
    """Merge as helm merges values files: maps key by key, anything else (nulls included) replaces."""
    for key, value in override.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            merge_maps(base[key], value, path, source, sources)
            continue
        base[key] = copy.deepcopy(value)
        sources[path] = source


def coalesce(user: Any, defaults: Any) -> Any:
    """Return the values helm validates and renders: the user's values over the chart's defaults.

    The result shares lists and scalars with its inputs, so callers must not change it in place.
    """
    if not isinstance(user, dict):
        return user

    result = dict(user)
    for key, default in (defaults or {}).items():
        if key in result:
            if result[key] is None:
                del result[key]
            elif isinstance(result[key], dict) and isinstance(default, dict):
                result[key] = coalesce(result[key], default)
        elif isinstance(default, dict):
            result[key] = coalesce({}, default)
        elif default is not None:
            result[key] = default
    return result


def load_values_file(path: Path) -> dict[str, Any]:
    document = load_yaml_file(path, helm_values=True)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise UsageError(f"{path}: a values file must be a map of keys to values, but it is a {type(document).__name__}.")
    return document


# --- the --set family, following helm's strvals parser -------------------------------------------


def typed_value(text: str) -> Any:
    """Type a --set value as helm does: true/false/null in any case, and base-10 integers without a leading zero."""
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered == "null":
        return None
    if text == "0":
        return 0
    if text and text[0] != "0":
        try:
            number = int(text, 10)
        except ValueError:
            return text
        # Go's ParseInt takes an optional sign and digits only, and fits int64.
        if text.lstrip("+-").isdigit() and -(2**63) <= number < 2**63:
            return number
    return text


def split_unescaped(text: str, separator: str) -> list[str]:
    """Split on `separator` except where a backslash escapes it; the backslash is removed."""
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] == separator:
            current.append(separator)
            index += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def parse_key(key: str, flag: str, assignment: str) -> list[str | int]:
    """Turn `a.b[0].c` (with `\\.` for a literal dot) into ["a", "b", 0, "c"]."""
    steps: list[str | int] = []
    for segment in split_unescaped(key, "."):
        name, bracket, rest = segment.partition("[")
        if name:
            steps.append(name)
        elif not bracket or steps == []:
            raise UsageError(f'{flag} "{assignment}": the key "{key}" has an empty part. Use a key such as image.tag or ports[0].name.')
        while bracket:
            index_text, closing, rest = rest.partition("]")
            if not closing or not index_text.isdigit():
                raise UsageError(f'{flag} "{assignment}": "{key}" has an invalid list index. Use a number in brackets, such as ports[0].')
            if int(index_text) > MAX_INDEX:
                raise UsageError(f'{flag} "{assignment}": the list index {index_text} is above {MAX_INDEX}.')
            steps.append(int(index_text))
            _, bracket, rest = rest.partition("[")
    return steps


def split_assignments(text: str) -> list[str]:
    """Split `a=1,b={x,y}` on commas that are neither escaped nor inside braces."""
    assignments, current, depth, index = [], [], 0, 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index:index + 2])
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            assignments.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    assignments.append("".join(current))
    # A trailing comma ends the last assignment; it does not start an empty one.
    if assignments and not assignments[-1]:
        assignments.pop()
    return assignments


def parse_value(raw: str, flag: str) -> Any:
    if raw.startswith("{") and raw.endswith("}"):
        # helm reads "{}" as a list of one empty string, like "{,}" is a list of two.
        items = split_unescaped(raw[1:-1], ",")
        return [item if flag == "--set-string" else typed_value(item) for item in items]
    unescaped = raw.replace("\\,", ",")
    return unescaped if flag == "--set-string" else typed_value(unescaped)


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json_assignments(text: str) -> list[tuple[list[str | int], Any]]:
    """Parse `KEY=JSON[,KEY=JSON]...` as helm's --set-json does; an empty value is null."""
    decoder = json.JSONDecoder(parse_constant=reject_constant)
    pairs: list[tuple[list[str | int], Any]] = []
    index = 0
    while index < len(text):
        equals = text.find("=", index)
        if equals < 0:
            raise UsageError(f'--set-json "{text}" is not KEY=JSON. Use for example --set-json \'ports=[{{"name":"http","containerPort":8080}}]\'.')
        key = text[index:equals]
        index = equals + 1
        while index < len(text) and text[index].isspace():
            index += 1
        if index == len(text) or text[index] == ",":
            value = None
        else:
            try:
                value, index = decoder.raw_decode(text, index)
            except ValueError as error:
                raise UsageError(f'--set-json "{text}": the value of {key} is not valid JSON ({error}).') from error
            while index < len(text) and text[index].isspace():
                index += 1
        if index < len(text) and text[index] == ",":
            index += 1
        pairs.append((parse_key(key, "--set-json", text), value))
    return pairs


def parse_set(text: str, flag: str) -> list[tuple[list[str | int], Any]]:
    """Parse one --set, --set-string or --set-json argument into (key steps, value) pairs."""
    if flag == "--set-json":
        return parse_json_assignments(text)

    pairs = []
    for assignment in split_assignments(text):
        if not assignment:
            raise UsageError(f'{flag} "{text}" has an empty assignment between two commas. Remove the extra comma.')
        key, equals, raw = assignment.partition("=")
        if raw.startswith("{") and not raw.endswith("}"):
            raise UsageError(f'{flag} "{assignment}": a list value must end with its closing brace, as in {key}={{a,b}}.')
        if not equals:
            raise UsageError(f'{flag} "{assignment}" is not KEY=VALUE. Use for example {flag} replicaCount=3.')
        pairs.append((parse_key(key, flag, assignment), parse_value(raw, flag)))
    return pairs


class SetPathError(Exception):
    """A --set key that goes through a value of another kind: helm's parser stops there with an error."""


def set_path(target: dict[str, Any], steps: list[str | int], value: Any, *, drop_new_item: bool = False) -> None:
    """Write `value` at `steps`, creating maps and null-padded lists on the way, as helm does.

    With `drop_new_item` (an empty value that ends the argument), a list item
    that `list[i].key=` would create is left out, as helm's parser leaves it out.
    """
    node: Any = target
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        following = None if last else steps[position + 1]

        if isinstance(step, int):
            if drop_new_item and isinstance(following, str) and step >= len(node):
                return
            while len(node) <= step:
                node.append(None)
            if last:
                node[step] = value
            elif isinstance(following, str):
                if not isinstance(node[step], dict):
                    node[step] = {}
            elif node[step] is None:
                node[step] = []
            elif not isinstance(node[step], list):
                raise SetPathError(f"item {step} is {type(node[step]).__name__}, not a list")
            node = node[step]
            continue

        if last:
            node[step] = value
        elif step not in node:
            node[step] = [] if isinstance(following, int) else {}
        elif not isinstance(node[step], list if isinstance(following, int) else dict):
            kind = "a list" if isinstance(following, int) else "a map"
            found = "null" if node[step] is None else type(node[step]).__name__
            raise SetPathError(f"{step} is {found} in the values so far, not {kind}")
        node = node[step]


def apply_set_flags(user: UserValues, flags: list[tuple[str, str]]) -> None:
    """Apply (flag, argument) pairs in helm's order of kinds, keeping each kind's own order."""
    for kind in SET_KINDS:
        for flag, text in flags:
            if flag != kind:
                continue
            pairs = parse_set(text, flag)
            assignments = split_assignments(text) if flag != "--set-json" else []
            ends_empty = bool(assignments) and assignments[-1].partition("=")[2] == ""
            for index, (steps, value) in enumerate(pairs):
                try:
                    set_path(user.values, steps, value, drop_new_item=ends_empty and index == len(pairs) - 1)
                except SetPathError as error:
                    raise UsageError(f'{flag} "{text}": helm cannot set this key, because {error}. Set the whole value instead, or remove the other setting.') from error
                user.sources[tuple(str(step) for step in steps if isinstance(step, str))] = flag


def subchart_values(user: dict[str, Any], alias: str, source: str) -> dict[str, Any]:
    """Return what a dependency aliased `alias` receives from a parent's values: its subtree plus `global`."""
    if alias not in user:
        raise UsageError(f'{source}: there is no key "{alias}" for --subchart {alias}. Use the dependency\'s name or alias in the parent chart.')
    subtree = user[alias]
    if not isinstance(subtree, dict):
        raise UsageError(f"{source}::{alias}: expected the values of the dependency, but found a {type(subtree).__name__}.")
    values = copy.deepcopy(subtree)
    if "global" in user:
        values["global"] = copy.deepcopy(user["global"])
    return values
