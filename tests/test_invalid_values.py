"""Values a user might write by mistake: helm lint and helm template must reject each one and name the key.

Every file under tests/invalid-values/ is one case. Its first comment lines
set what the test expects:

    # expect: persistence.accessMode      key path helm's error must point at
    # helm-args: --set-string replicaCount=3   extra arguments, split like a shell
    # rejected-by: template                 only the template's own checks catch it
    # why: what is wrong, in the user's words

`helm lint` (Helm 3.17 and 4.3) logs a template's `fail` as INFO and exits 0.
A case that no JSON Schema rule can express, such as a minimum above a
maximum, is therefore rejected by `helm template` only, and lint must still
log its message.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import BASE_CHART, Helm

CASES_DIR = Path(__file__).parent / "invalid-values"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
RELEASE = "release"

# Charts each case runs against: the base chart, and a chart chartgen generated
# with values that differ from the base defaults.
CHARTS = ("base", "generated")
GENERATED = "stateless-multi"


@dataclass(frozen=True)
class Case:
    file: Path
    expect: str
    args: tuple[str, ...]
    why: str
    template_only: bool


def read_case(file: Path) -> Case:
    header: dict[str, str] = {}
    for line in file.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*(expect|helm-args|rejected-by|why):\s*(.*)$", line)
        if not match:
            break
        header[match[1]] = match[2].strip()
    return Case(
        file,
        header.get("expect", ""),
        tuple(shlex.split(header.get("helm-args", ""))),
        header.get("why", ""),
        template_only=header.get("rejected-by") == "template",
    )


# Helm 3 (gojsonschema):   - service.ports.0.name: Does not match pattern '...'
#                          - (root): Additional property persistance is not allowed
HELM3_ERROR = re.compile(r"- (?P<path>\S+): (?P<message>.*)$")
# Helm 4 (JSON pointers):  - at '/service/ports/0/name': '...' does not match pattern '...'
#                          - at '': additional properties 'persistance' not allowed
HELM4_ERROR = re.compile(r"- at '(?P<pointer>[^']*)': (?P<message>.*)$")
# A lint message prefix, as in "[ERROR] values.yaml: - replicaCount: ...".
LINT_PREFIX = re.compile(r"^\[(?:ERROR|WARNING|INFO)\] [^:]+: ")
# Where a template's `fail` message starts. `helm template` prints it as an
# execution error. `helm lint` only logs it, Helm 3 after "[INFO] Fail:" and
# Helm 4 as a logfmt record that contains the message as a quoted string.
FAIL_START = re.compile(r"execution error at \([^)]*\):|\[INFO\] Fail:")
HELM4_LINT_FAIL = re.compile(r'msg="funcMap fail" message=(?P<quoted>"(?:[^"\\]|\\.)*")')
# One line of a fail message of this chart: "autoscaling.minReplicas: 6 is greater ...".
# Keys start lowercase; helm's own lines that may follow ("Error: ...") do not.
FAIL_LINE = re.compile(r"(?P<path>[a-z][A-Za-z0-9_.]*): ")
QUOTED = re.compile(r"'([^']*)'")


def join(parent: str, child: str) -> str:
    return f"{parent}.{child}" if parent else child


def pointer_to_path(pointer: str) -> str:
    parts = pointer.split("/")[1:]
    return ".".join(part.replace("~1", "/").replace("~0", "~") for part in parts)


def schema_paths(parent: str, message: str) -> list[str]:
    """Key paths of one schema error: its own path, or the keys it names as unknown or missing."""
    helm3_names = re.match(r"Additional property (\S+) is not allowed|(\S+) is required$", message)
    if helm3_names:
        return [join(parent, helm3_names[1] or helm3_names[2])]
    if re.match(r"additional propert(?:y|ies) |missing propert(?:y|ies) ", message):
        return [join(parent, name) for name in QUOTED.findall(message)]
    return [parent] if parent else []


def fail_paths(message: str) -> list[str]:
    paths = []
    for line in message.strip().splitlines():
        match = FAIL_LINE.match(line)
        if not match:
            break
        paths.append(match["path"])
    return paths


def key_paths(output: str) -> set[str]:
    """Return the dotted key paths that helm's lint or template output blames."""
    paths: set[str] = set()
    lines = output.splitlines()
    for index, raw in enumerate(lines):
        line = LINT_PREFIX.sub("", raw).strip()
        helm4 = HELM4_ERROR.match(line)
        helm3 = HELM3_ERROR.match(line)
        if helm4:
            paths.update(schema_paths(pointer_to_path(helm4["pointer"]), helm4["message"]))
        elif helm3:
            path = "" if helm3["path"] == "(root)" else helm3["path"]
            paths.update(schema_paths(path, helm3["message"]))
        if FAIL_START.search(raw):
            rest = FAIL_START.split(raw, maxsplit=1)[1]
            following = "\n".join(lines[index + 1:]).split("\n\n")[0]
            paths.update(fail_paths(f"{rest}\n{following}"))
        logged = HELM4_LINT_FAIL.search(raw)
        if logged:
            paths.update(fail_paths(json.loads(logged["quoted"])))
    return paths


