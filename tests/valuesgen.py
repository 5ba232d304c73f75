"""Values cases around the edges of the chart's values schema, and helm's and chartgen's verdicts on them.

Shared by tests/test_agreement.py and the scripts under bench/, which add this
folder to sys.path.

A case is a values document, written to a file, plus --set, --set-string and
--set-json flags. The generator is written from the schema's keys and edges,
but it does not decide what is valid, because that is helm's verdict. Most
keys get values that pass, and some get values just outside an edge (an even
cluster, a string "3", a null for a required key, an unknown key), so both
verdicts occur often.

The file is written by ruamel.yaml's dumper, so each Python value has an
explicit type in the file as a YAML 1.2 reader reads it. `Plain` leaves are
the exception. Their text goes into the file unquoted, as a person would type
it, so each reader types it its own way. helm types plain scalars as go-yaml v2
does, mostly by YAML 1.1 rules: `yes` is true and `017` is 15. The dumper also
leaves strings such as "yes" unquoted, because YAML 1.2 does not need quotes
there, which is how YAML 1.2 tools write them for real.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from hypothesis import strategies as st
from ruamel.yaml import YAML

DEPLOYMENT_TYPES = ("stateful-single", "stateful-multi", "stateless-single", "stateless-multi")
SET_KINDS = ("--set", "--set-string", "--set-json")


@dataclass(frozen=True)
class Plain:
    """A scalar written into the values file exactly as `text`, without quotes."""

    text: str

    def __repr__(self) -> str:
        return f"Plain({self.text!r})"


@dataclass(frozen=True)
class Case:
    """One values case: the document for the -f file and the --set family flags, in command-line order."""

    values: dict[Any, Any]
    flags: tuple[tuple[str, str], ...] = ()

    def yaml_text(self) -> str:
        return dump_values(self.values)

    def flag_args(self) -> list[str]:
        """The flags as argv items, `--set=TEXT`, so a value that starts with "-" stays a value."""
        return [f"{flag}={text}" for flag, text in self.flags]

    def describe(self) -> str:
        flags = " ".join(shlex.quote(arg) for arg in self.flag_args()) or "(none)"
        return f"values file:\n{indent(self.yaml_text())}\nflags: {flags}"


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.rstrip("\n").splitlines()) or prefix + "(empty)"


# --- writing the values file ------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"zzplain(\d+)zz")


def dump_values(values: dict[Any, Any]) -> str:
    """Write `values` with ruamel.yaml's dumper, with the bare text of every Plain leaf and key."""
    plains: list[str] = []

    def swap(node: Any) -> Any:
        if isinstance(node, Plain):
            plains.append(node.text)
            return f"zzplain{len(plains) - 1}zz"
        if isinstance(node, dict):
            return {swap(key): swap(value) for key, value in node.items()}
        if isinstance(node, list):
            return [swap(item) for item in node]
        return node

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump(swap(values), buffer)
    text = buffer.getvalue()
    if text.strip() == "{}":
        return ""
    return PLACEHOLDER.sub(lambda match: plains[int(match[1])], text)


# --- scalars around the edges ------------------------------------------------------------------------

# Bare scalars whose type depends on the YAML version or the parser.
PLAIN_TEXTS = (
    "yes", "no", "on", "off", "y", "n", "Y", "N", "Yes", "OFF", "True", "FALSE", "~", "Null",
    "0o17", "0B101", "017", "0123", "0177777", "0100000", "0x1F", "0b101", "1_000", "1e3", "1.5e3", "3.", "+3", "-0",
    "08", "09", ".inf", "-.inf", ".nan", "1e400", "18446744073709551616",
    "2001-12-14", "2001-12-14T21:59:43Z", "2001-12-14 21:59:43.10 -5", "12:30:00", "1:20", "190:20:30", "=", "<<",
)
# Strings a YAML dumper has to decide whether to quote, and strings of odd content.
TRICKY_STRINGS = (
    "yes", "no", "on", "off", "y", "n", "true", "True", "null", "~", "", " ", "3", "3.0", "017", "0o17", "1e3",
    "0x1F", "1_000", ".inf", "2001-12-14", "12:30:00", "=", "<<", "#x", "x: y", "- a", "*a", "&a", "!x", "%x",
    "@x", "'", '"', "a\nb", "\t", "é", "\u2028", "\x85",
)
# Keys that are not plain strings once a YAML parser has read them.
ODD_KEYS: tuple[Any, ...] = (1, 0, -1, 3.5, True, False, None, Plain("yes"), Plain("on"), Plain("017"), Plain("~"), Plain("1e3"))
UNKNOWN_KEYS = ("replicas", "persistance", "deploymenttype", "image_tag", "Service", "clusterEnabled", "foo", "x.y")
MISSPELLED_TYPES = ("stateful", "Stateful-Single", "stateless_multi", "stateles-multi", "statefull-multi", "stateless-single ", "")
ACCESS_MODES = ("ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany")
DIGEST = "sha256:" + "ab" * 32


def plain() -> st.SearchStrategy[Plain]:
    return st.sampled_from(PLAIN_TEXTS).map(Plain)


