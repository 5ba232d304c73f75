"""chartgen new from a user's seat: good charts, clear one-line errors, and nothing half-written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import chartgen.generate
from chartgen import __version__
from chartgen.yamlio import load_yaml_file
from conftest import describe, run_cli


def run_chartgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run chartgen as a user does, in a separate process."""
    return subprocess.run([sys.executable, "-m", "chartgen", *args], capture_output=True, text=True, cwd=cwd, check=False)


BAD_INPUT = [
    pytest.param(["new", "My_App", "--type", "stateless-multi", "--image", "nginx:1.27"], "My_App", id="name-not-dns-label"),
    pytest.param(["new", "web", "--type", "stateful-singel", "--image", "nginx:1.27"], "stateful-single", id="unknown-type"),
    pytest.param(["new", "web", "--type", "stateless-single", "--image", "nginx:1.27", "--replicas", "3"], "--replicas", id="single-with-replicas"),
    pytest.param(["new", "db", "--type", "stateful-multi", "--cluster", "--replicas", "4", "--image", "etcd:3"], "Use 5", id="even-cluster"),
    pytest.param(["new", "db", "--type", "stateless-multi", "--cluster", "--image", "etcd:3"], "--cluster", id="cluster-on-stateless"),
    pytest.param(["new", "db", "--type", "stateful-single", "--image", "mysql:8.4", "--storage", "10GB:/data"], "10Gi", id="malformed-size"),
    pytest.param(["new", "db", "--type", "stateful-single", "--image", "mysql:8.4", "--storage", "10Gi:data"], "data", id="relative-mount"),
    pytest.param(["new", "web", "--type", "stateless-multi", "--replicas", "2", "--image", "nginx:1.27", "--storage", "1Gi:/data"], "ReadWriteMany", id="shared-rwo"),
    pytest.param(["new", "a" * 53, "--type", "stateful-single", "--image", "mysql:8.4"], "52", id="name-too-long"),
    pytest.param(["new", "web", "--type", "stateless-multi", "--image", "nginx:1.27", "--port", "http:99999"], "99999", id="port-out-of-range"),
    pytest.param(["new", "web", "--type", "stateless-multi"], "--image", id="missing-image"),
    pytest.param(["new", "web", "--type", "stateless-multi", "--image", "nginx:"], "nginx:", id="image-empty-tag"),
    pytest.param(["new", "web", "--type", "stateless-multi", "--image", "app:1 2"], "app:1 2", id="image-with-space"),
    pytest.param(["new", "web", "--type", "stateless-multi", "--image", "Registry/App:1"], "Registry/App:1", id="image-uppercase"),
    pytest.param(["new", "web", "--type", "stateless-multi", "--image", "nginx:1.27", "--port", "80", "--port", "web:80"], "80/TCP", id="duplicate-port"),
    pytest.param(["new", "db", "--type", "stateful-single", "--image", "mysql:8.4", "--storage", "0:/data"], "zero", id="zero-size"),
    pytest.param(["new", "db", "--type", "stateful-single", "--image", "mysql:8.4", "--storage", "1Gi:/"], "below the root", id="root-mount"),
]


