"""The component specs in examples/: each generates a chart that helm lints and renders into what the example promises."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chartgen.kube import OLDEST_CHECKED_VERSION, newest_kube_version, validate_manifests
from conftest import REPO_ROOT, Helm, describe, run_cli

EXAMPLES_DIR = REPO_ROOT / "examples"
EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES_DIR.glob("*.yaml"))
SCHEMA_COMMENT = "# yaml-language-server: $schema=../schemas/component.schema.json"
RELEASE = "demo"
NAMESPACE = "default"
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
# Kubernetes replaces $(NAME) in env values, command and args with an env var defined before it.
VARIABLE_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@dataclass(frozen=True)
class Rendered:
    """The objects `helm template` rendered for one example."""

    chart: Path
    documents: list[dict[str, Any]]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [document for document in self.documents if document["kind"] == kind]

    def one(self, kind: str) -> dict[str, Any]:
        objects = self.of_kind(kind)
        assert len(objects) == 1, f"expected one {kind}, found {len(objects)}"
        return objects[0]

    @property
    def workload(self) -> dict[str, Any]:
        workloads = self.of_kind("StatefulSet") + self.of_kind("Deployment")
        assert len(workloads) == 1, f"expected one workload, found {[w['kind'] for w in workloads]}"
        return workloads[0]

    @property
    def pod_spec(self) -> dict[str, Any]:
        return self.workload["spec"]["template"]["spec"]

    @property
    def container(self) -> dict[str, Any]:
        containers = self.pod_spec["containers"]
        assert len(containers) == 1
        return containers[0]

    @property
    def env(self) -> dict[str, dict[str, Any]]:
        return {entry["name"]: entry for entry in self.container["env"]}


def generate(example: str, output: Path) -> Path:
    result = run_cli("new", "--from", str(EXAMPLES_DIR / f"{example}.yaml"), "-o", str(output))
    assert result.exit_code == 0, describe(result)
    return Path(result.stdout.strip())


def render(example: str, helm: Helm, output: Path, *args: str) -> Rendered:
    chart = generate(example, output)
    return Rendered(chart, helm.template(chart, *args, release=RELEASE))


def expand(text: str, variables: dict[str, str]) -> str:
    """Replace $(NAME) as the kubelet does: a reference to an unknown name stays as it is."""
    return VARIABLE_REFERENCE.sub(lambda match: variables.get(match[1], match[0]), text)


def all_containers(rendered: Rendered) -> list[dict[str, Any]]:
    return rendered.pod_spec.get("initContainers", []) + rendered.pod_spec["containers"]


# -- every example -----------------------------------------------------------


def test_examples_exist() -> None:
    assert set(EXAMPLE_NAMES) >= {"etcd", "mysql", "grafana", "n8n-worker"}


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_starts_with_schema_comment(example: str) -> None:
    lines = (EXAMPLES_DIR / f"{example}.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[0] == SCHEMA_COMMENT
    assert lines[1].startswith("# "), "the second line should say what the example shows"


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_lints_and_renders(example: str, helm: Helm, tmp_path: Path) -> None:
    chart = generate(example, tmp_path)

    helm.run("lint", "--strict", str(chart))
    documents = helm.template(chart, release=RELEASE)
    assert documents


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_matches_kubernetes_schemas(example: str, helm: Helm, tmp_path: Path) -> None:
    rendered = render(example, helm, tmp_path)

    problems = validate_manifests(rendered.documents, [OLDEST_CHECKED_VERSION, newest_kube_version()])
    assert [str(problem) for problem in problems] == []


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_runs_as_numeric_non_root_user(example: str, helm: Helm, tmp_path: Path) -> None:
    pod_security = render(example, helm, tmp_path).pod_spec["securityContext"]

    assert pod_security["runAsNonRoot"] is True
    assert isinstance(pod_security["runAsUser"], int)
    assert pod_security["runAsUser"] > 0
    assert pod_security["fsGroup"] == pod_security["runAsGroup"]


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_requests_resources(example: str, helm: Helm, tmp_path: Path) -> None:
    rendered = render(example, helm, tmp_path)

    for container in all_containers(rendered):
        requests = container.get("resources", {}).get("requests", {})
        assert set(requests) >= {"cpu", "memory"}, container["name"]


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_probes_have_one_handler(example: str, helm: Helm, tmp_path: Path) -> None:
    # The OpenAPI schemas allow a probe with two handlers, but the API server rejects it.
    # The chart keeps one when a spec's handler meets the default tcpSocket check.
    container = render(example, helm, tmp_path).container
    port_names = {port["name"] for port in container.get("ports", [])}

    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        if probe_name not in container:
            continue
        probe = container[probe_name]
        handlers = [handler for handler in PROBE_HANDLERS if handler in probe]
        assert len(handlers) == 1, f"{probe_name} has handlers {handlers}"
        port = probe[handlers[0]].get("port")
        if isinstance(port, str):
            assert port in port_names, f"{probe_name} names port {port!r}, which the container does not declare"


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_references_only_earlier_variables(example: str, helm: Helm, tmp_path: Path) -> None:
    container = render(example, helm, tmp_path).container
    defined: set[str] = set()

    for entry in container["env"]:
        for name in VARIABLE_REFERENCE.findall(entry.get("value", "")):
            assert name in defined, f"env {entry['name']} refers to $({name}) before it is defined"
        defined.add(entry["name"])
    for argument in container.get("command", []) + container.get("args", []):
        for name in VARIABLE_REFERENCE.findall(argument):
            assert name in defined, f"{argument!r} refers to $({name}), which is not in env"


# -- etcd: a three-member cluster --------------------------------------------


def test_etcd_runs_three_members_in_parallel(helm: Helm, tmp_path: Path) -> None:
    statefulset = render("etcd", helm, tmp_path).one("StatefulSet")

    assert statefulset["spec"]["replicas"] == 3
    assert statefulset["spec"]["podManagementPolicy"] == "Parallel"


def test_etcd_peers_list_every_member_on_peer_port(helm: Helm, tmp_path: Path) -> None:
    peers = render("etcd", helm, tmp_path).env["PEERS"]["value"].split(",")

    assert len(peers) == 3
    assert all(peer.endswith(":2380") for peer in peers)
    assert peers[0] == f"{RELEASE}-etcd-0.{RELEASE}-etcd-headless.{NAMESPACE}.svc.cluster.local:2380"


def test_etcd_init_container_provides_the_shell(helm: Helm, tmp_path: Path) -> None:
    rendered = render("etcd", helm, tmp_path)
    init = rendered.one("StatefulSet")["spec"]["template"]["spec"]["initContainers"][0]
    shell = rendered.container["command"][0]

    assert init["command"][-1] == shell
    init_mounts = {mount["name"]: mount["mountPath"] for mount in init["volumeMounts"]}
    main_mounts = {mount["name"]: mount["mountPath"] for mount in rendered.container["volumeMounts"]}
    shared = [name for name, path in init_mounts.items() if main_mounts.get(name) == path]
    assert len(shared) == 1
    assert shell.startswith(init_mounts[shared[0]] + "/")
    volume = next(volume for volume in rendered.pod_spec["volumes"] if volume["name"] == shared[0])
    assert "emptyDir" in volume


def member_command_line(rendered: Rendered, ordinal: int) -> dict[str, str]:
    """Run the etcd container's start script with /bin/sh for one member and return the etcd flags it passes on.

    $(NAME) references are expanded as the kubelet would for that member, and
    printf takes etcd's place so that the final command line is printed.
    """
    container = rendered.container
    fullname = rendered.one("StatefulSet")["metadata"]["name"]
    variables = {"POD_NAME": f"{fullname}-{ordinal}", "POD_NAMESPACE": NAMESPACE}
    for entry in container["env"]:
        if "value" in entry:
            variables[entry["name"]] = expand(entry["value"], variables)

    shell, applet, flag, script, script_name = container["command"]
    assert shell.endswith("/busybox")
    assert [applet, flag] == ["sh", "-c"]
    assert "$(" not in script, "the kubelet would expand $(...) in the script"
    assert container["args"][0] == "/usr/local/bin/etcd"
    etcd_flags = [expand(argument, variables) for argument in container["args"][1:]]

    result = subprocess.run(
        ["/bin/sh", "-c", script, script_name, "printf", "%s\\n", *etcd_flags],
        env={"PEERS": variables["PEERS"], "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    flags = [line.removeprefix("--").split("=", 1) for line in result.stdout.splitlines()]
    return {name: value for name, value in flags}


@pytest.mark.parametrize("members", [3, 5])
def test_etcd_script_builds_initial_cluster(helm: Helm, tmp_path: Path, members: int) -> None:
    rendered = render("etcd", helm, tmp_path, "--set", f"replicaCount={members}")
    fullname = f"{RELEASE}-etcd"
    headless = f"{fullname}-headless.{NAMESPACE}.svc.cluster.local"
    expected = ",".join(f"{fullname}-{i}=http://{fullname}-{i}.{headless}:2380" for i in range(members))

    for ordinal in range(members):
        flags = member_command_line(rendered, ordinal)
        assert flags["initial-cluster"] == expected
        assert flags["name"] == f"{fullname}-{ordinal}"
        assert flags["initial-advertise-peer-urls"] == f"http://{fullname}-{ordinal}.{headless}:2380"
        assert flags["advertise-client-urls"] == f"http://{fullname}-{ordinal}.{headless}:2379"
        assert flags["initial-cluster-token"] == f"{fullname}-headless.{NAMESPACE}"


def test_etcd_keeps_data_below_its_volume(helm: Helm, tmp_path: Path) -> None:
    rendered = render("etcd", helm, tmp_path)
    flags = dict(argument.removeprefix("--").split("=", 1) for argument in rendered.container["args"][1:])
    data_mount = next(mount for mount in rendered.container["volumeMounts"] if mount["name"] == "data")

    assert [claim["metadata"]["name"] for claim in rendered.one("StatefulSet")["spec"]["volumeClaimTemplates"]] == ["data"]
    assert flags["data-dir"].startswith(data_mount["mountPath"] + "/")


# -- mysql: one instance with its data directory on a volume -------------------


def test_mysql_data_directory_on_claim(helm: Helm, tmp_path: Path) -> None:
    rendered = render("mysql", helm, tmp_path)
    statefulset = rendered.one("StatefulSet")

    assert statefulset["spec"]["replicas"] == 1
    claims = statefulset["spec"]["volumeClaimTemplates"]
    assert len(claims) == 1
    mounts = [mount for mount in rendered.container["volumeMounts"] if mount["name"] == claims[0]["metadata"]["name"]]
    assert len(mounts) == 1
    assert mounts[0]["mountPath"] == "/var/lib/mysql"
    assert rendered.pod_spec["securityContext"]["runAsUser"] == 999


def test_mysql_root_password_from_secret(helm: Helm, tmp_path: Path) -> None:
    env = render("mysql", helm, tmp_path).env

    assert "value" not in env["MYSQL_ROOT_PASSWORD"]
    assert env["MYSQL_ROOT_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "mysql-credentials"


def test_mysql_readiness_pings_server(helm: Helm, tmp_path: Path) -> None:
    container = render("mysql", helm, tmp_path).container

    assert container["readinessProbe"]["exec"]["command"][:2] == ["mysqladmin", "ping"]
    assert container["startupProbe"]["tcpSocket"]["port"] == "mysql"


# -- grafana: an autoscaled web front end ------------------------------------


def test_grafana_autoscaled_deployment(helm: Helm, tmp_path: Path) -> None:
    rendered = render("grafana", helm, tmp_path)
    deployment = rendered.one("Deployment")
    autoscaler = rendered.one("HorizontalPodAutoscaler")

    assert "replicas" not in deployment["spec"]
    assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment["metadata"]["name"]}
    assert autoscaler["spec"]["minReplicas"] >= 2
    assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"]


def test_grafana_keeps_no_state_in_pods(helm: Helm, tmp_path: Path) -> None:
    rendered = render("grafana", helm, tmp_path)
    env = rendered.env

    assert rendered.one("Service")["spec"]["sessionAffinity"] == "None"
    assert rendered.of_kind("PersistentVolumeClaim") == []
    assert all("persistentVolumeClaim" not in volume for volume in rendered.pod_spec.get("volumes", []))
    assert env["GF_DATABASE_TYPE"]["value"] == "mysql"
    assert env["GF_REMOTE_CACHE_TYPE"]["value"] == "redis"
    assert "valueFrom" in env["GF_SECURITY_SECRET_KEY"]


def test_grafana_readiness_checks_health_api(helm: Helm, tmp_path: Path) -> None:
    probe = render("grafana", helm, tmp_path).container["readinessProbe"]

    assert probe["httpGet"] == {"path": "/api/health", "port": "http"}


# -- n8n-worker: a background worker -----------------------------------------


def test_worker_single_replica_recreated(helm: Helm, tmp_path: Path) -> None:
    rendered = render("n8n-worker", helm, tmp_path)
    deployment = rendered.one("Deployment")

    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert rendered.of_kind("HorizontalPodAutoscaler") == []


def test_worker_runs_queue_mode_without_service(helm: Helm, tmp_path: Path) -> None:
    rendered = render("n8n-worker", helm, tmp_path)

    assert rendered.container["args"][0] == "worker"
    assert rendered.env["EXECUTIONS_MODE"]["value"] == "queue"
    assert rendered.of_kind("Service") == []
    assert rendered.of_kind("PodDisruptionBudget") == []


def test_worker_outlives_graceful_shutdown(helm: Helm, tmp_path: Path) -> None:
    rendered = render("n8n-worker", helm, tmp_path)
    shutdown_timeout = int(rendered.env["N8N_GRACEFUL_SHUTDOWN_TIMEOUT"]["value"])

    assert rendered.pod_spec["terminationGracePeriodSeconds"] > shutdown_timeout