def scalar_noise() -> st.SearchStrategy[Any]:
    """A value of any kind: what a wrong-type edit puts where something else belongs."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from([0, 1, -1, 2, 3, 65535, 65536, 2**31, 2**63, 10**20, -(2**63) - 1]),
        st.sampled_from([0.0, 1.0, 3.0, 3.5, -1.5, 1e3, 1e20, float("inf"), float("-inf"), float("nan")]),
        st.sampled_from(TRICKY_STRINGS),
        st.text(alphabet="abcXYZ019-_. /:", max_size=12),
        plain(),
        st.just([]),
        st.just({}),
        st.lists(st.sampled_from([1, "a", None, True]), min_size=1, max_size=2),
        st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from([1, "x", None]), min_size=1, max_size=2),
    )


def unknown_keys() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(UNKNOWN_KEYS),
        st.sampled_from(ODD_KEYS),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    )


def chance(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in `one_in` draws. Hypothesis shrinks integers towards 0, so towards False."""
    return draw(st.integers(0, one_in - 1)) == one_in - 1


def maybe_keys(draw: st.DrawFn, pairs: dict[str, st.SearchStrategy[Any]], one_in: int = 2) -> dict[str, Any]:
    """Draw each key of `pairs` about once in `one_in` documents. A key left out keeps the chart's default."""
    return {key: draw(strategy) for key, strategy in pairs.items() if chance(draw, one_in)}


