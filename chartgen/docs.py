"""`chartgen docs`: keep the values table of a chart's README in step with values.yaml and values.schema.json.

The table is written between two HTML comments (chartgen.readme.VALUES_START
and VALUES_END). Everything outside them belongs to the chart's author and is
kept byte for byte.
"""

from __future__ import annotations

import json
import re
from itertools import takewhile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartgen.errors import UsageError
from chartgen.fsio import write_text_atomic
from chartgen.readme import VALUES_END, VALUES_START, values_section
from chartgen.yamlio import load_yaml_file

TABLE_HEADER = "| Key | Type | Default | Description |"
TABLE_ROW = re.compile(r"^\| `(?P<key>[^`]+)` \| (?P<type>[^|]*?) \| `(?P<default>.*?)` \| (?P<description>.*) \|$")
MAX_LISTED_CHANGES = 10


@dataclass
class ReadmeUpdate:
    """The README of one chart as it is on disk and as `chartgen docs` would write it."""

    chart: Path
    readme: Path
    old_text: str | None  # None when the chart has no README.md
    new_text: str
    notes: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return self.old_text != self.new_text

    def changes(self) -> list[str]:
        """Describe, row by row, how the README's values table differs from the generated one."""
        changes = list(self.notes)
        if self.old_text is not None:
            changes += table_changes(self.old_text, self.new_text)
        if not changes and self.stale:
            changes.append("the text between the chartgen:values comments differs from the generated table")
        if len(changes) > MAX_LISTED_CHANGES:
            hidden = len(changes) - MAX_LISTED_CHANGES + 1
            changes = [*changes[: MAX_LISTED_CHANGES - 1], f"and {hidden} more changes"]
        return changes

    def write(self) -> None:
        write_text_atomic(self.readme, self.new_text)


def plan_update(chart: Path) -> ReadmeUpdate:
    """Read a chart folder and return its README with a freshly generated values table; write nothing.

    Raises UsageError when `chart` is not a chart folder, has no values.yaml, or
    its README has only one of the two markers.
    """
    if not (chart / "Chart.yaml").is_file():
        raise UsageError(f"{chart} is not a chart: it has no Chart.yaml. Give the folder that contains the chart's Chart.yaml.")
    values_path = chart / "values.yaml"
    if not values_path.is_file():
        raise UsageError(f"{chart} has no values.yaml, so there is no values table to write. Add a values.yaml with `## @param KEY DESCRIPTION` comments.")

    section = values_section(read_text(values_path), read_schema(chart), source=str(values_path))
    readme = chart / "README.md"
    if not readme.is_file():
        title = chart_name(chart)
        return ReadmeUpdate(chart, readme, None, f"# {title}\n\n## Values\n\n{section}", ["missing, so a README.md with a Values section is created"])

    old_text = read_text(readme)
    new_text, note = place_section(old_text, section, readme)
    return ReadmeUpdate(chart, readme, old_text, new_text, [note] if note else [])


def chart_name(chart: Path) -> str:
    metadata = load_yaml_file(chart / "Chart.yaml")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(name or chart.resolve().name)


def read_text(path: Path) -> str:
    try:
        # newline="" keeps \r\n line endings, so a README written on Windows is compared and kept as it is.
        with path.open(encoding="utf-8", newline="") as file:
            return file.read()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise UsageError(f"cannot read {path}: it is not UTF-8 text ({error.reason} at byte {error.start}).") from error


def read_schema(chart: Path) -> dict[str, Any]:
    """Return the chart's values.schema.json, or an empty schema when it has none: every type is then `any`."""
    path = chart / "values.schema.json"
    if not path.is_file():
        return {}
    try:
        schema = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}.") from error
    return schema if isinstance(schema, dict) else {}


def place_section(text: str, section: str, readme: Path) -> tuple[str, str | None]:
    """Return `text` with `section` in place of the marked table, and a note when the markers had to be added."""
    if "\r\n" in text:
        section = section.replace("\n", "\r\n")
    section = section.rstrip("\r\n")

    starts, ends = text.count(VALUES_START), text.count(VALUES_END)
    if starts == ends == 1 and text.index(VALUES_START) < text.index(VALUES_END):
        before = text[: text.index(VALUES_START)]
        after = text[text.index(VALUES_END) + len(VALUES_END):]
        return before + section + after, None
    if starts or ends:
        raise UsageError(
            f"{readme} must contain {VALUES_START} once, followed by {VALUES_END} once, "
            f"but it has {starts} start and {ends} end comments. "
            "Fix them, or remove both to have chartgen docs add the values table again."
        )

    lines = text.splitlines(keepends=True)
    tables = [index for index, line in enumerate(lines) if line.strip() == TABLE_HEADER]
    if len(tables) == 1:
        first = tables[0]
        last = first
        while last + 1 < len(lines) and lines[last + 1].startswith("|"):
            last += 1
        ending = lines[last][len(lines[last].rstrip("\r\n")):]
        lines[first : last + 1] = [section + ending]
        return "".join(lines), "no chartgen:values comments, so they are added around the existing values table"

    newline = "\r\n" if "\r\n" in text else "\n"
    body = text.rstrip("\r\n")
    heading = f"## Values{newline}{newline}"
    appended = f"{body}{newline}{newline}{heading}{section}{newline}" if body else f"{heading}{section}{newline}"
    return appended, "no chartgen:values comments, so a Values section with them is added at the end"


def table_rows(text: str) -> dict[str, dict[str, str] | str]:
    """Map each key of the values table in `text` to its cells, or to the raw row when the row cannot be parsed.

    Only the marked table is read when the markers exist, else the table that
    starts with the values table's header.
    """
    lines = text.splitlines()
    if VALUES_START in text and VALUES_END in text:
        lines = text[text.index(VALUES_START): text.index(VALUES_END)].splitlines()
    elif TABLE_HEADER in lines:
        lines = list(takewhile(lambda line: line.startswith("|"), lines[lines.index(TABLE_HEADER):]))
    rows: dict[str, dict[str, str] | str] = {}
    for line in lines:
        line = line.strip()
        match = TABLE_ROW.match(line)
        if match:
            rows[match["key"]] = match.groupdict()
        elif line.startswith("| `"):
            rows[line.split("`")[1]] = line
    return rows


def table_changes(old_text: str, new_text: str) -> list[str]:
    """List added, removed and changed rows between two README texts, in the new table's order."""
    old_rows, new_rows = table_rows(old_text), table_rows(new_text)
    changes = [f"removed `{key}`" for key in old_rows if key not in new_rows]
    for key, new in new_rows.items():
        old = old_rows.get(key)
        if old is None:
            changes.append(f"added `{key}`")
        elif old != new:
            changes.append(describe_row_change(key, old, new))
    if not changes and [key for key in old_rows] != [key for key in new_rows]:
        changes.append("the rows are in a different order than in values.yaml")
    return changes


def describe_row_change(key: str, old: dict[str, str] | str, new: dict[str, str] | str) -> str:
    if isinstance(old, str) or isinstance(new, str):
        return f"`{key}`: the row differs"
    parts = []
    if old["type"] != new["type"]:
        parts.append(f"type {old['type']} -> {new['type']}")
    if old["default"] != new["default"]:
        parts.append(f"default `{old['default']}` -> `{new['default']}`")
    if old["description"] != new["description"]:
        parts.append("description changed")
    return f"`{key}`: {', '.join(parts)}"
