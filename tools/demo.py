"""Generate the chart of every example spec, check it with helm and the Kubernetes schemas, and print a summary.

Run from the repository root, as `make demo` does:

    .venv/bin/python tools/demo.py --output out

For each examples/*.yaml, the script generates the chart into OUTPUT/NAME/,
runs `helm lint --strict` and `helm template` on it, and validates the rendered
objects against the Kubernetes OpenAPI schemas of the oldest and the newest
checked Kubernetes release. It also checks the README values table as
`chartgen docs --check` does, and draws the objects as `chartgen describe` does. Progress goes to stderr; the trees and then the summary table go to
stdout. The exit status is 1 when any step of any example failed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ruamel.yaml.error import YAMLError

from chartgen.describe import DescribeRequest, describe_chart, render_text
from chartgen.docs import plan_update
from chartgen.errors import ChartgenError
from chartgen.generate import generate_chart
from chartgen.helm import find_helm, run_helm
from chartgen.kube import default_kube_versions, validate_manifests
from chartgen.spec import load_spec_file
from chartgen.yamlio import load_all_documents

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKLOAD_KINDS = ("StatefulSet", "Deployment")
NOT_RUN = "-"

log = logging.getLogger("demo")


@dataclass
class ExampleReport:
    """Outcome of every step for one example. A column stays NOT_RUN when its step could not run."""

    example: str
    deployment_type: str = NOT_RUN
    workload_kind: str = NOT_RUN
    instances: str = NOT_RUN
    objects: str = NOT_RUN
    lint: str = NOT_RUN
    kube_schemas: str = NOT_RUN
    readme: str = NOT_RUN
    tree: str = ""
    problems: list[str] = field(default_factory=list)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("out"), help="Folder to generate the charts into (default: out).")
    parser.add_argument(
        "--examples",
        type=Path,
        default=REPO_ROOT / "examples",
        help="Folder of component specs, read as *.yaml (default: the repository's examples/).",
    )
    return parser.parse_args(argv)


def check_example(spec_path: Path, output_dir: Path, helm: str, kube_versions: list[str] | None) -> ExampleReport:
    """Generate, lint, render and validate the chart of one spec file."""
    report = ExampleReport(example=spec_path.stem)
    log.info("%s: generating the chart from %s", report.example, spec_path)
    try:
        spec = load_spec_file(spec_path)
        report.deployment_type = spec.deployment_type
        chart_dir = generate_chart(spec, output_dir, force=True)
    except ChartgenError as error:
        report.problems.append(f"generate: {error.message}")
        return report

    lint_chart(chart_dir, helm, report)
    documents = render_chart(chart_dir, spec.name, helm, report)
    if documents is not None:
        describe_workload(documents, report)
        validate_documents(documents, kube_versions, report)
        draw_tree(chart_dir, spec.name, helm, report)
    check_readme(chart_dir, report)
    return report


def check_readme(chart_dir: Path, report: ExampleReport) -> None:
    """Compare the README values table with the one `chartgen docs` would write."""
    log.info("%s: chartgen docs --check %s", report.example, chart_dir)
    try:
        update = plan_update(chart_dir)
    except ChartgenError as error:
        report.problems.append(f"chartgen docs: {error.message}")
        return
    report.readme = "out of date" if update.stale else "up to date"
    report.problems.extend(f"chartgen docs: {update.readme}: {change}" for change in update.changes() if update.stale)


def draw_tree(chart_dir: Path, release: str, helm: str, report: ExampleReport) -> None:
    log.info("%s: chartgen describe %s --release %s", report.example, chart_dir, release)
    try:
        report.tree = render_text(describe_chart(DescribeRequest(chart=chart_dir, release=release, helm=helm)))
    except ChartgenError as error:
        report.problems.append(f"chartgen describe: {error.message}")


def lint_chart(chart_dir: Path, helm: str, report: ExampleReport) -> None:
    log.info("%s: helm lint --strict %s", report.example, chart_dir)
    try:
        run_helm(["lint", "--strict", str(chart_dir)], helm=helm)
    except ChartgenError as error:
        report.lint = "failed"
        report.problems.append(f"helm lint: {error.message}")
        return
    report.lint = "passed"


def render_chart(chart_dir: Path, release: str, helm: str, report: ExampleReport) -> list[dict[str, Any]] | None:
    """Return the objects `helm template` renders with the chart name as release name, or None when it fails."""
    log.info("%s: helm template %s %s", report.example, release, chart_dir)
    try:
        output = run_helm(["template", release, str(chart_dir)], helm=helm).stdout
        documents = list(load_all_documents(output))
    except ChartgenError as error:
        report.problems.append(f"helm template: {error.message}")
        return None
    except YAMLError as error:
        report.problems.append(f"helm template: the output is not valid YAML: {error}")
        return None

    report.objects = str(len(documents))
    return documents


def describe_workload(documents: list[dict[str, Any]], report: ExampleReport) -> None:
    """Fill in the workload kind and its instance count, which an autoscaler gives as a range."""
    workloads = [document for document in documents if document.get("kind") in WORKLOAD_KINDS]
    if len(workloads) != 1:
        report.problems.append(f"helm template: expected one StatefulSet or Deployment, found {len(workloads)}")
        return

    workload = workloads[0]
    report.workload_kind = workload["kind"]
    autoscalers = [document for document in documents if document.get("kind") == "HorizontalPodAutoscaler"]
    if autoscalers:
        autoscaler = autoscalers[0]["spec"]
        report.instances = f"{autoscaler['minReplicas']}-{autoscaler['maxReplicas']} (HPA)"
    else:
        report.instances = str(workload["spec"].get("replicas", 1))


def validate_documents(documents: list[dict[str, Any]], kube_versions: list[str] | None, report: ExampleReport) -> None:
    if kube_versions is None:
        report.kube_schemas = "not checked"
        report.problems.append("kube schemas: kubernetes-validate is not installed. Run `make setup` first.")
        return

    log.info("%s: validating %d objects for Kubernetes %s", report.example, len(documents), ", ".join(kube_versions))
    try:
        problems = validate_manifests(documents, kube_versions)
    except ChartgenError as error:
        report.kube_schemas = "not checked"
        report.problems.append(f"kube schemas: {error.message}")
        return

    if problems:
        report.kube_schemas = f"{len(problems)} problem(s)"
        report.problems.extend(f"kube schemas: {problem}" for problem in problems)
    else:
        report.kube_schemas = f"valid for {', '.join(kube_versions)}"


def load_kube_versions() -> list[str] | None:
    """Return the Kubernetes releases to validate against, or None when kubernetes-validate is missing."""
    try:
        return default_kube_versions()
    except ImportError:
        return None


def format_table(reports: list[ExampleReport]) -> str:
    header = ("example", "type", "workload", "instances", "objects", "lint", "kube schemas", "README")
    rows = [
        (report.example, report.deployment_type, report.workload_kind, report.instances,
         report.objects, report.lint, report.kube_schemas, report.readme)
        for report in reports
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]

    def format_row(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()

    lines = [format_row(header), format_row(["-" * width for width in widths])]
    lines.extend(format_row(row) for row in rows)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    spec_paths = sorted(arguments.examples.glob("*.yaml"))
    if not spec_paths:
        log.error("error: no *.yaml component specs found in %s. Pass another folder with --examples.", arguments.examples)
        return 1
    try:
        helm = find_helm()
    except ChartgenError as error:
        log.error("error: %s", error.message)
        return 1

    log.info("Using helm %s. Writing the charts into %s.", helm, arguments.output)
    kube_versions = load_kube_versions()
    reports = [check_example(path, arguments.output, helm, kube_versions) for path in spec_paths]

    for report in reports:
        if report.tree:
            print(report.tree)
    print(format_table(reports))
    failed = [report for report in reports if report.problems]
    for report in failed:
        for problem in report.problems:
            log.error("%s: %s", report.example, problem)
    if failed:
        log.error("%d of %d examples failed.", len(failed), len(reports))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
