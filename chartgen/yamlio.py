"""YAML reading and writing: one round-trip factory for edits that keep comments, a safe loader for reading."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.representer import RoundTripRepresenter

from chartgen.errors import UsageError


# Plain scalars that YAML 1.1 readers, helm's among them (sigs.k8s.io/yaml on
# go-yaml v2), take for a boolean or a sexagesimal number, while a YAML 1.2
# writer leaves them unquoted because they are strings in 1.2.
YAML11_NON_STRINGS = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$"
    r"|^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"
)


class HelmSafeRepresenter(RoundTripRepresenter):
    """Quotes strings that helm would otherwise read back as booleans or numbers."""

    def represent_str(self, data: str) -> object:
        if YAML11_NON_STRINGS.match(data):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


HelmSafeRepresenter.add_representer(str, HelmSafeRepresenter.represent_str)


def round_trip_yaml() -> YAML:
    """Return a YAML object that keeps comments and key order, indented as Helm charts are."""
    yaml = YAML(typ="rt")
    yaml.Representer = HelmSafeRepresenter
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def load_yaml_file(path: Path, *, round_trip: bool = False, helm_values: bool = False) -> Any:
    """Parse one YAML document; a syntax error becomes a UsageError naming file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise UsageError(f"cannot read {path}: it is not UTF-8 text ({error.reason} at byte {error.start}).") from error
    return parse_yaml(text, source=str(path), round_trip=round_trip, helm_values=helm_values)


def helm_values_yaml() -> YAML:
    """Return a loader that types plain scalars as helm does: YAML 1.1, where yes, on and y are booleans.

    helm reads values with sigs.k8s.io/yaml, which is built on go-yaml v2.
    """
    # NOTE: two YAML 1.1 forms still differ from go-yaml v2: ruamel reads
    # 1:20 as the sexagesimal 80 and 0o17 as a string, go-yaml v2 the other way round.
    yaml = YAML(typ="safe", pure=False)
    yaml.version = (1, 1)
    return yaml


def parse_yaml(text: str, *, source: str, round_trip: bool = False, helm_values: bool = False) -> Any:
    if round_trip:
        yaml = round_trip_yaml()
    elif helm_values:
        yaml = helm_values_yaml()
    else:
        yaml = YAML(typ="safe", pure=False)
    try:
        return yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise UsageError(f"{where}: invalid YAML: {error.problem or error.context}.") from error


def load_all_documents(text: str) -> Iterator[Any]:
    """Yield every non-empty document of a multi-document stream such as `helm template` output."""
    for document in YAML(typ="safe", pure=True).load_all(text):
        if document is not None:
            yield document


def dump_yaml(data: Any, *, header: str = "") -> str:
    """Serialize with the round-trip dumper, so comments carried by `data` survive; ends with one newline."""
    buffer = io.StringIO()
    round_trip_yaml().dump(data, buffer)
    return header + buffer.getvalue().rstrip("\n") + "\n"