class Edges:
    """Strategies for each part of the values.

    Every part mixes values inside and just outside the schema's rules that
    relate keys (replica counts per type, odd clusters, access modes, update
    strategies). A noisy Edges also adds, now and then, a value of the wrong
    kind, a null, an unknown or non-string key, a bare YAML 1.1/1.2 scalar or
    an odd string. A quiet one does not, so that valid documents come up often.
    """

    def __init__(self, noisy: bool) -> None:
        self.noisy = noisy

    # -- helpers --

    def mostly(self, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], bad_in: int = 6) -> st.SearchStrategy[Any]:
        """Return `good`, or when noisy a strategy that draws from `bad` about once in `bad_in` draws."""
        if not self.noisy:
            return good
        return st.integers(0, bad_in - 1).flatmap(lambda roll: bad if roll == bad_in - 1 else good)

    def nullable(self, strategy: st.SearchStrategy[Any], null_in: int = 8) -> st.SearchStrategy[Any]:
        """Return null about once in `null_in` draws, noisy or not, for keys whose type includes null."""
        return st.integers(0, null_in - 1).flatmap(lambda roll: st.none() if roll == null_in - 1 else strategy)

    def choice(self, good: Sequence[Any], bad: Sequence[Any] = ()) -> st.SearchStrategy[Any]:
        """Return one of `good`, or when noisy sometimes one of `bad` or any value at all."""
        wrong = st.one_of(st.sampled_from(list(bad)), scalar_noise()) if bad else scalar_noise()
        return self.mostly(st.sampled_from(list(good)), wrong)

    def boolean(self) -> st.SearchStrategy[Any]:
        return self.mostly(st.booleans(), st.one_of(st.sampled_from(["true", "false", "True", None, 0, 1]), plain(), scalar_noise()), bad_in=5)

    def with_extra_key(self, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        """When noisy, add an unknown key (with any value, null included) to a map about one time in eight."""
        if not self.noisy:
            return strategy

        @st.composite
        def build(draw: st.DrawFn) -> Any:
            value = draw(strategy)
            if isinstance(value, dict) and chance(draw, 8):
                value = {**value, draw(unknown_keys()): draw(st.one_of(st.none(), scalar_noise()))}
            return value

        return build()

    # -- leaves --

    def deployment_type(self) -> st.SearchStrategy[Any]:
        wrong = st.one_of(st.sampled_from(MISSPELLED_TYPES), st.sampled_from([None, 1, True, ["stateful-multi"]]), plain())
        return self.mostly(st.sampled_from(DEPLOYMENT_TYPES), wrong)

    def replica_count(self) -> st.SearchStrategy[Any]:
        wrong = st.one_of(st.sampled_from([-1, 2**31, 2**63, 10**20, 3.5, 1e3, "3", "1", "three", None, True]), plain())
        return self.mostly(st.sampled_from([1, 1, 1, 2, 3, 3, 4, 5, 7, 0, 6, 3.0, 1.0, 2.0, 5.0]), wrong, bad_in=4)

    def port(self) -> st.SearchStrategy[Any]:
        wrong = st.sampled_from([-1, 70000, "8080", "80", 80.5, None, Plain("0177777"), Plain("0100000"), Plain("1e3"), Plain("0x50")])
        return self.mostly(st.sampled_from([80, 443, 2379, 8080, 65535, 1, 0, 65536, 80.0]), wrong)

    def port_name(self) -> st.SearchStrategy[Any]:
        return self.choice(["http", "client", "peer", "metrics", "a", "abcdefghijklmno"], ["HTTP", "abcdefghijklmnop", "-http", "http-", "my_port", "", 80])

    def free_map(self, value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        """A map of free keys, such as annotations, or null."""
        keys = self.mostly(st.sampled_from(["a", "team", "example.com/owner", "kubernetes.io/os", "x.y"]), st.sampled_from(ODD_KEYS), bad_in=8)
        wrong = st.one_of(st.sampled_from(["x", 1, True, []]), plain())
        return self.nullable(self.mostly(st.dictionaries(keys, value, max_size=3), wrong, bad_in=8))

    def annotation(self) -> st.SearchStrategy[Any]:
        return self.mostly(st.sampled_from(["x", "", "true", "1", "a b"]), st.one_of(st.sampled_from(TRICKY_STRINGS), scalar_noise()), bad_in=3)

    def opaque_object(self) -> st.SearchStrategy[Any]:
        """An object the schema does not look into (resources, affinity, probes), or null."""
        inner = st.one_of(st.sampled_from(["1", 1, "100m"]), st.dictionaries(st.just("cpu"), st.sampled_from(["1", None, 2]), max_size=1))
        good = st.one_of(st.just({}), st.dictionaries(st.sampled_from(["limits", "requests", "tcpSocket", "cpu", "nested"]), inner, max_size=2))
        wrong = st.one_of(
            st.sampled_from(["", "x", 1, True, [], [{}]]),
            plain(),
            st.dictionaries(st.just("cpu"), st.sampled_from([float("inf"), Plain(".inf"), Plain("1e400"), Plain("2001-12-14")]), min_size=1),
        )
        return self.nullable(self.mostly(good, wrong, bad_in=4))

    def string_list(self) -> st.SearchStrategy[Any]:
        """command and args: a list of strings, or null."""
        item = self.mostly(st.sampled_from(["run", "--port=8080", "$(POD_NAME)", ""]), st.one_of(scalar_noise(), plain()), bad_in=5)
        return self.nullable(self.mostly(st.lists(item, max_size=3), st.sampled_from(["run", 1, {}, {"a": "b"}])))

    def object_list(self, named: bool) -> st.SearchStrategy[Any]:
        """env, imagePullSecrets, tolerations and the like: a list of maps, or null."""
        with_name = st.fixed_dictionaries(
            {"name": self.choice(["FOO", "regcred", "a"], ["", None, 1])},
            optional={"value": st.sampled_from(["1", "x"])},
        )
        good = with_name if named else st.one_of(with_name, st.just({}), st.just({"key": "k", "operator": "Exists"}))
        item = self.mostly(good, st.one_of(st.sampled_from([None, "FOO=1", 1, True, [], {"value": "no name"}]), plain()), bad_in=5)
        return self.nullable(self.mostly(st.lists(item, max_size=3), st.sampled_from(["x", {}, {"name": "a"}])))

    def name_override(self) -> st.SearchStrategy[Any]:
        """nameOverride and fullnameOverride: the pattern, and the 52 and 63 character limits."""
        good = st.one_of(st.sampled_from(["", "web", "a", "etcd-main"]), st.sampled_from([51, 52, 53, 63]).map(lambda n: "a" * n))
        wrong = st.one_of(st.sampled_from(["Web", "web_1", "-web", "web-", "1web", "a.b", 1]), st.sampled_from([64, 70]).map(lambda n: "a" * n))
        return self.nullable(self.mostly(good, wrong, bad_in=4))

    # -- sections --

    def cluster(self) -> st.SearchStrategy[Any]:
        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {"enabled": self.boolean(), "peerPort": self.nullable(self.port(), null_in=3)})

        return self.mostly(self.with_extra_key(build()), st.sampled_from([None, True, "enabled", []]), bad_in=8)

    def autoscaling(self) -> st.SearchStrategy[Any]:
        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {
                "enabled": self.boolean(),
                "minReplicas": self.mostly(st.integers(1, 6), st.sampled_from([0, -1, "2", 2.0, 2.5, None])),
                "maxReplicas": self.mostly(st.integers(1, 12), st.sampled_from([0, "10", 10.0, None])),
                "targetCPUUtilizationPercentage": self.nullable(self.choice([50, 80, 100, 1], [0, "80", 80.5, "80%"]), null_in=4),
                "targetMemoryUtilizationPercentage": self.nullable(self.choice([50, 80], [0, "80"]), null_in=3),
            })

        return self.mostly(self.with_extra_key(build()), st.sampled_from([None, False, "on"]), bad_in=10)

    def persistence(self) -> st.SearchStrategy[Any]:
        retention = st.fixed_dictionaries({}, optional={
            "whenDeleted": self.choice(["Retain", "Delete"], ["retain", "Keep", None]),
            "whenScaled": self.choice(["Retain", "Delete"], ["delete", None]),
        })

        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {
                "enabled": self.boolean(),
                "accessMode": self.choice(ACCESS_MODES, ["ReadWriteonce", "RWO", "ReadWriteMany ", "readwritemany"]),
                "size": self.choice(["8Gi", "10Gi", "1.5Gi", "500M", "1", "100Ki"], ["10GB", "10 Gi", "-1Gi", "Gi", 10, 1.5, "1e3"]),
                "mountPath": self.choice(["/data", "/var/lib/etcd", "/"], ["data", "", "./data", 1]),
                "subPath": self.nullable(st.sampled_from(["", "db", "a/b"]), null_in=5),
                "storageClass": self.nullable(st.sampled_from(["-", "", "fast", "standard"]), null_in=3),
                "existingClaim": self.nullable(st.sampled_from(["", "", "data-claim"]), null_in=5),
                "annotations": self.free_map(self.annotation()),
                "retentionPolicy": self.with_extra_key(retention),
            })

        return self.mostly(self.with_extra_key(build()), st.sampled_from([None, True, "8Gi"]), bad_in=10)

    def update_strategy(self) -> st.SearchStrategy[Any]:
        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {
                "type": self.choice(["RollingUpdate", "Recreate", "OnDelete"], ["rollingUpdate", "Rolling", None, ""]),
                "rollingUpdate": st.sampled_from([{}, {"maxSurge": 1}, {"partition": 0}]),
            })

        return self.nullable(self.mostly(self.with_extra_key(build()), st.sampled_from(["Recreate", [], {"rollingUpdate": None}])))

    def pod_disruption_budget(self) -> st.SearchStrategy[Any]:
        limit = self.mostly(st.sampled_from([0, 1, 2, "50%", "0%", None]), st.sampled_from(["50", "50 %", -1, 1.5, 1.0, "x%", True, Plain("yes")]), bad_in=5)

        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {"enabled": self.boolean(), "minAvailable": limit, "maxUnavailable": limit})

        return self.mostly(self.with_extra_key(build()), st.sampled_from([None, False]), bad_in=10)

    def image(self) -> st.SearchStrategy[Any]:
        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {
                "repository": self.choice(["nginx", "quay.io/coreos/etcd", "registry.example.com:5000/a/b"], ["", None, 1]),
                "tag": self.nullable(self.mostly(
                    st.sampled_from(["1.0", "v3.5.17", "", "latest", "2"]),
                    st.one_of(st.sampled_from([1.0, 2, 3.5, True, "yes", "on", "1e3", "017", "2001-12-14"]), plain()),
                    bad_in=3,
                ), null_in=6),
                "digest": self.nullable(self.choice([DIGEST, "", "sha512:" + "0" * 40], ["sha256:abc", "SHA256:" + "ab" * 32, "ab" * 32]), null_in=6),
                "pullPolicy": self.choice(["Always", "IfNotPresent", "Never"], ["always", "IfNotPresent ", "Sometimes", None]),
            })

        return self.mostly(self.with_extra_key(build()), st.sampled_from([None, "nginx:1.27", {}]), bad_in=10)

    def service_port(self) -> st.SearchStrategy[Any]:
        @st.composite
        def build(draw: st.DrawFn) -> Any:
            value: dict[str, Any] = {"name": draw(self.port_name()), "port": draw(self.port())}
            value.update(maybe_keys(draw, {
                "targetPort": self.choice(["http", 8080, "client", 1], ["HTTP", 0, 65536, "8080", None, 8080.0]),
                "protocol": self.choice(["TCP", "UDP", "SCTP"], ["tcp", "HTTP", None]),
                "nodePort": self.nullable(self.port(), null_in=3),
                "appProtocol": self.nullable(st.sampled_from(["http", "kubernetes.io/h2c"]), null_in=3),
            }, one_in=3))
            if self.noisy and chance(draw, 10):
                del value[draw(st.sampled_from(["name", "port"]))]
            return value

        return self.with_extra_key(build())

    def service(self) -> st.SearchStrategy[Any]:
        headless = self.mostly(self.with_extra_key(st.fixed_dictionaries({}, optional={"annotations": self.free_map(self.annotation())})), st.sampled_from([None, "x"]))

        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {
                "enabled": self.boolean(),
                "type": self.choice(["ClusterIP", "NodePort", "LoadBalancer"], ["clusterip", "ExternalName", None]),
                "ports": self.nullable(self.mostly(st.lists(self.service_port(), max_size=2), st.sampled_from(["http", {"name": "http", "port": 80}, [80]]))),
                "sessionAffinity": self.choice(["None", "ClientIP"], ["none", None, Plain("None")]),
                "annotations": self.free_map(self.annotation()),
                "labels": self.free_map(self.annotation()),
                "headless": headless,
            }, one_in=3)

        return self.mostly(self.with_extra_key(build()), st.sampled_from([None, "ClusterIP"]), bad_in=10)

    def container_port(self) -> st.SearchStrategy[Any]:
        @st.composite
        def build(draw: st.DrawFn) -> Any:
            value: dict[str, Any] = {"name": draw(self.port_name()), "containerPort": draw(self.port())}
            value.update(maybe_keys(draw, {"protocol": self.choice(["TCP", "UDP"], ["tcp", None])}, one_in=3))
            if self.noisy and chance(draw, 10):
                del value[draw(st.sampled_from(["name", "containerPort"]))]
            return value

        return self.with_extra_key(build())

    def service_account(self) -> st.SearchStrategy[Any]:
        @st.composite
        def build(draw: st.DrawFn) -> Any:
            return maybe_keys(draw, {
                "create": self.boolean(),
                "automount": self.boolean(),
                "name": self.nullable(self.choice(["", "web", "default"], [1, True]), null_in=5),
                "annotations": self.free_map(self.annotation()),
            })

        return self.mostly(self.with_extra_key(build()), st.sampled_from([None, True]), bad_in=10)

    def global_values(self) -> st.SearchStrategy[Any]:
        return self.mostly(st.sampled_from([{}, {"imageRegistry": "r"}]), st.sampled_from([None, "x", 1, []]))

    def top_level(self) -> dict[str, st.SearchStrategy[Any]]:
        """Every top-level key but deploymentType, with the strategy of its value."""
        return {
            "replicaCount": self.replica_count(),
            "cluster": self.cluster(),
            "autoscaling": self.autoscaling(),
            "persistence": self.persistence(),
            "updateStrategy": self.update_strategy(),
            "podDisruptionBudget": self.pod_disruption_budget(),
            "image": self.image(),
            "service": self.service(),
            "serviceAccount": self.service_account(),
            "containerPorts": self.nullable(self.mostly(st.lists(self.container_port(), max_size=3), st.sampled_from([8080, {"http": 8080}, ["http"]]))),
            "nameOverride": self.name_override(),
            "fullnameOverride": self.name_override(),
            "componentLabel": self.nullable(self.choice(["", "db", "a" * 63], ["a" * 64, 1])),
            "clusterDomain": self.nullable(self.choice(["cluster.local", "example.org", "a"], ["Cluster.Local", "", "cluster.local.", "-a", 1])),
            "spreadAcrossNodes": self.boolean(),
            "terminationGracePeriodSeconds": self.nullable(self.choice([0, 30, 600, 30.0], [-1, "30", 30.5, True, Plain("1e3")])),
            "priorityClassName": self.nullable(self.choice(["", "high"], [1, True])),
            "command": self.string_list(),
            "args": self.string_list(),
            "env": self.object_list(named=True),
            "imagePullSecrets": self.object_list(named=True),
            "envFrom": self.object_list(named=False),
            "tolerations": self.object_list(named=False),
            "extraVolumes": self.object_list(named=False),
            "extraVolumeMounts": self.object_list(named=False),
            "initContainers": self.object_list(named=False),
            "topologySpreadConstraints": self.object_list(named=False),
            "podAnnotations": self.free_map(self.annotation()),
            "podLabels": self.free_map(self.annotation()),
            "nodeSelector": self.free_map(self.annotation()),
            "resources": self.opaque_object(),
            "affinity": self.opaque_object(),
            "securityContext": self.opaque_object(),
            "podSecurityContext": self.opaque_object(),
            "livenessProbe": self.opaque_object(),
            "readinessProbe": self.opaque_object(),
            "startupProbe": self.opaque_object(),
            "global": self.global_values(),
            "enabled": self.mostly(st.sampled_from([True, False, None]), st.sampled_from(["true", 1, Plain("yes")])),
        }

    def document(self) -> st.SearchStrategy[dict[Any, Any]]:
        sections = self.top_level()

        @st.composite
        def build(draw: st.DrawFn) -> dict[Any, Any]:
            document: dict[Any, Any] = {}
            if not chance(draw, 10):
                document["deploymentType"] = draw(self.deployment_type())
            for key, strategy in sections.items():
                if chance(draw, 3 if key in FREQUENT else 14):
                    document[key] = draw(strategy)
            if document.get("deploymentType") in DEPLOYMENT_TYPES and not chance(draw, 3):
                # Mostly a count the type allows, so that the other rules get their turn.
                single = str(document["deploymentType"]).endswith("-single")
                document["replicaCount"] = 1 if single else draw(st.sampled_from([1, 2, 3, 5]))
            if self.noisy and chance(draw, 8):
                document[draw(unknown_keys())] = draw(st.one_of(st.none(), scalar_noise()))
            if self.noisy and chance(draw, 8):
                # A null removes the chart's default, required key or not.
                document[draw(st.sampled_from(["deploymentType", *sections]))] = None
            return document

        return build()