def run(helm: Helm, *args: str) -> subprocess.CompletedProcess[str]:
    """Run helm and keep stdout and stderr: helm lint reports its findings on stdout."""
    return subprocess.run([helm.path, *args], capture_output=True, text=True, check=False)


def report(result: subprocess.CompletedProcess[str], case: Case | None = None) -> str:
    heading = f"{case.file.name} ({case.why})\n" if case else ""
    return f"{heading}$ {shlex.join(result.args)}\nexit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


@pytest.fixture(params=CHARTS)
def chart(request: pytest.FixtureRequest) -> Path:
    if request.param == "base":
        return BASE_CHART
    return request.getfixturevalue("generated_charts")[GENERATED]


@pytest.fixture(params=CASE_FILES, ids=lambda file: file.stem)
def case(request: pytest.FixtureRequest) -> Case:
    return read_case(request.param)


def test_case_count() -> None:
    assert len(CASE_FILES) >= 28


def test_case_headers(case: Case) -> None:
    assert case.expect, f"{case.file.name} has no `# expect:` line"
    assert case.why, f"{case.file.name} has no `# why:` line"


def test_lint_rejects_case(helm: Helm, chart: Path, case: Case) -> None:
    result = run(helm, "lint", "--strict", str(chart), "-f", str(case.file), *case.args)
    if case.template_only:
        assert result.returncode == 0, "helm lint now rejects a template failure; drop `rejected-by: template`\n" + report(result, case)
    else:
        assert result.returncode != 0, report(result, case)
    assert case.expect in key_paths(result.stdout + result.stderr), report(result, case)


def test_most_cases_fail_lint() -> None:
    rejected_by_both = [file for file in CASE_FILES if not read_case(file).template_only]
    assert len(rejected_by_both) >= 25


def test_template_rejects_case(helm: Helm, chart: Path, case: Case) -> None:
    result = run(helm, "template", RELEASE, str(chart), "-f", str(case.file), *case.args)
    assert result.returncode != 0, report(result, case)
    assert case.expect in key_paths(result.stderr), report(result, case)


def test_chart_defaults_pass(helm: Helm, chart: Path) -> None:
    """Without a case file, the chart's own values lint and render: each rejection above comes from the file."""
    lint = run(helm, "lint", "--strict", str(chart))
    template = run(helm, "template", RELEASE, str(chart))
    assert lint.returncode == 0, report(lint)
    assert template.returncode == 0, report(template)
    assert "kind: Deployment" in template.stdout.splitlines(), report(template)


HELM3_SAMPLE = """\
[ERROR] values.yaml: - (root): Must validate "then" as "if" was valid
- replicaCount: replicaCount does not match: 1
- (root): Additional property persistance is not allowed
- service: Additional property prots is not allowed
- (root): deploymentType is required
- containerPorts.0.containerPort: Must be less than or equal to 65535
"""

HELM4_SAMPLE = """\
[ERROR] values.yaml: - at '/service': additional properties 'prots' not allowed
- at '': additional properties 'persistance', 'replicas' not allowed
- at '': 'allOf' failed
  - at '/replicaCount': value must be 1
- at '': missing property 'deploymentType'
- at '/containerPorts/0/containerPort': maximum: got 80,800, want 65,535
"""

TEMPLATE_FAIL_SAMPLE = """\
Error: execution error at (base/templates/deployment.yaml:2:4): \n\
name: the Deployment name "x" is 65 characters, but at most 63 fit.
autoscaling.minReplicas: 6 is greater than autoscaling.maxReplicas (3).

Use --debug flag to render out invalid YAML
"""

LINT_FAIL_SAMPLES = (
    'engine.go:227: [INFO] Fail: \nautoscaling.minReplicas: 6 is greater than 3.\nError: 1 chart(s) linted, 1 chart(s) failed\n',
    'level=INFO msg="funcMap fail" message="\\nautoscaling.minReplicas: 6 is greater than \\"3\\"."\n',
)


def test_parse_helm3_schema_errors() -> None:
    paths = key_paths(HELM3_SAMPLE)
    assert paths == {"replicaCount", "persistance", "service.prots", "deploymentType", "containerPorts.0.containerPort"}


def test_parse_helm4_schema_errors() -> None:
    paths = key_paths(HELM4_SAMPLE)
    assert paths == {"service.prots", "persistance", "replicas", "replicaCount", "deploymentType", "containerPorts.0.containerPort"}


def test_parse_template_fail() -> None:
    assert key_paths(TEMPLATE_FAIL_SAMPLE) == {"name", "autoscaling.minReplicas"}


@pytest.mark.parametrize("output", LINT_FAIL_SAMPLES, ids=("helm3", "helm4"))
def test_parse_lint_fail(output: str) -> None:
    assert key_paths(output) == {"autoscaling.minReplicas"}
