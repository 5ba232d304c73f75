"""The helm plugin in helm-plugin/, installed into an isolated helm home and run through each helm under test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import chartgen

from chartgen.yamlio import load_yaml_file
from conftest import REPO_ROOT, Helm

PLUGIN_DIR = REPO_ROOT / "helm-plugin"
LAUNCHER = PLUGIN_DIR / "chartgen.sh"
NOT_FOUND = 127

# A stand-in for chartgen on PATH: prints each argument between brackets, HELM_BIN, and exits with $FAKE_EXIT.
FAKE_CHARTGEN = """#!/bin/sh
for arg do
    printf '[%s]\\n' "$arg"
done
printf 'HELM_BIN=%s\\n' "${HELM_BIN:-}"
exit "${FAKE_EXIT:-0}"
"""


@dataclass
class PluginHelm:
    """A helm binary with its own data, config and cache folders, into which the plugin was installed."""

    helm: Helm
    env: dict[str, str]
    home: Path

    def run(self, *args: str, cwd: Path | None = None, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.helm.path, *args],
            capture_output=True,
            text=True,
            env={**self.env, **extra_env},
            cwd=cwd or self.home,
            check=False,
        )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def install_plugin(helm: Helm, home: Path, plugin_dir: Path) -> PluginHelm:
    """Install plugin_dir into a helm home under home. HELM_PLUGINS is left unset because Helm 4 ignores it on install."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HELM_") and name not in ("CHARTGEN_PYTHON", "KUBECONFIG")}
    env.update(
        HELM_DATA_HOME=str(home / "data"),
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_CACHE_HOME=str(home / "cache"),
        # No kubeconfig, so helm's namespace is "default" whatever the machine has in ~/.kube.
        KUBECONFIG=str(home / "no-kubeconfig"),
    )
    plugin_helm = PluginHelm(helm, env, home)
    result = plugin_helm.run("plugin", "install", str(plugin_dir))
    assert result.returncode == 0, describe(result)
    return plugin_helm


@pytest.fixture
def plugin_helm(helm: Helm, tmp_path: Path) -> PluginHelm:
    """The helm under test with the repository's plugin folder installed."""
    return install_plugin(helm, tmp_path, PLUGIN_DIR)


@pytest.fixture
def detached_plugin_helm(helm: Helm, tmp_path: Path) -> PluginHelm:
    """The helm under test with a copy of the plugin folder that lives outside any chartgen checkout, so it has no .venv."""
    copy = tmp_path / "elsewhere" / "helm-plugin"
    shutil.copytree(PLUGIN_DIR, copy)
    return install_plugin(helm, tmp_path, copy)


def project_version() -> str:
    """Return chartgen's version, which pyproject.toml reads from chartgen/__init__.py."""
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'path = "chartgen/__init__.py"' in pyproject
    return chartgen.__version__


def listed_plugins(plugin_helm: PluginHelm) -> dict[str, str]:
    """Map each plugin name in `helm plugin list` to its version.

    Helm 3 prints NAME, VERSION, DESCRIPTION; Helm 4 adds TYPE, APIVERSION, PROVENANCE and SOURCE.
    Both separate columns with a tab, and Helm 3 wraps a long description onto lines with an empty name.
    """
    result = plugin_helm.run("plugin", "list")
    assert result.returncode == 0, describe(result)
    lines = result.stdout.splitlines()
    header = [column.strip() for column in lines[0].split("\t")]
    assert header[:2] == ["NAME", "VERSION"], result.stdout
    plugins = {}
    for line in lines[1:]:
        name, version = (cell.strip() for cell in line.split("\t")[:2])
        if name:
            plugins[name] = version
    return plugins


def test_plugin_version_matches_pyproject() -> None:
    assert load_yaml_file(PLUGIN_DIR / "plugin.yaml")["version"] == project_version()


