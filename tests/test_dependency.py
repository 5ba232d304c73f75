"""Two generated charts side by side as dependencies of one parent chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chartgen.kube import default_kube_versions, validate_manifests
from chartgen.yamlio import dump_yaml
from conftest import Helm, describe, run_cli

PARENT_VALUES = {
    "global": {"imageRegistry": "registry.example.internal", "storageClass": "standard"},
    "web": {"enabled": True, "replicaCount": 3},
    "db": {"enabled": True, "persistence": {"size": "20Gi"}},
}


@pytest.fixture(scope="module")
def parent_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A parent chart whose charts/ folder contains a stateless-multi "web" and a stateful-single "db"."""
    parent = tmp_path_factory.mktemp("parent") / "shop"
    subcharts = parent / "charts"
    for options in (
        ["web", "--type", "stateless-multi", "--image", "nginxinc/nginx-unprivileged:1.27.3", "--port", "8080"],
        ["db", "--type", "stateful-single", "--image", "mysql:8.4.3", "--port", "mysql:3306", "--storage", "10Gi:/var/lib/mysql"],
    ):
        result = run_cli("new", *options, "-o", str(subcharts))
        assert result.exit_code == 0, describe(result)

    # The db chart's component label differs from web's. If both charts shared
    # define names, one definition would win for both and one label would be wrong.
    helpers = subcharts / "db" / "templates" / "_helpers.tpl"
    original = helpers.read_text()
    changed = original.replace('{{- default (include "db.name" .) .Values.componentLabel', '{{- default "database" .Values.componentLabel')
    assert changed != original
    helpers.write_text(changed)

    (parent / "Chart.yaml").write_text(dump_yaml({
        "apiVersion": "v2",
        "name": "shop",
        "version": "1.0.0",
        "dependencies": [
            {"name": "web", "version": "0.1.0", "condition": "web.enabled"},
            {"name": "db", "version": "0.1.0", "condition": "db.enabled"},
        ],
    }))
    (parent / "values.yaml").write_text(dump_yaml(PARENT_VALUES))
    (parent / "templates").mkdir()
    (parent / "templates" / "NOTES.txt").write_text("The shop is installed.\n")
    return parent


def objects(documents: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(document["kind"], document["metadata"]["name"]): document for document in documents}


def test_both_render_side_by_side(helm: Helm, parent_chart: Path) -> None:
    rendered = objects(helm.template(parent_chart, release="shop"))

    web = rendered[("Deployment", "shop-web")]
    db = rendered[("StatefulSet", "shop-db")]
    assert web["spec"]["replicas"] == 3
    assert db["spec"]["replicas"] == 1
    assert db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert ("Service", "shop-db-headless") in rendered
    assert ("PodDisruptionBudget", "shop-web") in rendered


def test_defines_do_not_clash(helm: Helm, parent_chart: Path) -> None:
    rendered = objects(helm.template(parent_chart, release="shop"))

    assert rendered[("Deployment", "shop-web")]["metadata"]["labels"]["app.kubernetes.io/component"] == "web"
    assert rendered[("StatefulSet", "shop-db")]["metadata"]["labels"]["app.kubernetes.io/component"] == "database"


def test_condition_disables_dependency(helm: Helm, parent_chart: Path) -> None:
    rendered = objects(helm.template(parent_chart, "--set", "db.enabled=false", release="shop"))

    assert ("Deployment", "shop-web") in rendered
    assert not [key for key in rendered if key[1].startswith("shop-db")]


def test_parent_lint_strict(helm: Helm, parent_chart: Path) -> None:
    output = helm.run("lint", "--strict", str(parent_chart))
    assert output.splitlines()[-1].startswith("1 chart(s) linted, 0 chart(s) failed")


def test_subchart_schema_still_applies(helm: Helm, parent_chart: Path) -> None:
    error = helm.error("template", "shop", str(parent_chart), "--set", "db.replicaCount=3")
    assert "db:" in error.splitlines()


def test_parent_output_is_valid_kubernetes(helm: Helm, parent_chart: Path) -> None:
    problems = validate_manifests(helm.template(parent_chart, release="shop"), default_kube_versions())
    assert [str(problem) for problem in problems] == []
