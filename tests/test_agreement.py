"""chartgen's schema layer and helm must agree on every values case: valid for one is valid for the other.

Each example is a values file plus --set, --set-string and --set-json flags
from tests/valuesgen.py. helm's verdict comes from `helm template` on every
helm under test, both pinned releases by default. chartgen's comes from its
validation engine with the schema layer only, run in-process as
`chartgen validate CHART FILE --layer schema` runs it.

A case is accepted when helm renders it, or when only the chart's own `fail`
or other rendering stops it after the schema has passed. It is rejected when
the schema rejects it, or when the file or a flag cannot be read at all
(chartgen: exit status 2). chartgen and helm disagree when one accepts what the
other rejects, when chartgen raises an exception, or when helm fails in a way
tests/valuesgen.py does not classify.

The run is derandomized and bounded, so CI checks the same examples every
time. bench/agreement.py runs thousands, and AGREEMENT_EXAMPLES changes the
number here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

import valuesgen
from conftest import BASE_CHART, HELMS
from valuesgen import Case, Plain

MAX_EXAMPLES = int(os.environ.get("AGREEMENT_EXAMPLES", "150"))
HELM_PATHS = {helm.version: helm.path for helm in HELMS}
# The base chart, and a generated chart whose defaults are a cluster of 3.
GENERATED = "stateful-cluster"


@pytest.fixture(scope="module")
def charts(generated_charts: dict[str, Path]) -> tuple[Path, Path]:
    return BASE_CHART, generated_charts[GENERATED]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("agreement")


# Cases found by hand where the two YAML readers or --set parsers could differ.
# The generator produces such cases too, but these are checked on every run.
@example(case=Case({"deploymentType": "stateless-multi", "replicaCount": 3}), chart_index=0)
@example(case=Case({"spreadAcrossNodes": Plain("yes")}), chart_index=0)
@example(case=Case({"image": {"tag": "on"}}), chart_index=0)
@example(case=Case({"containerPorts": [{"name": "http", "containerPort": Plain("0177777")}]}), chart_index=0)
@example(case=Case({"containerPorts": [{"name": "http", "containerPort": Plain("0o17")}]}), chart_index=0)
@example(case=Case({"deploymentType": "stateless-multi", "replicaCount": Plain("09")}), chart_index=0)
@example(case=Case({"image": {"tag": Plain("1:20")}}), chart_index=0)
@example(case=Case({"image": {"tag": Plain("1e400")}}), chart_index=0)
@example(case=Case({"image": {"tag": Plain("=")}}), chart_index=0)
@example(case=Case({"podAnnotations": {"a": Plain("2001-12-14")}}), chart_index=0)
@example(case=Case({"resources": {"cpu": float("inf")}}), chart_index=0)
@example(case=Case({1: "x"}), chart_index=0)
@example(case=Case({}, (("--set", "env={}"),)), chart_index=0)
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # Shrinking gives a small reproducer. The explain phase reruns helm many more
    # times (a failing run took 113 s with it and 15 s without).
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)
@given(case=valuesgen.cases(), chart_index=st.integers(0, 1))
def test_chartgen_agrees_with_helm(case: Case, chart_index: int, charts: tuple[Path, Path], workdir: Path) -> None:
    comparison = valuesgen.compare(case, charts[chart_index], HELM_PATHS, workdir)
    assert comparison.agrees, f"chartgen and helm disagree ({comparison.signature()}):\n{comparison.explain()}"