def test_manifest_fits_both_helm_majors() -> None:
    manifest = load_yaml_file(PLUGIN_DIR / "plugin.yaml")
    assert manifest["name"] == "chartgen"
    # An apiVersion switches Helm 4 to the new format that Helm 3 cannot read, and Helm 4 rejects both commands together.
    assert "apiVersion" not in manifest
    assert "platformCommand" not in manifest
    assert manifest["command"] == "$HELM_PLUGIN_DIR/chartgen.sh"
    assert os.access(LAUNCHER, os.X_OK), f"{LAUNCHER} must be executable: chmod +x it and commit the mode"


def test_install_lists_and_links_plugin(plugin_helm: PluginHelm) -> None:
    assert listed_plugins(plugin_helm) == {"chartgen": project_version()}
    # Helm 3.17 and 4.3 install a local folder as a symlink under $HELM_DATA_HOME/plugins.
    # The launcher resolves it to find the checkout's .venv.
    installed = plugin_helm.home / "data" / "plugins" / PLUGIN_DIR.name
    assert installed.resolve() == PLUGIN_DIR


def test_new_and_validate_through_helm(plugin_helm: PluginHelm, tmp_path: Path) -> None:
    result = plugin_helm.run("chartgen", "--help")
    assert result.returncode == 0, describe(result)
    assert "new" in result.stdout
    assert "validate" in result.stdout

    # The output folder name has a space: each argument must reach chartgen whole.
    work = tmp_path / "work"
    work.mkdir()
    result = plugin_helm.run("chartgen", "new", "web", "--type", "stateless-multi", "--image", "nginx:1.27", "-o", "charts dir", cwd=work)
    assert result.returncode == 0, describe(result)
    chart = work / "charts dir" / "web"
    assert (chart / "Chart.yaml").is_file()
    assert (chart / "values.schema.json").is_file()

    # A relative chart path resolves against the folder helm was started in.
    result = plugin_helm.run("chartgen", "validate", "charts dir/web", cwd=work)
    assert result.returncode == 0, describe(result)

    bad_values = work / "bad values.yaml"
    bad_values.write_text('replicaCount: "three"\n')
    result = plugin_helm.run("chartgen", "validate", "charts dir/web", "bad values.yaml", cwd=work)
    assert result.returncode == 1, describe(result)
    assert "replicaCount" in result.stdout

    result = plugin_helm.run("chartgen", "validate", "charts dir/web", "--no-such-option", cwd=work)
    assert result.returncode == 2, describe(result)
    assert "--no-such-option" in result.stderr


def test_debug_names_helm_and_python(plugin_helm: PluginHelm) -> None:
    result = plugin_helm.run("--debug", "chartgen", "--version")
    assert result.returncode == 0, describe(result)
    assert f"chartgen renders with HELM_BIN={plugin_helm.helm.path}" in result.stderr
    assert f"running chartgen with {REPO_ROOT / '.venv' / 'bin' / 'python'}" in result.stderr


