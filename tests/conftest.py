"""Shared fixtures: the helm binaries under test, an isolated helm home and generated charts."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner, Result

from chartgen.cli import cli
from chartgen.errors import HelmError
from chartgen.helm import run_helm
from chartgen.yamlio import load_all_documents

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE_CHART = REPO_ROOT / "charts" / "base"
PINNED_VERSIONS = ("4.3.1", "3.17.2")


@dataclass(frozen=True)
class Helm:
    """One helm binary, run through chartgen's own helm runner."""

    path: str
    version: str

    def run(self, *args: str) -> str:
        return run_helm(list(args), helm=self.path).stdout

    def error(self, *args: str) -> str:
        """Run a command that must fail and return helm's error output."""
        try:
            output = run_helm(list(args), helm=self.path).stdout
        except HelmError as error:
            return error.message
        raise AssertionError(f"helm {self.version} accepted `helm {' '.join(args)}`; output:\n{output[:2000]}")

    def template(self, chart: Path, *args: str, release: str = "demo") -> list[dict[str, Any]]:
        return list(load_all_documents(self.run("template", release, str(chart), *args)))


def helm_version(path: str) -> str:
    output = subprocess.run([path, "version", "--template", "{{.Version}}"], capture_output=True, text=True, check=True).stdout
    return output.strip().lstrip("v")


def discover_helms() -> list[Helm]:
    """Return HELM_BIN alone when it is set, else the pinned releases under .tools/.

    In CI both pinned releases must exist: a missing helm fails the run instead
    of skipping the tests that need it.
    """
    explicit = os.environ.get("HELM_BIN")
    if explicit:
        return [Helm(explicit, helm_version(explicit))]

    helms = []
    for version in PINNED_VERSIONS:
        path = REPO_ROOT / ".tools" / f"helm-{version}" / "helm"
        if path.is_file():
            helms.append(Helm(str(path), version))
        elif os.environ.get("CI"):
            raise pytest.UsageError(f"helm {version} is missing at {path}. Run `make setup` (tools/install_helm.py) first.")
    if not helms:
        raise pytest.UsageError("no helm found. Run `make setup`, or set HELM_BIN to a helm binary.")
    return helms


HELMS = discover_helms()


def pytest_report_header() -> list[str]:
    return [f"helm under test: {', '.join(f'{helm.version} ({helm.path})' for helm in HELMS)}"]


@pytest.fixture(params=HELMS, ids=lambda helm: f"helm{helm.version}")
def helm(request: pytest.FixtureRequest) -> Helm:
    return request.param


@pytest.fixture(scope="session", autouse=True)
def isolated_helm_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep helm away from the user's own configuration, cache and plugins."""
    home = tmp_path_factory.mktemp("helm-home")
    saved = {name: os.environ.get(name) for name in ("HELM_CONFIG_HOME", "HELM_CACHE_HOME", "HELM_DATA_HOME")}
    os.environ["HELM_CONFIG_HOME"] = str(home / "config")
    os.environ["HELM_CACHE_HOME"] = str(home / "cache")
    os.environ["HELM_DATA_HOME"] = str(home / "data")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def run_cli(*args: str) -> Result:
    """Invoke chartgen in-process; exceptions that are not user errors propagate to the test."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def describe(result: Result) -> str:
    return f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


# One chart per deployment type, generated through the CLI once per session.
CHART_OPTIONS: dict[str, list[str]] = {
    "stateful-single": ["--type", "stateful-single", "--image", "mysql:8.4.3", "--port", "mysql:3306", "--storage", "10Gi:/var/lib/mysql"],
    "stateful-multi": ["--type", "stateful-multi", "--image", "redis:7.4.1", "--port", "redis:6379", "--replicas", "2"],
    "stateful-cluster": [
        "--type", "stateful-multi", "--cluster", "--image", "quay.io/coreos/etcd:v3.5.17", "--port", "client:2379",
        "--port", "peer:2380", "--peer-port", "2380", "--storage", "8Gi:/var/lib/etcd",
    ],
    "stateless-single": ["--type", "stateless-single", "--image", "ghcr.io/example/worker:2.1.0"],
    "stateless-multi": ["--type", "stateless-multi", "--image", "nginxinc/nginx-unprivileged:1.27.3", "--port", "8080"],
}


@pytest.fixture(scope="session")
def generated_charts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Map each entry of CHART_OPTIONS to the chart folder chartgen generated for it."""
    output = tmp_path_factory.mktemp("charts")
    charts = {}
    for name, options in CHART_OPTIONS.items():
        result = run_cli("new", name, *options, "-o", str(output))
        assert result.exit_code == 0, describe(result)
        charts[name] = Path(result.stdout.strip())
    return charts


def chart_names_in_defines(chart: Path) -> set[str]:
    """Return the prefixes of every template name a chart defines or includes."""
    text = "\n".join(path.read_text() for path in (chart / "templates").iterdir())
    return set(re.findall(r'(?:define|include|template)\s+"([a-z0-9-]+)\.', text))