@pytest.mark.parametrize(("args", "named"), BAD_INPUT)
def test_bad_input_exits_2(args: list[str], named: str, tmp_path: Path) -> None:
    output = tmp_path / "out"
    result = run_chartgen(*args, "-o", str(output), cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert named in lines[0]
    assert not output.exists()


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder\n")
    result = run_chartgen("new", "web", "--type", "stateless-multi", "--image", "nginx:1.27", "-o", str(blocker / "charts"), cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(blocker) in result.stderr


def test_version_option() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize("command", [[], ["new"]], ids=["group", "new"])
def test_help_option(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.exit_code == 0, describe(result)
    assert "Usage:" in result.stdout


def test_new_writes_complete_chart(tmp_path: Path) -> None:
    result = run_cli("new", "web", "--type", "stateless-multi", "--image", "nginxinc/nginx-unprivileged:1.27.3", "--port", "8080", "-o", str(tmp_path))
    assert result.exit_code == 0, describe(result)

    chart = tmp_path / "web"
    assert Path(result.stdout.strip()) == chart
    for name in ("Chart.yaml", "values.yaml", "values.schema.json", ".helmignore", "README.md", "templates/deployment.yaml", "templates/NOTES.txt"):
        assert (chart / name).is_file(), name
    assert sorted(path.name for path in (chart / "ci").iterdir()) == [
        "autoscaling-values.yaml", "default-values.yaml", "hardened-values.yaml", "shared-storage-values.yaml",
    ]

    metadata = load_yaml_file(chart / "Chart.yaml")
    assert metadata["apiVersion"] == "v2"
    assert metadata["name"] == "web"
    assert metadata["appVersion"] == "1.27.3"
    assert metadata["kubeVersion"] == ">=1.27.0-0"

    assert (chart / "values.yaml").read_text().splitlines()[0] == "# yaml-language-server: $schema=values.schema.json"
    values = load_yaml_file(chart / "values.yaml")
    assert values["deploymentType"] == "stateless-multi"
    assert values["replicaCount"] == 2
    assert values["image"] == {"repository": "nginxinc/nginx-unprivileged", "tag": "", "digest": "", "pullPolicy": "IfNotPresent"}
    assert values["containerPorts"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert values["persistence"]["enabled"] is False


def test_values_keep_every_param_comment(tmp_path: Path) -> None:
    """Replacing lists such as containerPorts must not drop the comment of the key that follows."""
    result = run_cli("new", "etcd", "--type", "stateful-multi", "--cluster", "--image", "quay.io/coreos/etcd:v3.5.17",
                     "--port", "client:2379", "--port", "peer:2380", "-o", str(tmp_path))
    assert result.exit_code == 0, describe(result)

    base = Path(chartgen.generate.base_chart_dir() / "values.yaml").read_text()
    generated = (tmp_path / "etcd" / "values.yaml").read_text()
    base_comments = [line.strip() for line in base.splitlines() if line.lstrip().startswith("#")]
    generated_comments = [line.strip() for line in generated.splitlines() if line.lstrip().startswith("#")]
    assert generated_comments == base_comments


def test_existing_chart_needs_force(tmp_path: Path) -> None:
    args = ["new", "web", "--type", "stateless-single", "--image", "nginx:1.27", "-o", str(tmp_path)]
    assert run_cli(*args).exit_code == 0
    marker = tmp_path / "web" / "local-notes.txt"
    marker.write_text("mine\n")

    refused = run_cli(*args)
    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert marker.exists()

    replaced = run_cli(*args, "--force")
    assert replaced.exit_code == 0, describe(replaced)
    assert not marker.exists()
    assert (tmp_path / "web" / "Chart.yaml").is_file()


def test_failure_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail_half_way(staging: Path, spec: object) -> None:
        (staging / "ci").mkdir()
        raise OSError("disk full")

    monkeypatch.setattr(chartgen.generate, "write_scenarios", fail_half_way)
    with pytest.raises(OSError):
        run_cli("new", "web", "--type", "stateless-single", "--image", "nginx:1.27", "-o", str(tmp_path))

    assert list(tmp_path.iterdir()) == []


def test_failed_force_keeps_old_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["new", "web", "--type", "stateless-single", "--image", "nginx:1.27", "-o", str(tmp_path)]
    assert run_cli(*args).exit_code == 0
    before = (tmp_path / "web" / "values.yaml").read_text()

    def fail_half_way(staging: Path, spec: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(chartgen.generate, "write_scenarios", fail_half_way)
    with pytest.raises(OSError):
        run_cli(*args, "--force")

    assert [path.name for path in tmp_path.iterdir()] == ["web"]
    assert (tmp_path / "web" / "values.yaml").read_text() == before


SPEC = """\
name: cache
type: stateful-multi
image: redis:7.4.1
replicas: 3
ports:
  - name: redis
    port: 6379
storage:
  size: 2Gi
  mountPath: /data
values:
  resources:
    requests:
      cpu: 100m
"""


def test_new_from_spec_file(tmp_path: Path) -> None:
    spec = tmp_path / "cache.yaml"
    spec.write_text(SPEC)
    result = run_cli("new", "--from", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, describe(result)

    values = load_yaml_file(tmp_path / "out" / "cache" / "values.yaml")
    assert values["deploymentType"] == "stateful-multi"
    assert values["replicaCount"] == 3
    assert values["persistence"]["size"] == "2Gi"
    assert values["resources"] == {"requests": {"cpu": "100m"}}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param(SPEC.replace("replicas: 3", "replica: 3"), "replicas", id="misspelled-key"),
        pytest.param(SPEC.replace("stateful-multi", "stateful-mult"), "stateful-multi", id="unknown-type"),
        pytest.param(SPEC.replace("  resources:", "  replicas: 2\n  resources:"), "replicas", id="unknown-values-key"),
        pytest.param(SPEC.replace("image: redis:7.4.1", "image: [redis"), "cache.yaml:4:9:", id="yaml-syntax"),
        pytest.param(SPEC.replace("size: 2Gi", "size: 2GB"), "2Gi", id="malformed-size"),
    ],
)
def test_bad_spec_file_exits_2(text: str, named: str, tmp_path: Path) -> None:
    spec = tmp_path / "cache.yaml"
    spec.write_text(text)
    result = run_chartgen("new", "--from", str(spec), "-o", str(tmp_path / "out"), cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert named in result.stderr
    assert str(spec) in result.stderr
    assert not (tmp_path / "out").exists()


def test_from_with_other_options_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "cache.yaml"
    spec.write_text(SPEC)
    result = run_cli("new", "--from", str(spec), "--type", "stateless-multi")
    assert result.exit_code == 2
    assert "--type" in result.stderr


def test_force_keeps_non_chart_folder(tmp_path: Path) -> None:
    precious = tmp_path / "web"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine\n")

    result = run_cli("new", "web", "--type", "stateless-single", "--image", "nginx:1.27", "-o", str(tmp_path), "--force")

    assert result.exit_code == 2
    assert "not a chart folder" in result.stderr
    assert (precious / "notes.txt").read_text() == "mine\n"


def test_spec_values_cannot_restate_type(tmp_path: Path) -> None:
    spec = tmp_path / "cache.yaml"
    spec.write_text(SPEC.replace("values:\n", "values:\n  deploymentType: stateless-multi\n"))

    result = run_cli("new", "--from", str(spec), "-o", str(tmp_path / "out"))

    assert result.exit_code == 2
    assert "values.deploymentType" in result.stderr
    assert "`type`" in result.stderr


def test_yaml11_words_stay_strings(tmp_path: Path) -> None:
    """helm reads values as YAML 1.1, where a plain yes, on or y is a boolean."""
    spec = tmp_path / "cache.yaml"
    spec.write_text(SPEC.replace("values:\n", 'values:\n  args: ["--appendonly", "yes"]\n  podAnnotations: {mode: "on", short: "y"}\n'))
    result = run_cli("new", "--from", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, describe(result)

    text = (tmp_path / "out" / "cache" / "values.yaml").read_text()
    assert '  - "yes"' in text.splitlines()
    assert '  mode: "on"' in text.splitlines()
    assert '  short: "y"' in text.splitlines()


def test_spec_default_replicas_match_options(tmp_path: Path) -> None:
    spec = tmp_path / "web.yaml"
    spec.write_text("name: web\ntype: stateless-multi\nimage: nginx:1.27\n")
    from_file = run_cli("new", "--from", str(spec), "-o", str(tmp_path / "file"))
    from_options = run_cli("new", "web", "--type", "stateless-multi", "--image", "nginx:1.27", "-o", str(tmp_path / "options"))
    assert from_file.exit_code == 0, describe(from_file)
    assert from_options.exit_code == 0, describe(from_options)

    file_values = load_yaml_file(tmp_path / "file" / "web" / "values.yaml")
    option_values = load_yaml_file(tmp_path / "options" / "web" / "values.yaml")
    assert file_values["replicaCount"] == option_values["replicaCount"] == 2