def put_on_path(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(text)
    program.chmod(0o755)


def test_arguments_and_status_pass_through(detached_plugin_helm: PluginHelm, tmp_path: Path) -> None:
    """Without a checkout .venv the launcher runs chartgen from PATH; a stand-in there shows what it receives."""
    bin_dir = tmp_path / "bin"
    put_on_path(bin_dir, "chartgen", FAKE_CHARTGEN)
    # helm started by name, as users start it, so helm sets HELM_BIN to "helm".
    (bin_dir / "helm").symlink_to(detached_plugin_helm.helm.path)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    # No empty argument: Helm 3.17.2 and 4.3.1 drop an empty argument together with the one after it,
    # before the plugin runs.
    tricky = ["new", "a b", "it's", 'say "hi"', "$HOME", "*", "--", "-x"]

    result = subprocess.run(["helm", "chartgen", *tricky], capture_output=True, text=True, env={**detached_plugin_helm.env, **env}, cwd=tmp_path, check=False)
    assert result.returncode == 0, describe(result)
    assert result.stdout.splitlines() == [f"[{arg}]" for arg in tricky] + [f"HELM_BIN={bin_dir / 'helm'}"]

    # The launcher alone keeps an empty argument, also while it inserts --namespace for validate.
    copy = detached_plugin_helm.home / "elsewhere" / "helm-plugin" / "chartgen.sh"
    result = subprocess.run([str(copy), "validate", "", "a b"], capture_output=True, text=True, env={**env, "HELM_NAMESPACE": "prod"}, check=False)
    assert result.stdout.splitlines()[:5] == ["[validate]", "[--namespace]", "[prod]", "[]", "[a b]"], describe(result)

    for status in ("1", "2"):
        result = detached_plugin_helm.run("chartgen", "validate", "chart", FAKE_EXIT=status, **env)
        assert result.returncode == int(status), describe(result)


def test_namespace_flag_reaches_validate(detached_plugin_helm: PluginHelm, tmp_path: Path) -> None:
    """helm keeps -n for itself, so the launcher hands HELM_NAMESPACE to `chartgen validate` and to nothing else."""
    bin_dir = tmp_path / "bin"
    put_on_path(bin_dir, "chartgen", FAKE_CHARTGEN)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    result = detached_plugin_helm.run("chartgen", "-v", "validate", "chart", "-n", "prod", **env)
    assert result.returncode == 0, describe(result)
    assert result.stdout.splitlines()[:5] == ["[-v]", "[validate]", "[--namespace]", "[prod]", "[chart]"]

    result = detached_plugin_helm.run("chartgen", "validate", "chart", **env)
    assert result.stdout.splitlines()[:4] == ["[validate]", "[--namespace]", "[default]", "[chart]"]

    result = detached_plugin_helm.run("chartgen", "new", "web", "-n", "prod", **env)
    assert result.stdout.splitlines()[:2] == ["[new]", "[web]"]


def test_python3_on_path_runs_last(detached_plugin_helm: PluginHelm, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    # A python3 with chartgen, as after `pip install` into the Python that PATH finds first.
    put_on_path(bin_dir, "python3", f'#!/bin/sh\nexec "{REPO_ROOT / ".venv" / "bin" / "python"}" "$@"\n')
    result = detached_plugin_helm.run("--debug", "chartgen", "--version", PATH=str(bin_dir))
    assert result.returncode == 0, describe(result)
    assert result.stdout.strip().startswith("chartgen, version")
    assert f"running chartgen with {bin_dir / 'python3'}" in result.stderr


def test_chartgen_python_comes_first(detached_plugin_helm: PluginHelm, tmp_path: Path) -> None:
    venv_python = REPO_ROOT / ".venv" / "bin" / "python"
    # A chartgen on PATH that must not run.
    bin_dir = tmp_path / "bin"
    put_on_path(bin_dir, "chartgen", FAKE_CHARTGEN)
    result = detached_plugin_helm.run("chartgen", "--version", CHARTGEN_PYTHON=str(venv_python), PATH=str(bin_dir))
    assert result.returncode == 0, describe(result)
    assert result.stdout.strip().startswith("chartgen, version")


def test_missing_chartgen_names_the_fix(detached_plugin_helm: PluginHelm, tmp_path: Path) -> None:
    # An empty PATH hides every chartgen and python3; the detached copy has no .venv beside it.
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = detached_plugin_helm.run("chartgen", "validate", "chart", PATH=str(empty))
    assert result.returncode == NOT_FOUND, describe(result)
    assert "chartgen is not installed for any Python the plugin looked at" in result.stderr
    assert "make setup" in result.stderr
    assert "pip install" in result.stderr
    assert "CHARTGEN_PYTHON" in result.stderr

    # CHARTGEN_PYTHON set to a real Python without chartgen: named in the message, and the chartgen on PATH does not run.
    bare_venv = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare_venv)], check=True)
    bare_python = bare_venv / "bin" / "python"
    bin_dir = tmp_path / "bin"
    put_on_path(bin_dir, "chartgen", FAKE_CHARTGEN)
    result = detached_plugin_helm.run("chartgen", "--version", CHARTGEN_PYTHON=str(bare_python), PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode == NOT_FOUND, describe(result)
    assert result.stdout == ""
    assert f"CHARTGEN_PYTHON is {bare_python}, which cannot run chartgen" in result.stderr
    assert "No module named 'chartgen'" in result.stderr
