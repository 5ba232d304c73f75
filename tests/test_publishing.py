"""chartgen package and chartgen publish against real servers on 127.0.0.1.

OCI: Debian's docker-registry (the CNCF distribution registry), started per test
session with its own storage folder. Classic: the repository folder served by
Python's http.server. Both are read back with helm itself: repo add, search, pull,
show and template. Each helm-dependent test runs on every helm under test.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import Result

from conftest import HELMS, Helm, describe, run_cli
from chartgen.yamlio import load_all_documents, parse_yaml

LOOPBACK = "127.0.0.1"
IMAGE = "nginxinc/nginx-unprivileged:1.27.3"
READY_TIMEOUT = 20.0
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

WEB_SPEC = f"""\
name: web
type: stateless-multi
description: nginx behind one Service
image: {IMAGE}
ports:
  - port: 8080
chart:
  version: 0.1.0
  home: https://web.example.invalid
  sources:
    - https://git.example.invalid/web
  keywords:
    - web
    - nginx
  maintainers:
    - name: Web Team
      email: web@example.invalid
  icon: https://web.example.invalid/icon.svg
  license: Apache-2.0
  changes:
    - kind: added
      description: "First release: nginx behind a Service"
    - kind: security
      description: Runs as a non-root user
"""


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def require_tool(name: str) -> str:
    """Return the tool's path; skip the test without it, except in CI, where a missing tool fails the run."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed. Run `sh tools/install_registry.sh` (make test-setup does) to install it."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def no_proxy_opener() -> urllib.request.OpenerDirector:
    # The servers are on loopback: a proxy from the environment must not see these requests.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- servers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registry:
    port: int

    @property
    def host(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def manifest_digest(self, repository: str, tag: str) -> str:
        """Return the digest the registry stores for repository:tag, read with the distribution API."""
        request = urllib.request.Request(
            f"http://{self.host}/v2/{repository}/manifests/{tag}", method="HEAD", headers={"Accept": OCI_MANIFEST}
        )
        with no_proxy_opener().open(request, timeout=10) as response:
            return response.headers["Docker-Content-Digest"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def registry_config(storage: Path, port: int) -> str:
    return f"""\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: {LOOPBACK}:{port}
  secret: chartgen-tests-only
"""


def wait_until_ready(process: subprocess.Popen[bytes], port: int, log_file: Path) -> bool:
    """Poll GET /v2/ until the registry returns 200. Return False when the process exits first."""
    deadline = time.monotonic() + READY_TIMEOUT
    opener = no_proxy_opener()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with opener.open(f"http://{LOOPBACK}:{port}/v2/", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"docker-registry did not answer on port {port} within {READY_TIMEOUT} s. Its log:\n{log_file.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A distribution registry on 127.0.0.1 with a temporary storage folder, without authentication."""
    binary = require_tool("docker-registry")
    folder = tmp_path_factory.mktemp("registry")
    log_file = folder / "registry.log"

    # The port is picked before the registry binds it, so another process may take it
    # in between. The registry then exits, and the next attempt picks a new port.
    for _ in range(3):
        port = free_port()
        config = folder / "config.yml"
        config.write_text(registry_config(folder / "storage", port))
        with log_file.open("ab") as log:
            process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            ready = wait_until_ready(process, port, log_file)
        except BaseException:
            stop(process)
            raise
        if ready:
            break
        process.wait()
    else:
        raise RuntimeError(f"docker-registry did not start. Its log:\n{log_file.read_text()}")

    yield Registry(port)
    stop(process)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the name http.server uses
        pass


@dataclass(frozen=True)
class RepoServer:
    root: Path
    port: int

    def new_repo(self) -> tuple[Path, str]:
        """Return a fresh repository folder and the URL it is served at."""
        name = f"repo-{uuid.uuid4().hex[:8]}"
        folder = self.root / name
        folder.mkdir()
        return folder, f"http://{LOOPBACK}:{self.port}/{name}"


@pytest.fixture(scope="session")
def repo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RepoServer]:
    """A static HTTP server on 127.0.0.1 that serves one folder of repository folders."""
    root = tmp_path_factory.mktemp("served")
    server = ThreadingHTTPServer((LOOPBACK, 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="chart-repository", daemon=True)
    thread.start()
    yield RepoServer(root, server.server_address[1])
    server.shutdown()
    server.server_close()
    thread.join()


# --- helm homes, charts and keys ------------------------------------------------------------------


@pytest.fixture
def helm_env(helm: Helm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Helm:
    """Give this test its own helm home and registry config, and make chartgen run the helm under test."""
    home = tmp_path / "helm-home"
    monkeypatch.setenv("HELM_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("HELM_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HELM_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HELM_REGISTRY_CONFIG", str(home / "registry.json"))
    monkeypatch.setenv("HELM_BIN", helm.path)
    return helm


@pytest.fixture(scope="session")
def web_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chart chartgen generates from WEB_SPEC, with every piece of repository metadata."""
    folder = tmp_path_factory.mktemp("web-chart")
    spec = folder / "web.yaml"
    spec.write_text(WEB_SPEC)
    result = run_cli("new", "--from", str(spec), "-o", str(folder / "charts"))
    assert result.exit_code == 0, describe(result)
    return Path(result.stdout.strip())


@dataclass(frozen=True)
class SigningKey:
    name: str
    secret_keyring: Path
    public_keyring: Path


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SigningKey]:
    """A throwaway RSA key without passphrase in a temporary GNUPGHOME, exported as the legacy keyring files helm reads."""
    gpg = require_tool("gpg")
    folder = tmp_path_factory.mktemp("gpg")
    gnupg_home = folder / "home"
    gnupg_home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(gnupg_home)}
    batch = [gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    name = "chartgen test signer"

    def run_gpg(*args: str) -> bytes:
        return subprocess.run([*batch, *args], env=env, capture_output=True, check=True, stdin=subprocess.DEVNULL).stdout

    key = SigningKey(name, folder / "secring.gpg", folder / "pubring.gpg")
    try:
        # RSA, because Helm 3.17.2 cannot sign with an ed25519 key ("unsupported feature: public key type: 22").
        run_gpg("--quick-generate-key", f"{name} <signer@example.invalid>", "rsa2048", "sign", "never")
        key.secret_keyring.write_bytes(run_gpg("--export-secret-keys"))
        key.public_keyring.write_bytes(run_gpg("--export"))
        yield key
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True, check=False)


def package(chart: Path, dest: Path, *options: str) -> Path:
    result = run_cli("package", str(chart), "--dest", str(dest), *options)
    assert result.exit_code == 0, describe(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, describe(result)
    return Path(lines[0])


def publish(*args: str) -> Result:
    return run_cli("publish", *args)


def show_chart(helm: Helm, *reference: str) -> dict[str, Any]:
    return parse_yaml(helm.run("show", "chart", *reference), source="helm show chart")


def index_entries(repo: Path) -> dict[str, list[dict[str, Any]]]:
    return parse_yaml((repo / "index.yaml").read_text(), source="index.yaml")["entries"]


def entry_of(repo: Path, version: str) -> dict[str, Any]:
    matches = [entry for entry in index_entries(repo)["web"] if entry["version"] == version]
    assert len(matches) == 1, f"index.yaml lists web {version} {len(matches)} times"
    return matches[0]


def only_file(folder: Path) -> Path:
    files = list(folder.iterdir())
    assert len(files) == 1, files
    return files[0]


# --- Chart.yaml metadata -------------------------------------------------------------------------


def test_chart_yaml_carries_repository_metadata(web_chart: Path, helm: Helm, tmp_path: Path) -> None:
    helm.run("lint", "--strict", str(web_chart))
    archive = tmp_path / "web-0.1.0.tgz"
    helm.run("package", str(web_chart), "--destination", str(tmp_path))
    chart = show_chart(helm, str(archive))

    assert chart["description"] == "nginx behind one Service"
    assert chart["home"] == "https://web.example.invalid"
    assert chart["sources"] == ["https://git.example.invalid/web"]
    assert chart["keywords"] == ["web", "nginx"]
    assert chart["maintainers"] == [{"name": "Web Team", "email": "web@example.invalid"}]
    assert chart["icon"] == "https://web.example.invalid/icon.svg"

    annotations = chart["annotations"]
    assert all(isinstance(value, str) for value in annotations.values()), annotations
    assert annotations["chartgen/deployment-type"] == "stateless-multi"
    assert parse_yaml(annotations["artifacthub.io/images"], source="images") == [{"name": "web", "image": IMAGE}]
    assert annotations["artifacthub.io/license"] == "Apache-2.0"
    assert parse_yaml(annotations["artifacthub.io/changes"], source="changes") == [
        {"kind": "added", "description": "First release: nginx behind a Service"},
        {"kind": "security", "description": "Runs as a non-root user"},
    ]


def test_images_annotation_follows_default_image(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    cases = {"pinned": f"ghcr.io/example/app@{digest}", "untagged": "ghcr.io/example/app"}
    for name, image in cases.items():
        result = run_cli("new", name, "--type", "stateless-single", "--image", image, "-o", str(tmp_path))
        assert result.exit_code == 0, describe(result)

    pinned = parse_yaml((tmp_path / "pinned" / "Chart.yaml").read_text(), source="Chart.yaml")["annotations"]
    untagged = parse_yaml((tmp_path / "untagged" / "Chart.yaml").read_text(), source="Chart.yaml")["annotations"]

    assert parse_yaml(pinned["artifacthub.io/images"], source="images") == [{"name": "pinned", "image": f"ghcr.io/example/app@{digest}"}]
    # Without a tag the chart runs appVersion, which is "latest" here.
    assert parse_yaml(untagged["artifacthub.io/images"], source="images") == [{"name": "untagged", "image": "ghcr.io/example/app:latest"}]
    assert "artifacthub.io/license" not in untagged
    assert "artifacthub.io/changes" not in untagged


def test_spec_rejects_unknown_change_kind(tmp_path: Path) -> None:
    spec = tmp_path / "web.yaml"
    spec.write_text(WEB_SPEC.replace("kind: added", "kind: improved"))
    result = run_cli("new", "--from", str(spec), "-o", str(tmp_path / "charts"))

    assert result.exit_code == 2, describe(result)
    assert "chart.changes.0.kind" in result.stderr
    assert not (tmp_path / "charts").exists()


# --- chartgen package ----------------------------------------------------------------------------


def test_package_overrides_versions(web_chart: Path, helm_env: Helm, tmp_path: Path) -> None:
    dest = tmp_path / "dist"
    archive = package(web_chart, dest, "--version", "1.2.3", "--app-version", "9.9.9")

    assert archive == dest / "web-1.2.3.tgz"
    assert sorted(path.name for path in dest.iterdir()) == ["web-1.2.3.tgz"]
    chart = show_chart(helm_env, str(archive))
    assert chart["version"] == "1.2.3"
    assert chart["appVersion"] == "9.9.9"


def test_package_rejects_overwrite(web_chart: Path, helm_env: Helm, tmp_path: Path) -> None:
    dest = tmp_path / "dist"
    archive = package(web_chart, dest)
    archive.write_bytes(b"an archive published earlier")

    result = run_cli("package", str(web_chart), "--dest", str(dest))
    assert result.exit_code == 2, describe(result)
    assert str(archive) in result.stderr
    assert "--force" in result.stderr
    assert archive.read_bytes() == b"an archive published earlier"
    assert sorted(path.name for path in dest.iterdir()) == ["web-0.1.0.tgz"]

    assert package(web_chart, dest, "--force") == archive
    assert show_chart(helm_env, str(archive))["version"] == "0.1.0"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        pytest.param(["--version", "1.0"], '"1.0"', id="version-not-semver"),
        pytest.param(["--version", "v1.0.0"], '"v1.0.0"', id="version-with-v"),
        pytest.param(["--key", "someone"], "--sign", id="key-without-sign"),
        pytest.param(["--sign"], "--key", id="sign-without-key"),
        pytest.param(["--sign", "--key", "someone", "--keyring", "missing.gpg"], "missing.gpg", id="missing-keyring"),
    ],
)
def test_package_rejects_bad_options(web_chart: Path, tmp_path: Path, options: list[str], named: str) -> None:
    dest = tmp_path / "dist"
    result = run_cli("package", str(web_chart), "--dest", str(dest), *options)

    assert result.exit_code == 2, describe(result)
    assert named in result.stderr
    assert not dest.exists()


def test_package_rejects_folder_without_chart(tmp_path: Path) -> None:
    result = run_cli("package", str(tmp_path), "--dest", str(tmp_path / "dist"))

    assert result.exit_code == 2, describe(result)
    assert "no Chart.yaml" in result.stderr


def test_package_signs_verifiably(web_chart: Path, helm_env: Helm, signing_key: SigningKey, repo_server: RepoServer, tmp_path: Path) -> None:
    dest = tmp_path / "dist"
    archive = package(web_chart, dest, "--sign", "--key", signing_key.name, "--keyring", str(signing_key.secret_keyring))
    provenance = dest / "web-0.1.0.tgz.prov"

    assert provenance.is_file()
    helm_env.run("verify", str(archive), "--keyring", str(signing_key.public_keyring))

    # The signature travels with the archive into the repository, where helm pull --verify checks it.
    repo, url = repo_server.new_repo()
    assert publish(str(archive), "--repo", str(repo), "--url", url).exit_code == 0
    assert (repo / "web-0.1.0.tgz.prov").read_bytes() == provenance.read_bytes()
    helm_env.run("repo", "add", "signed", url)
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    helm_env.run("pull", "signed/web", "--version", "0.1.0", "--verify", "--keyring", str(signing_key.public_keyring), "--destination", str(pulled))
    assert (pulled / "web-0.1.0.tgz").read_bytes() == archive.read_bytes()

    # An unsigned archive that replaces a signed one must not keep the old signature.
    package(web_chart, dest, "--force")
    assert not provenance.exists()
    helm_env.error("verify", str(archive), "--keyring", str(signing_key.public_keyring))


# --- chartgen publish --repo ---------------------------------------------------------------------


def test_classic_repo_serves_published_chart(web_chart: Path, helm_env: Helm, repo_server: RepoServer, tmp_path: Path) -> None:
    archive = package(web_chart, tmp_path / "dist")
    repo, url = repo_server.new_repo()

    result = publish(str(archive), "--repo", str(repo), "--url", url)
    assert result.exit_code == 0, describe(result)
    assert result.stdout.splitlines() == [str(repo / "web-0.1.0.tgz")]
    entry = entry_of(repo, "0.1.0")
    assert entry["digest"] == sha256_hex(archive)
    assert entry["urls"] == [f"{url}/web-0.1.0.tgz"]
    assert parse_yaml(entry["annotations"]["artifacthub.io/images"], source="images") == [{"name": "web", "image": IMAGE}]

    helm_env.run("repo", "add", "local", url)
    found = parse_yaml(helm_env.run("search", "repo", "local/web", "--output", "yaml"), source="helm search")
    assert [(hit["name"], hit["version"], hit["app_version"]) for hit in found] == [("local/web", "0.1.0", "1.27.3")]

    pulled = tmp_path / "pulled"
    pulled.mkdir()
    helm_env.run("pull", "local/web", "--version", "0.1.0", "--destination", str(pulled))
    assert only_file(pulled).read_bytes() == archive.read_bytes()

    documents = list(load_all_documents(helm_env.run("template", "shop", str(only_file(pulled)))))
    deployments = [document for document in documents if document["kind"] == "Deployment"]
    assert len(deployments) == 1
    assert deployments[0]["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGE


def test_classic_second_version_keeps_first_entry(web_chart: Path, helm_env: Helm, repo_server: RepoServer, tmp_path: Path) -> None:
    repo, url = repo_server.new_repo()
    first = package(web_chart, tmp_path / "dist", "--version", "0.1.0")
    assert publish(str(first), "--repo", str(repo), "--url", url).exit_code == 0
    first_entry = entry_of(repo, "0.1.0")
    first_bytes = (repo / "web-0.1.0.tgz").read_bytes()

    second = package(web_chart, tmp_path / "dist", "--version", "0.2.0", "--app-version", "1.28.0")
    result = publish(str(second), "--repo", str(repo), "--url", url)
    assert result.exit_code == 0, describe(result)

    assert sorted(entry["version"] for entry in index_entries(repo)["web"]) == ["0.1.0", "0.2.0"]
    # The whole entry is unchanged: digest, URL and creation time.
    assert entry_of(repo, "0.1.0") == first_entry
    assert (repo / "web-0.1.0.tgz").read_bytes() == first_bytes
    assert entry_of(repo, "0.2.0")["digest"] == sha256_hex(second)
    assert sorted(path.name for path in repo.iterdir()) == ["index.yaml", "web-0.1.0.tgz", "web-0.2.0.tgz"]

    helm_env.run("repo", "add", "local", url)
    found = parse_yaml(helm_env.run("search", "repo", "local/web", "--versions", "--output", "yaml"), source="helm search")
    assert sorted((hit["version"], hit["app_version"]) for hit in found) == [("0.1.0", "1.27.3"), ("0.2.0", "1.28.0")]


def test_classic_republish_rejected_unless_forced(web_chart: Path, helm_env: Helm, repo_server: RepoServer, tmp_path: Path) -> None:
    repo, url = repo_server.new_repo()
    original = package(web_chart, tmp_path / "first")
    assert publish(str(original), "--repo", str(repo), "--url", url).exit_code == 0
    index_before = (repo / "index.yaml").read_bytes()

    rebuilt = package(web_chart, tmp_path / "second", "--app-version", "1.28.0")
    result = publish(str(rebuilt), "--repo", str(repo), "--url", url)
    assert result.exit_code == 2, describe(result)
    assert "web 0.1.0 is already published" in result.stderr
    assert sha256_hex(original) in result.stderr
    assert (repo / "index.yaml").read_bytes() == index_before
    assert (repo / "web-0.1.0.tgz").read_bytes() == original.read_bytes()

    result = publish(str(rebuilt), "--repo", str(repo), "--url", url, "--force")
    assert result.exit_code == 0, describe(result)
    entry = entry_of(repo, "0.1.0")
    assert entry["digest"] == sha256_hex(rebuilt)
    assert entry["appVersion"] == "1.28.0"
    assert (repo / "web-0.1.0.tgz").read_bytes() == rebuilt.read_bytes()


def test_classic_relative_urls_without_url(web_chart: Path, helm_env: Helm, repo_server: RepoServer, tmp_path: Path) -> None:
    repo, url = repo_server.new_repo()
    archive = package(web_chart, tmp_path / "dist")
    assert publish(str(archive), "--repo", str(repo)).exit_code == 0

    assert entry_of(repo, "0.1.0")["urls"] == ["web-0.1.0.tgz"]
    # helm resolves a relative URL against the repository's address.
    helm_env.run("repo", "add", "relative", url)
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    helm_env.run("pull", "relative/web", "--destination", str(pulled))
    assert only_file(pulled).read_bytes() == archive.read_bytes()


# --- chartgen publish --oci ----------------------------------------------------------------------


def oci_path() -> str:
    return f"charts/t{uuid.uuid4().hex[:8]}"


def test_oci_push_then_pull_by_tag_and_digest(web_chart: Path, helm_env: Helm, registry: Registry, tmp_path: Path) -> None:
    archive = package(web_chart, tmp_path / "dist")
    path = oci_path()
    target = f"oci://{registry.host}/{path}"

    result = publish(str(archive), "--oci", target, "--plain-http")
    assert result.exit_code == 0, describe(result)
    [reference] = result.stdout.splitlines()
    by_digest, _, digest = reference.partition("@")
    assert by_digest == f"{target}/web"
    assert digest == registry.manifest_digest(f"{path}/web", "0.1.0")

    by_tag = tmp_path / "by-tag"
    by_tag.mkdir()
    helm_env.run("pull", f"{target}/web", "--version", "0.1.0", "--plain-http", "--destination", str(by_tag))
    assert only_file(by_tag).read_bytes() == archive.read_bytes()

    pinned = tmp_path / "by-digest"
    pinned.mkdir()
    helm_env.run("pull", reference, "--plain-http", "--destination", str(pinned))
    assert only_file(pinned).read_bytes() == archive.read_bytes()

    values = parse_yaml(helm_env.run("show", "values", reference, "--plain-http"), source="helm show values")
    assert values == parse_yaml((web_chart / "values.yaml").read_text(), source="values.yaml")
    chart = show_chart(helm_env, f"{target}/web", "--version", "0.1.0", "--plain-http")
    assert chart["version"] == "0.1.0"
    assert chart["annotations"]["artifacthub.io/license"] == "Apache-2.0"


def test_oci_republish_rejected_unless_forced(web_chart: Path, helm_env: Helm, registry: Registry, tmp_path: Path) -> None:
    path = oci_path()
    target = f"oci://{registry.host}/{path}"
    original = package(web_chart, tmp_path / "first")
    assert publish(str(original), "--oci", target, "--plain-http").exit_code == 0
    original_digest = registry.manifest_digest(f"{path}/web", "0.1.0")

    rebuilt = package(web_chart, tmp_path / "second", "--app-version", "1.28.0")
    result = publish(str(rebuilt), "--oci", target, "--plain-http")
    assert result.exit_code == 2, describe(result)
    assert f"web 0.1.0 is already published at {target}/web:0.1.0" in result.stderr
    assert registry.manifest_digest(f"{path}/web", "0.1.0") == original_digest

    result = publish(str(rebuilt), "--oci", target, "--plain-http", "--force")
    assert result.exit_code == 0, describe(result)
    new_digest = registry.manifest_digest(f"{path}/web", "0.1.0")
    assert new_digest != original_digest
    assert result.stdout.splitlines() == [f"{target}/web@{new_digest}"]
    assert show_chart(helm_env, f"{target}/web", "--version", "0.1.0", "--plain-http")["appVersion"] == "1.28.0"


HELM4 = [helm for helm in HELMS if helm.version.startswith("4.")]


@pytest.mark.skipif(not HELM4, reason="needs Helm 4: Helm 3.17.2 itself falls back to plain HTTP for a registry on 127.0.0.1")
@pytest.mark.parametrize("helm", HELM4, ids=lambda helm: f"helm{helm.version}")
def test_oci_http_registry_suggests_plain_http(web_chart: Path, helm_env: Helm, registry: Registry, tmp_path: Path) -> None:
    archive = package(web_chart, tmp_path / "dist")
    result = publish(str(archive), "--oci", f"oci://{registry.host}/{oci_path()}")

    assert result.exit_code == 1, describe(result)
    assert "Add --plain-http" in result.stderr


# --- chartgen publish: usage errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "named"),
    [
        pytest.param([], "exactly one destination", id="no-destination"),
        pytest.param(["--repo", "repo", "--oci", "oci://127.0.0.1:1/charts"], "exactly one destination", id="two-destinations"),
        pytest.param(["--repo", "repo", "--plain-http"], "--plain-http", id="plain-http-with-repo"),
        pytest.param(["--oci", "oci://127.0.0.1:1/charts", "--url", "http://127.0.0.1:1"], "--url", id="url-with-oci"),
        pytest.param(["--oci", "https://127.0.0.1:1/charts"], '"https://127.0.0.1:1/charts"', id="oci-not-oci"),
        pytest.param(["--oci", "oci://127.0.0.1:1/charts/web:0.1.0"], "tag or digest", id="oci-with-tag"),
        pytest.param(["--repo", "repo", "--url", "ftp://127.0.0.1/charts"], '"ftp://127.0.0.1/charts"', id="url-not-http"),
    ],
)
def test_publish_rejects_bad_options(web_chart: Path, tmp_path: Path, options: list[str], named: str) -> None:
    # Options are checked before helm reads the archive, so any file can take its place.
    archive = tmp_path / "web-0.1.0.tgz"
    archive.write_bytes(b"not read")
    result = run_cli("publish", str(archive), *[str(tmp_path / option) if option == "repo" else option for option in options])

    assert result.exit_code == 2, describe(result)
    assert named in result.stderr
    assert not (tmp_path / "repo").exists()


def test_publish_rejects_chart_folder(web_chart: Path, tmp_path: Path) -> None:
    result = publish(str(web_chart), "--repo", str(tmp_path / "repo"))

    assert result.exit_code == 2, describe(result)
    assert "chartgen package" in result.stderr
    assert not (tmp_path / "repo").exists()


def test_publish_rejects_non_archive(helm_env: Helm, tmp_path: Path) -> None:
    archive = tmp_path / "web-0.1.0.tgz"
    archive.write_text("not a gzip file\n")
    result = publish(str(archive), "--repo", str(tmp_path / "repo"))

    assert result.exit_code == 2, describe(result)
    assert f"{archive} is not a chart archive" in result.stderr
    assert not (tmp_path / "repo").exists()
