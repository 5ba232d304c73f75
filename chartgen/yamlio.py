"""YAML reading and writing: one round-trip factory for edits that keep comments, a safe loader for reading."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

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



# helm reads values with sigs.k8s.io/yaml: go-yaml v2 types each plain scalar
# (its resolve()), then the result goes through JSON. These mirror both steps.
HELM_PLAIN = "tag:chartgen,helm-plain"
MERGE = "tag:yaml.org,2002:merge"
GO_YAML_WORDS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
}
GO_YAML_NON_FINITE = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"}
GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
GO_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
GO_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")


def go_parse_int(text: str) -> int | None:
    """Return what Go's strconv.ParseInt(text, 0, 64), else ParseUint(text, 0, 64), returns, or None."""
    match = GO_INT.fullmatch(text)
    if not match:
        return None
    sign, digits = match.groups()
    prefix = digits[:2].lower()
    base = {"0x": 16, "0o": 8, "0b": 2}.get(prefix)
    if base:
        number = int(digits[2:], base)
    elif digits.startswith("0") and len(digits) > 1:
        number = int(digits[1:], 8)
    else:
        number = int(digits)
    number = -number if sign == "-" else number
    if -(2**63) <= number < 2**63 or (not sign and number < 2**64):
        return number
    return None


def helm_plain_scalar(text: str, node: ScalarNode) -> Any:
    """Type an unquoted, untagged scalar as go-yaml v2 and helm's JSON step do."""
    if text in GO_YAML_WORDS:
        return GO_YAML_WORDS[text]
    if text in GO_YAML_NON_FINITE:
        raise ConstructorError(None, None, f"{text} is not a number helm can read (JSON has no infinity or NaN); quote it to make it a string", node.start_mark)
    if text.startswith(".") and GO_DOT_FLOAT.fullmatch(text):
        return float(text)
    if text[:1] in tuple("+-0123456789"):
        plain = text.replace("_", "")
        number = go_parse_int(plain)
        if number is not None:
            return number
        if GO_YAML_FLOAT.fullmatch(plain):
            value = float(plain)
            if not math.isinf(value):
                return value
    return text


def helm_key(key: Any, node: Any) -> str:
    """Turn a map key into the string sigs.k8s.io/yaml makes of it."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        # NOTE: Go formats with strconv.FormatFloat(key, 'g', -1, 32); this matches it for short numbers only.
        return str(int(key)) if key.is_integer() and abs(key) < 1e21 else repr(key)
    raise ConstructorError(None, None, f"helm cannot read a map key that is {'null' if key is None else 'a ' + type(key).__name__}; use a string key", node.start_mark)


class HelmResolver(VersionedResolver):
    """Gives every unquoted, untagged scalar one tag, so HelmConstructor types it as go-yaml v2 does."""

    # One Tag object for all plain scalars: a Tag caches its decoded name, and
    # building one per scalar took about a tenth of a large batch's time.
    PLAIN_TAG = Tag(suffix=HELM_PLAIN)
    MERGE_TAG = Tag(suffix=MERGE)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return self.MERGE_TAG if value == "<<" else self.PLAIN_TAG
        return super().resolve(kind, value, implicit)


class HelmConstructor(SafeConstructor):
    """Builds values as helm reads them: go-yaml v2 scalars, string keys, and the last of duplicate keys."""

    def construct_helm_plain(self, node: ScalarNode) -> Any:
        return helm_plain_scalar(node.value, node)

    def construct_merge_word(self, node: ScalarNode) -> str:
        return "<<"

    def construct_binary_as_text(self, node: ScalarNode) -> str:
        return self.construct_yaml_binary(node).decode("utf-8", errors="replace")

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[str, Any]:  # type: ignore[override]
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = helm_key(self.construct_object(key_node, deep=True), key_node)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


HelmConstructor.add_constructor(HELM_PLAIN, HelmConstructor.construct_helm_plain)
HelmConstructor.add_constructor(MERGE, HelmConstructor.construct_merge_word)
HelmConstructor.add_constructor("tag:yaml.org,2002:binary", HelmConstructor.construct_binary_as_text)


def helm_values_yaml() -> YAML:
    """Return a loader that reads a values file as helm does (sigs.k8s.io/yaml on go-yaml v2)."""
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = HelmResolver
    yaml.Constructor = HelmConstructor
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