# The sections most edges are about; the others are drawn less often.
FREQUENT = ("replicaCount", "cluster", "autoscaling", "persistence", "updateStrategy", "podDisruptionBudget", "image")
QUIET = Edges(noisy=False)
NOISY = Edges(noisy=True)


# --- the --set family -------------------------------------------------------------------------------

# Per key: text for --set and --set-string, and JSON for --set-json.
SET_TARGETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "replicaCount": (("1", "3", "2", "0", "-1", "1.0", "3.0", "3.5", "0123", "03", "+3", "three", "null", "true"), ("1", "3", "3.0", "1e3", '"3"', "2", "null", "[3]")),
    "deploymentType": (("stateful-multi", "stateless-multi", "stateful-single", "stateless-single", "Stateful", "null", "1"), ('"stateful-multi"', '"stateless-multi"', "null", "1")),
    "cluster.enabled": (("true", "false", "True", "yes", "1", "null"), ("true", "false", '"true"', "null")),
    "cluster.peerPort": (("2380", "0", "65536", "null", "2380.0"), ("2380", "2380.5", '"2380"', "null")),
    "cluster": (("null", "true", "{}"), ("null", "{}", '{"enabled":true}', '{"enabled":true,"peerPort":2380}')),
    "autoscaling.enabled": (("true", "false", "on"), ("true", "false")),
    "autoscaling.maxReplicas": (("1", "2", "10", "0"), ("1", "10", "1e1")),
    "autoscaling.minReplicas": (("1", "2", "20"), ("2",)),
    "persistence.enabled": (("true", "false", "TRUE", "yes"), ("true", "false")),
    "persistence.accessMode": (("ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "RWO"), ('"ReadWriteMany"', '"ReadWriteOnce"')),
    "persistence.size": (("10Gi", "10GB", "10", "1.5Gi"), ('"10Gi"', "10")),
    "persistence.existingClaim": (("", "claim", "null"), ('"claim"', "null")),
    "updateStrategy.type": (("RollingUpdate", "Recreate", "OnDelete"), ('"Recreate"', '"OnDelete"')),
    "updateStrategy": (("null", "{}"), ("null", "{}", '{"type":"Recreate"}')),
    "image.tag": (("1.0", "2", "1.27", "v1", "true", "null", "", "0123", "1e3"), ('"1.0"', "1.0", "2", "null", "true")),
    "image.repository": (("nginx", "", "null"), ('"nginx"', "null")),
    "image.pullPolicy": (("Always", "always", "null"), ('"Never"',)),
    "image.digest": ((DIGEST, "sha256:abc", ""), (f'"{DIGEST}"',)),
    "image": (("null",), ("null", "{}", '{"repository":"nginx"}')),
    "spreadAcrossNodes": (("true", "false", "yes", "1", "null"), ("true", '"true"', "0")),
    "podDisruptionBudget.minAvailable": (("1", "50%", "0", "null", "-1"), ("1", '"50%"', "null", "1.5")),
    "podDisruptionBudget.maxUnavailable": (("1", "50%", "null"), ("1", "null")),
    "terminationGracePeriodSeconds": (("30", "0", "-1", "null", "30.5"), ("30", "30.0", "null")),
    "nameOverride": (("web", "Web", "", "null"), ('"web"', "1")),
    "fullnameOverride": (("a" * 52, "a" * 53, "a" * 64, "x"), (f'"{"a" * 53}"',)),
    "command": (("{}", "{run,--x}", "{1,2}", "null", "run"), ("[]", '["run"]', "[1]", "null", "[null]")),
    "command[0]": (("run", "1", "true", "null"), ('"run"', "1", "null")),
    "command[2]": (("run",), ('"run"',)),
    "args[1]": (("x", "2"), ('"x"',)),
    "env": (("{}", "null"), ("[]", '[{"name":"A","value":"1"}]', '[{"value":"1"}]', '["A=1"]')),
    "env[0].name": (("A", "1", ""), ('"A"', "1")),
    "env[1].value": (("x",), ('"x"',)),
    "imagePullSecrets[0].name": (("regcred", ""), ('"regcred"',)),
    "containerPorts[0].containerPort": (("8080", "0", "65536", "8080.0"), ("8080", '"8080"', "8080.0")),
    "containerPorts[1].name": (("metrics", "METRICS"), ('"metrics"',)),
    "containerPorts": (("null", "{}"), ("[]", '[{"name":"http","containerPort":8080}]', '[{"name":"http"}]')),
    "service.ports[0].port": (("80", "0", "80.0"), ("80", '"80"')),
    "service.ports[0].targetPort": (("http", "8080", "0", "HTTP"), ('"http"', "8080")),
    "service.type": (("NodePort", "nodeport"), ('"LoadBalancer"',)),
    "service.foo": (("1", "null"), ("null", "1")),
    "service": (("null",), ("null", "{}")),
    "serviceAccount.create": (("false", "no"), ("false",)),
    "podAnnotations.a": (("x", "1", "true", "null", ""), ('"x"', "1", "null", "true")),
    "podAnnotations.example\\.com/owner": (("team",), ('"team"',)),
    "nodeSelector.kubernetes\\.io/os": (("linux", "1"), ('"linux"',)),
    "resources": (("null", "{}"), ("null", "{}", '{"limits":{"cpu":"1"}}', "[]")),
    "resources.limits.cpu": (("1", "100m"), ('"1"', "1")),
    "persistence": (("null",), ("null", '{"enabled":true}')),
    "replicas": (("3",), ("3",)),
    "global.x": (("1",), ("1",)),
    "enabled": (("true", "null", "yes"), ("true", "null", '"yes"')),
}
# Values for any key: the typing of true, null, numbers and lists differs between the flags.
GENERIC_SET_VALUES = ("true", "false", "TRUE", "null", "Null", "0", "-1", "2", "0123", "1.0", "", "yes", "{}", "{1,2}", "{a,b}", "x\\,y")
GENERIC_JSON_VALUES = ("null", "true", '"x"', "[]", "{}", "[1,null]", '{"a":null}', "1", "1.0", "", "NaN", "01", '"', "[1,")


@st.composite
def set_flags(draw: st.DrawFn, noisy: bool = True) -> tuple[str, str]:
    """Draw one --set, --set-string or --set-json argument, with odd values or syntax now and then when noisy."""
    kind = draw(st.sampled_from(SET_KINDS))
    key = draw(st.sampled_from(list(SET_TARGETS)))
    texts, jsons = SET_TARGETS[key]
    pool = jsons if kind == "--set-json" else texts
    generic = GENERIC_JSON_VALUES if kind == "--set-json" else GENERIC_SET_VALUES
    value = draw(st.sampled_from(generic if noisy and chance(draw, 4) else pool))
    text = f"{key}={value}"

    shape = draw(st.integers(0, 19)) if noisy else 0
    if shape == 19:
        # Two assignments in one argument.
        other = draw(st.sampled_from(list(SET_TARGETS)))
        other_texts, other_jsons = SET_TARGETS[other]
        text += "," + f"{other}={draw(st.sampled_from(other_jsons if kind == '--set-json' else other_texts))}"
    elif shape == 18:
        # Syntax helm may or may not accept.
        text = draw(st.sampled_from([
            f"{key}={value},,replicaCount=1",
            f"{key}={{a,b}}x",
            f"{key}=1,{key}.b=2",
            f".{key}=1",
            key,
            f"{key}=",
            f"{key}[-1]=1",
            f"{key}[0]=1,{key}[0].b=2",
        ]))
    return kind, text


def flag_lists(noisy: bool) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    """No flags half of the time, else one to three."""
    return st.integers(0, 9).flatmap(
        lambda roll: st.just(()) if roll < 5 else st.lists(set_flags(noisy), min_size=1, max_size=3).map(tuple)
    )


# Where a bare scalar goes in a quiet document: the top-level key and its value around the scalar.
PLAIN_SPOTS: dict[str, Any] = {
    "replicaCount": lambda scalar: scalar,
    "spreadAcrossNodes": lambda scalar: scalar,
    "terminationGracePeriodSeconds": lambda scalar: scalar,
    "nameOverride": lambda scalar: scalar,
    "image": lambda scalar: {"tag": scalar},
    "cluster": lambda scalar: {"peerPort": scalar},
    "persistence": lambda scalar: {"size": scalar},
    "serviceAccount": lambda scalar: {"automount": scalar},
    "podDisruptionBudget": lambda scalar: {"minAvailable": scalar},
    "podAnnotations": lambda scalar: {"a": scalar},
    "resources": lambda scalar: {"limits": {"cpu": scalar}},
    "containerPorts": lambda scalar: [{"name": "http", "containerPort": scalar}],
    "env": lambda scalar: [{"name": "A", "value": scalar}],
    "service": lambda scalar: {"ports": [{"name": "http", "port": scalar}]},
}


@st.composite
def one_noisy_part(draw: st.DrawFn) -> dict[Any, Any]:
    """A quiet document with one noisy part, so that no other mistake hides its verdict."""
    document = draw(QUIET.document())
    part = draw(st.integers(0, 2))
    if part == 0:
        key = draw(st.sampled_from(list(PLAIN_SPOTS)))
        document[key] = PLAIN_SPOTS[key](draw(plain()))
    elif part == 1:
        sections = {"deploymentType": NOISY.deployment_type(), **NOISY_SECTIONS}
        key = draw(st.sampled_from(list(sections)))
        document[key] = draw(sections[key])
    else:
        document[draw(unknown_keys())] = draw(st.one_of(st.none(), scalar_noise()))
    return document


NOISY_SECTIONS = NOISY.top_level()


def cases(with_flags: bool = True, noisy: bool = True) -> st.SearchStrategy[Case]:
    """Values cases: quiet documents, noisy ones, and quiet ones with one noisy part.

    Two in five are quiet, one in five noisy throughout and two in five quiet
    but for one part. With `noisy` false, all are quiet. With `with_flags`,
    half of them get --set family flags on top of the file, noisy ones only on
    noisy documents.
    """
    def build(documents: st.SearchStrategy[dict[Any, Any]], noisy_flags: bool) -> st.SearchStrategy[Case]:
        if not with_flags:
            return documents.map(Case)
        return st.builds(Case, documents, flag_lists(noisy_flags))

    quiet = build(QUIET.document(), noisy_flags=False)
    if not noisy:
        return quiet
    one_part = build(one_noisy_part(), noisy_flags=False)
    return st.one_of(quiet, one_part, quiet, one_part, build(NOISY.document(), noisy_flags=True))


def draw_cases(strategy: st.SearchStrategy[Case], count: int, seed: int) -> list[Case]:
    """Draw `count` distinct cases outside a test, the same ones for the same seed."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as use_seed

    found: dict[tuple[str, tuple[tuple[str, str], ...]], Case] = {}
    for attempt in range(100):
        batch: list[Case] = []

        @use_seed(seed * 1000 + attempt)
        @settings(max_examples=count - len(found) + 50, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(strategy)
        def collect(case: Case) -> None:
            batch.append(case)

        collect()
        for case in batch:
            found.setdefault((case.yaml_text(), case.flags), case)
        if len(found) >= count:
            break
    return list(found.values())[:count]


# --- verdicts ------------------------------------------------------------------------------------

# How a helm command or chartgen ended, as far as the schema is concerned.
VALID = "valid"                     # the schema accepted the values (helm: and the chart rendered)
SCHEMA_INVALID = "schema-invalid"   # the schema rejected the values
INPUT_ERROR = "input-error"         # the file or a flag could not be read, so there is no schema verdict
TEMPLATE_FAIL = "template-fail"     # helm only: the schema passed, then the chart's own `fail` stopped rendering
RENDER_ERROR = "render-error"       # helm only: the schema passed, then rendering failed otherwise
UNCLASSIFIED = "unclassified"       # helm failed in a way this module does not recognise
CRASH = "crash"                     # chartgen only: an exception that is not a user error

ACCEPTED = (VALID, TEMPLATE_FAIL, RENDER_ERROR)
SCHEMA_FAILURE = "values don't meet the specifications of the schema"
INPUT_FAILURES = ("failed to parse", "failed parsing --set", "failed parsing --set-json", "failed parsing --set-string")
RENDER_FAILURES = ("template: ", "error calling ", "YAML parse error", "error converting YAML to JSON")


@dataclass(frozen=True)
class Verdict:
    kind: str
    detail: str

    @property
    def accepted(self) -> bool:
        return self.kind in ACCEPTED


def helm_command(helm: str, chart: Path, values_file: Path, case: Case) -> list[str]:
    return [helm, "template", "r", str(chart), "-f", str(values_file), *case.flag_args()]


# NOTE: the texts below are those of Helm 3.17.2 and 4.3.1. Another version may
# word its errors otherwise, and its failures then show up as UNCLASSIFIED.


def classify_helm(returncode: int, stderr: str) -> Verdict:
    if returncode == 0:
        return Verdict(VALID, "")
    message = stderr.strip()
    if SCHEMA_FAILURE in message:
        return Verdict(SCHEMA_INVALID, message)
    if "execution error at" in message:
        return Verdict(TEMPLATE_FAIL, message)
    if any(text in message for text in INPUT_FAILURES):
        return Verdict(INPUT_ERROR, message)
    if any(text in message for text in RENDER_FAILURES):
        return Verdict(RENDER_ERROR, message)
    return Verdict(UNCLASSIFIED, message)


def classify_lint(returncode: int, output: str) -> Verdict:
    """Return helm lint's verdict. Lint logs a template's `fail` as INFO and exits 0, so only schema and input errors fail it."""
    message = output.strip()
    if returncode == 0:
        return Verdict(VALID, "")
    if SCHEMA_FAILURE in message or "[ERROR] values.yaml:" in message:
        return Verdict(SCHEMA_INVALID, message)
    if any(text in message for text in INPUT_FAILURES):
        return Verdict(INPUT_ERROR, message)
    if "[ERROR] templates/" in message:
        return Verdict(RENDER_ERROR, message)
    return Verdict(UNCLASSIFIED, message)


def start_helm(helm: str, chart: Path, values_file: Path, case: Case) -> subprocess.Popen[str]:
    return subprocess.Popen(helm_command(helm, chart, values_file, case), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish_helm(process: subprocess.Popen[str]) -> Verdict:
    _, stderr = process.communicate()
    return classify_helm(process.returncode, stderr)


def chartgen_verdict(chart: Path, values_file: Path, case: Case) -> Verdict:
    """Run chartgen's schema layer in-process, as `chartgen validate CHART FILE --layer schema` runs it."""
    from chartgen.errors import ChartgenError
    from chartgen.findings import Layer
    from chartgen.validate import ValidateRequest, validate

    request = ValidateRequest(chart=chart, batch_files=[values_file], set_flags=list(case.flags), layers=(Layer.SCHEMA,))
    # The CLI prints warnings (ruamel.yaml warns about some floats) and goes on.
    # pytest would turn them into errors, so they are recorded instead.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            report = validate(request)
        except ChartgenError as error:
            return Verdict(INPUT_ERROR, f"exit {error.exit_code}: {error.message}")
        except Exception as error:  # noqa: BLE001 - an unexpected exception is itself the finding
            return Verdict(CRASH, crash_summary(error))
    notes = [f"warning: {str(warning.message).strip().splitlines()[0]}" for warning in caught]
    unreadable = [finding for result in report.cases for finding in result.findings if finding.layer == Layer.INPUT]
    if unreadable:
        return Verdict(INPUT_ERROR, "\n".join(finding.message for finding in unreadable))
    findings = [finding for result in report.cases for finding in result.findings if finding.layer == Layer.SCHEMA]
    lines = [f"{finding.path or '(root)'}: {finding.message}" for finding in findings]
    return Verdict(SCHEMA_INVALID if findings else VALID, "\n".join(lines + notes))


def crash_summary(error: BaseException) -> str:
    """Return the exception with the last chartgen frames it passed through."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if "chartgen" in Path(frame.filename).parts]
    return "".join(traceback.format_list(frames[-3:])) + f"{type(error).__name__}: {error}"


def chartgen_cli_command(chartgen: str, chart: Path, values_files: Sequence[Path], flags: Sequence[str] = ()) -> list[str]:
    return [chartgen, "validate", str(chart), *map(str, values_files), *flags, "--layer", "schema", "--output", "json"]


def chartgen_cli_verdicts(returncode: int, stdout: str, stderr: str, count: int) -> list[Verdict]:
    """Turn one `chartgen validate ... --output json` run into a verdict per case file."""
    try:
        cases_json = json.loads(stdout)["cases"]
    except (ValueError, KeyError, TypeError):
        if returncode == 2:
            errors = [line for line in stderr.splitlines() if line.startswith("Error")]
            return [Verdict(INPUT_ERROR, "\n".join(errors) or stderr.strip()[-2000:])] * count
        return [Verdict(CRASH, f"exit {returncode}\n{stderr.strip()[-2000:]}")] * count
    verdicts = []
    for entry in cases_json:
        unreadable = [finding["message"] for finding in entry["findings"] if finding["layer"] == "input"]
        if unreadable:
            verdicts.append(Verdict(INPUT_ERROR, "\n".join(unreadable)))
            continue
        findings = [finding for finding in entry["findings"] if finding["layer"] == "schema"]
        detail = "\n".join(f"{finding['path'] or '(root)'}: {finding['message']}" for finding in findings)
        verdicts.append(Verdict(SCHEMA_INVALID if findings else VALID, detail))
    return verdicts


@dataclass(frozen=True)
class Comparison:
    case: Case
    chart: Path
    chartgen: Verdict
    helm: dict[str, Verdict]

    @property
    def agrees(self) -> bool:
        if self.chartgen.kind in (CRASH, UNCLASSIFIED):
            return False
        return all(verdict.kind != UNCLASSIFIED and verdict.accepted == self.chartgen.accepted for verdict in self.helm.values())

    @property
    def same_stage(self) -> bool:
        """Tell whether all that reject the case do so at the same stage: reading the input, or the schema."""
        rejected = [verdict.kind for verdict in self.helm.values() if not verdict.accepted]
        return self.chartgen.accepted or all(kind == self.chartgen.kind for kind in rejected)

    def signature(self) -> str:
        """Return a short name for the kind of outcome, to group disagreements by."""
        helms = ", ".join(f"helm {version} {verdict.kind}" for version, verdict in self.helm.items())
        return f"chartgen {self.chartgen.kind}; {helms}"

    def explain(self) -> str:
        lines = [f"chart: {self.chart}", self.case.describe(), f"chartgen: {self.chartgen.kind}", indent(self.chartgen.detail or "(no findings)")]
        for version, verdict in self.helm.items():
            lines += [f"helm {version}: {verdict.kind}", indent(verdict.detail or "(rendered)")]
        return "\n".join(lines)


def compare(case: Case, chart: Path, helms: dict[str, str], workdir: Path) -> Comparison:
    """Write the case's file, run every helm on it (at the same time) and chartgen in-process, and compare."""
    values_file = workdir / "values.yaml"
    values_file.write_text(case.yaml_text(), encoding="utf-8")
    running = {version: start_helm(path, chart, values_file, case) for version, path in helms.items()}
    mine = chartgen_verdict(chart, values_file, case)
    return Comparison(case, chart, mine, {version: finish_helm(process) for version, process in running.items()})
