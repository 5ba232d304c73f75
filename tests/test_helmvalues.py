"""helm's value merging, re-implemented: --set typing and parsing, file merges, coalescing with defaults."""

from __future__ import annotations

from typing import Any

import pytest

from chartgen.errors import UsageError
from chartgen.helmvalues import UserValues, apply_set_flags, coalesce, parse_set, subchart_values, typed_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("-5", -5),
        ("+7", 7),
        ("0", 0),
        ("0123", "0123"),
        ("1.0", "1.0"),
        ("1e3", "1e3"),
        ("1_000", "1_000"),
        ("true", True),
        ("TRUE", True),
        ("False", False),
        ("null", None),
        ("Null", None),
        ("", ""),
        ("yes", "yes"),
        ("9223372036854775808", "9223372036854775808"),
    ],
)
def test_typed_value(text: str, expected: Any) -> None:
    assert typed_value(text) == expected
    assert type(typed_value(text)) is type(expected)


def test_parse_set_pairs() -> None:
    pairs = parse_set("a=1,b.c=x,list[1]=y,escaped=a\\,b,dotted\\.key=z,items={p,2}", "--set")
    assert pairs == [
        (["a"], 1),
        (["b", "c"], "x"),
        (["list", 1], "y"),
        (["escaped"], "a,b"),
        (["dotted.key"], "z"),
        (["items"], ["p", 2]),
    ]


def test_parse_set_empty_braces() -> None:
    assert parse_set("env={}", "--set") == [(["env"], [""])]


def test_parse_set_string_keeps_strings() -> None:
    assert parse_set("replicaCount=3,flag=true", "--set-string") == [(["replicaCount"], "3"), (["flag"], "true")]


def test_parse_set_json_values() -> None:
    assert parse_set('ports=[{"name":"http","containerPort":8080}]', "--set-json") == [(["ports"], [{"name": "http", "containerPort": 8080}])]


@pytest.mark.parametrize(
    ("text", "flag"),
    [("novalue", "--set"), ("a[x]=1", "--set"), ("a[99999]=1", "--set"), ("ports=[", "--set-json"), (".a=1", "--set")],
)
def test_parse_set_rejects_malformed(text: str, flag: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_set(text, flag)
    assert text.split("=")[0] in raised.value.message


def test_set_kinds_apply_in_helm_order() -> None:
    """helm applies --set-json, then --set, then --set-string, whatever the command-line order."""
    user = UserValues()
    apply_set_flags(user, [("--set-string", "a=string"), ("--set", "a=2"), ("--set-json", "a=[1]")])
    assert user.values == {"a": "string"}
    assert user.sources[("a",)] == "--set-string"


def test_set_creates_padded_lists() -> None:
    user = UserValues()
    apply_set_flags(user, [("--set", "ports[2].name=metrics")])
    assert user.values == {"ports": [None, None, {"name": "metrics"}]}


def test_files_merge_maps_and_replace_lists() -> None:
    user = UserValues()
    user.merge({"image": {"repository": "a", "tag": "1"}, "args": ["x", "y"]}, "first.yaml")
    user.merge({"image": {"tag": "2"}, "args": ["z"]}, "second.yaml")
    assert user.values == {"image": {"repository": "a", "tag": "2"}, "args": ["z"]}
    assert user.source_of(("image", "tag"), "values.yaml") == "second.yaml"
    assert user.source_of(("image", "repository"), "values.yaml") == "first.yaml"
    assert user.source_of(("args", "0"), "values.yaml") == "second.yaml"
    assert user.source_of(("replicaCount",), "values.yaml") == "values.yaml"


def test_coalesce_null_removes_default() -> None:
    defaults = {"a": 1, "b": {"x": 2, "y": None}, "c": {}, "d": None}
    assert coalesce({"a": None, "b": {"x": None}}, defaults) == {"b": {}, "c": {}}


def test_coalesce_keeps_null_without_default() -> None:
    assert coalesce({"c": {"k": None}, "e": None}, {"c": {}}) == {"c": {"k": None}, "e": None}


def test_coalesce_user_scalar_over_default_map() -> None:
    assert coalesce({"a": 5}, {"a": {"x": 1}}) == {"a": 5}


def test_subchart_values_take_subtree_and_global() -> None:
    parent = {"web": {"replicaCount": 3}, "db": {"replicaCount": 1}, "global": {"region": "eu"}}
    assert subchart_values(parent, "web", "parent.yaml") == {"replicaCount": 3, "global": {"region": "eu"}}


def test_subchart_missing_alias() -> None:
    with pytest.raises(UsageError) as raised:
        subchart_values({"web": {}}, "api", "parent.yaml")
    assert '"api"' in raised.value.message
