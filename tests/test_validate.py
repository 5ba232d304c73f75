"""chartgen validate from a user's seat: findings in their words, formats, exit codes and batches."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from conftest import BASE_CHART, describe, run_cli
from test_invalid_values import CASE_FILES, read_case


def validate_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("validate", *args, "--output", "json")
    assert result.exit_code in (0, 1), describe(result)
    return result.exit_code, json.loads(result.stdout)


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [finding for case in report["cases"] for finding in case["findings"]]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("case_file", CASE_FILES, ids=lambda file: file.stem)
def test_invalid_case_reported_with_fix(case_file: Path) -> None:
    """Every case helm rejects is reported at the same key path, with a fix."""
    case = read_case(case_file)
    status, report = validate_json(str(BASE_CHART), "-f", str(case_file), *case.args, "--release", "release")

    assert status == 1
    at_path = [finding for finding in findings(report) if finding["path"] == case.expect and finding["severity"] == "error"]
    assert at_path, json.dumps(findings(report), indent=2)
    assert all(finding["fix"] for finding in at_path), json.dumps(at_path, indent=2)


def test_clean_chart_exits_0(generated_charts: dict[str, Path]) -> None:
    result = run_cli("validate", str(generated_charts["stateful-cluster"]), "--fail-on", "error")
    assert result.exit_code == 0, describe(result)
    assert result.stdout.splitlines()[-1].startswith("0 errors")


def test_finding_names_file_and_key(tmp_path: Path) -> None:
    values = write(tmp_path / "prod.yaml", "deploymentType: stateful-multi\nreplicaCount: 4\ncluster:\n  enabled: true\n")
    status, report = validate_json(str(BASE_CHART), "-f", str(values), "--layer", "schema")

    assert status == 1
    [finding] = findings(report)
    assert finding["location"] == f"{values}::replicaCount"
    assert "odd number of members (3, 5 or 7)" in finding["message"]
    assert finding["fix"] == "set replicaCount to 3, 5 or 7"


def test_misspelled_type_suggests_closest(tmp_path: Path) -> None:
    status, report = validate_json(str(BASE_CHART), "--set", "deploymentType=stateful-singel", "--layer", "schema")

    assert status == 1
    [finding] = findings(report)
    assert finding["source"] == "--set"
    assert finding["path"] == "deploymentType"
    assert finding["fix"] == 'did you mean "stateful-single"?'


def test_misspelled_nested_key_suggests_closest(tmp_path: Path) -> None:
    values = write(tmp_path / "values.yaml", "persistence:\n  sise: 10Gi\n")
    _, report = validate_json(str(BASE_CHART), "-f", str(values), "--layer", "schema")

    [finding] = findings(report)
    assert finding["path"] == "persistence.sise"
    assert finding["fix"] == "did you mean `persistence.size`?"


def test_set_string_type_error_explains_flag() -> None:
    _, report = validate_json(str(BASE_CHART), "--set-string", "replicaCount=1", "--layer", "schema")

    [finding] = findings(report)
    assert finding["source"] == "--set-string"
    assert finding["fix"] == "write it as the number 1, without quotes (with --set, not --set-string)"


def test_later_file_wins_and_is_blamed(tmp_path: Path) -> None:
    first = write(tmp_path / "first.yaml", "replicaCount: 1\n")
    second = write(tmp_path / "second.yaml", "replicaCount: 3\n")
    _, report = validate_json(str(BASE_CHART), "-f", str(first), "-f", str(second), "--layer", "schema")

    [finding] = findings(report)
    assert finding["source"] == str(second)


def test_null_removes_default_and_is_reported(tmp_path: Path) -> None:
    _, report = validate_json(str(BASE_CHART), "--set", "deploymentType=null", "--layer", "schema")

    paths = [finding["path"] for finding in findings(report)]
    assert paths == ["deploymentType"]


def test_batch_checks_each_file_alone(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", "replicaCount: 1\n")
    bad = write(tmp_path / "bad.yaml", "replicaCount: 2\n")
    status, report = validate_json(str(BASE_CHART), str(good), str(bad), "--layer", "schema")

    assert status == 1
    by_case = {case["name"]: case["findings"] for case in report["cases"]}
    assert by_case[str(good)] == []
    assert [finding["path"] for finding in by_case[str(bad)]] == ["replicaCount"]


def test_batch_adds_common_values(tmp_path: Path) -> None:
    common = write(tmp_path / "common.yaml", "deploymentType: stateless-multi\n")
    case = write(tmp_path / "case.yaml", "replicaCount: 4\n")
    status, report = validate_json(str(BASE_CHART), str(case), "-f", str(common), "--layer", "schema")

    assert status == 0
    assert findings(report) == []


def test_subchart_values(tmp_path: Path) -> None:
    parent_values = write(tmp_path / "parent.yaml", "global:\n  region: eu\nweb:\n  enabled: true\n  replicaCount: 2\n")
    status, report = validate_json(str(BASE_CHART), "-f", str(parent_values), "--subchart", "web")

    assert status == 1
    [finding] = [finding for finding in findings(report) if finding["layer"] == "schema"]
    assert finding["location"] == f"{parent_values}::web.replicaCount"


def test_subchart_of_parent_chart(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    (parent / "charts").mkdir(parents=True)
    shutil.copytree(BASE_CHART, parent / "charts" / "base")
    (parent / "Chart.yaml").write_text("apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n  - name: base\n    version: 0.1.0\n    alias: kv\n")
    parent_values = write(tmp_path / "parent.yaml", "kv:\n  replicaCount: 2\n")

    status, report = validate_json(str(parent), "-f", str(parent_values), "--subchart", "kv", "--layer", "schema")
    assert status == 1
    [finding] = findings(report)
    assert finding["location"] == f"{parent_values}::kv.replicaCount"

    unknown = run_cli("validate", str(parent), "-f", str(parent_values), "--subchart", "db")
    assert unknown.exit_code == 2
    assert 'no dependency named or aliased "db"' in unknown.stderr


def test_manifest_layer_finds_invalid_object(tmp_path: Path) -> None:
    values = write(tmp_path / "values.yaml", "resources:\n  requests:\n    cpu: [1]\n")
    status, report = validate_json(str(BASE_CHART), "-f", str(values), "--kube-version", "1.29", "--layer", "manifests")

    assert status == 1
    [finding] = findings(report)
    assert finding["layer"] == "manifests"
    assert "Deployment/release-name-base" in finding["message"]
    assert "1.29" in finding["message"]


def test_manifest_layer_reports_template_failure() -> None:
    status, report = validate_json(
        str(BASE_CHART), "--set", "deploymentType=stateful-single", "--release", "a-release-name-that-is-far-too-long-for-a-statefulset",
        "--layer", "manifests",
    )

    assert status == 1
    [finding] = findings(report)
    assert "helm template failed" in finding["message"]
    assert "at most 52 fit" in finding["message"]


def test_junit_output(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", "replicaCount: 1\n")
    bad = write(tmp_path / "bad.yaml", "replicaCount: 2\n")
    result = run_cli("validate", str(BASE_CHART), str(good), str(bad), "--layer", "schema", "--output", "junit")
    assert result.exit_code == 1, describe(result)

    suites = ElementTree.fromstring(result.stdout)
    cases = {case.get("name"): case for case in suites.iter("testcase")}
    assert suites.get("tests") == "2"
    assert suites.get("failures") == "1"
    assert cases[str(good)].find("failure") is None
    assert "replicaCount" in cases[str(bad)].find("failure").text


def test_fail_on_warning(tmp_path: Path) -> None:
    values = write(tmp_path / "values.yaml", "image:\n  tag: latest\n")
    relaxed = run_cli("validate", str(BASE_CHART), "-f", str(values), "--layer", "rules")
    strict = run_cli("validate", str(BASE_CHART), "-f", str(values), "--layer", "rules", "--fail-on", "warning")

    assert relaxed.exit_code == 0, describe(relaxed)
    assert strict.exit_code == 1, describe(strict)


def run_chartgen(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chartgen", *args], capture_output=True, text=True, env=env, check=False)


def test_yaml_syntax_error_exits_2(tmp_path: Path) -> None:
    values = write(tmp_path / "broken.yaml", "image:\n  tag: [1.0\nreplicaCount: 1\n")
    result = run_chartgen("validate", str(BASE_CHART), "-f", str(values))

    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {values}:3:")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["validate", "no-such-chart"], id="missing-chart"),
        pytest.param(["validate", str(BASE_CHART), "-f", "no-such-file.yaml"], id="missing-values"),
        pytest.param(["validate", str(BASE_CHART), "--set", "replicaCount"], id="set-without-value"),
        pytest.param(["validate", str(BASE_CHART), "--subchart", "web"], id="missing-subchart"),
        pytest.param(["validate", str(BASE_CHART / "templates")], id="not-a-chart"),
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run_chartgen(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error:") or "Error:" in result.stderr


def test_color_follows_no_color(tmp_path: Path) -> None:
    values = write(tmp_path / "values.yaml", "replicaCount: 2\n")
    forced = run_chartgen("validate", str(BASE_CHART), "-f", str(values), "--layer", "schema", "--color", "always")
    plain = run_chartgen("validate", str(BASE_CHART), "-f", str(values), "--layer", "schema", env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})

    assert "\x1b[" in forced.stdout
    assert "\x1b[" not in plain.stdout
    assert plain.returncode == 1


def test_unreadable_case_file_reported_with_others(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", "replicaCount: 1\n")
    broken = write(tmp_path / "broken.yaml", "resources:\n  cpu: .inf\n")
    result = run_cli("validate", str(BASE_CHART), str(good), str(broken), "--layer", "schema", "--output", "json")

    assert result.exit_code == 2, describe(result)
    by_case = {case["name"]: case["findings"] for case in json.loads(result.stdout)["cases"]}
    assert by_case[str(good)] == []
    [finding] = by_case[str(broken)]
    assert finding["layer"] == "input"
    assert f"{broken}:2:8" in finding["message"]
