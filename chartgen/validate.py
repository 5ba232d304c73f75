"""The validation engine: schema, rules and rendered manifests for one or many values cases."""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from chartgen.chart import Chart, load_chart
from chartgen.errors import ChartgenError, UsageError
from chartgen.findings import CaseResult, Finding, Layer, Severity, ValidationReport
from chartgen.helm import DEFAULT_RELEASE, run_helm
from chartgen.helmvalues import UserValues, apply_set_flags, coalesce, load_values_file, subchart_values
from chartgen.kube import validate_manifests
from chartgen.rules import RuleContext, run_rules
from chartgen.schemacheck import SchemaChecker
from chartgen.yamlio import dump_yaml, load_all_documents

log = logging.getLogger(__name__)

ALL_LAYERS = (Layer.SCHEMA, Layer.RULES, Layer.MANIFESTS)


@dataclass
class ValidateRequest:
    """The inputs of one validation: -f files merged into every case, --set flags, and batch files that are cases of their own."""

    chart: Path
    values_files: list[Path] = field(default_factory=list)
    set_flags: list[tuple[str, str]] = field(default_factory=list)
    batch_files: list[Path] = field(default_factory=list)
    subchart: str | None = None
    layers: tuple[Layer, ...] = ALL_LAYERS
    kube_versions: list[str] = field(default_factory=list)
    # None when the user named no release: rendering then uses helm's own
    # placeholder, and rules that depend on the name only estimate.
    release_name: str | None = None
    namespace: str = "default"
    helm: str | None = None


@dataclass
class PreparedCase:
    """One case's values: the user's, with their sources, and the merged result helm would validate."""

    name: str
    user: UserValues
    merged: dict[str, Any]
    batch_file: Path | None


def validate(request: ValidateRequest, progress: Callable[[int], None] | None = None) -> ValidationReport:
    """Check every case and return the findings; raises UsageError for unreadable input."""
    chart = load_chart(request.chart)
    if request.subchart:
        chart = dependency_chart(chart, request.subchart)
    defaults = coalesce({}, chart.defaults)
    checker = SchemaChecker(chart.schema, defaults) if chart.schema and Layer.SCHEMA in request.layers else None
    common = read_user_values(request)

    report = ValidationReport(chart=str(request.chart))
    cases = []
    for batch_file in request.batch_files or [None]:
        try:
            case = prepare_case(request, chart, common, batch_file)
        except UsageError as error:
            if batch_file is None:
                raise
            # One unreadable case file is that case's finding; the other cases are still checked.
            report.cases.append(CaseResult(name=str(batch_file), findings=[Finding(Layer.INPUT, Severity.ERROR, str(batch_file), "", error.message)]))
            continue
        cases.append(case)
        report.cases.append(check_values(case, chart, checker, request))
        if progress:
            progress(1)

    if Layer.MANIFESTS in request.layers:
        readable = [result for result in report.cases if not any(finding.layer == Layer.INPUT for finding in result.findings)]
        render_all(cases, ValidationReport(chart=report.chart, cases=readable), chart, request)
    return report


def read_user_values(request: ValidateRequest) -> UserValues:
    """Merge the -f files in order; every case starts from these."""
    user = UserValues()
    for path in request.values_files:
        user.merge(load_values_file(path), str(path))
    return user


def prepare_case(request: ValidateRequest, chart: Chart, common: UserValues, batch_file: Path | None) -> PreparedCase:
    user = UserValues(values=copy.deepcopy(common.values), sources=dict(common.sources))
    if batch_file is not None:
        user.merge(load_values_file(batch_file), str(batch_file))
    apply_set_flags(user, request.set_flags)

    if request.subchart:
        inputs = [*map(str, request.values_files), *([str(batch_file)] if batch_file else [])]
        user = narrow_to_subchart(user, request.subchart, source=", ".join(inputs) or "--set")

    name = str(batch_file) if batch_file else "values"
    return PreparedCase(name=name, user=user, merged=coalesce(user.values, chart.defaults), batch_file=batch_file)


def narrow_to_subchart(user: UserValues, alias: str, source: str) -> UserValues:
    """Keep what a dependency aliased `alias` receives from the parent's values, with key sources re-rooted."""
    values = subchart_values(user.values, alias, source)
    sources = {path[1:]: origin for path, origin in user.sources.items() if path[:1] == (alias,) and len(path) > 1}
    sources.update({path: origin for path, origin in user.sources.items() if path[:1] == ("global",)})
    if (alias,) in user.sources:
        sources.setdefault((), user.sources[(alias,)])
    return UserValues(values=values, sources=sources)


def check_values(case: PreparedCase, chart: Chart, checker: SchemaChecker | None, request: ValidateRequest) -> CaseResult:
    """Run the schema layer, then the rules on values the schema accepted."""
    result = CaseResult(name=case.name)

    def source_of(path: str) -> str:
        parts = tuple(part for part in path.split(".") if part)
        return case.user.source_of(parts, default=chart.values_file)

    if checker is not None:
        untouched = set(case.merged) - set(case.user.values)
        result.findings.extend(checker.check(case.merged, source_of, untouched))

    schema_failed = any(finding.layer == Layer.SCHEMA for finding in result.findings)
    if Layer.RULES in request.layers and not schema_failed and is_chartgen_chart(chart):
        context = RuleContext(values=case.merged, chart_name=chart.name, app_version=chart.app_version, release_name=request.release_name)
        result.findings.extend(run_rules(context, source_of))

    if request.subchart:
        # Name keys as they are written in the parent's values file.
        result.findings = [
            dataclasses.replace(finding, path=f"{request.subchart}.{finding.path}".rstrip("."))
            if finding.path and not finding.path.startswith("global") else finding
            for finding in result.findings
        ]
    return result


def is_chartgen_chart(chart: Chart) -> bool:
    """Return whether the chart has chartgen's values layout, which the rules rely on."""
    return "deploymentType" in chart.defaults


def dependency_chart(chart: Chart, alias: str) -> Chart:
    """Return the dependency of `chart` named or aliased `alias`; `chart` itself when it lists no dependencies."""
    dependencies = chart.dependencies
    if not dependencies:
        return chart
    for dependency in dependencies:
        if alias in (dependency.get("alias"), dependency.get("name")):
            folder = chart.path / "charts" / str(dependency.get("name"))
            archives = sorted((chart.path / "charts").glob(f"{dependency.get('name')}-*.tgz"))
            if folder.is_dir():
                return load_chart(folder)
            if archives:
                return load_chart(archives[-1])
            raise UsageError(f"{chart.path}: the dependency {dependency.get('name')} is not in charts/. Run `helm dependency build {chart.path}` first.")
    names = ", ".join(str(dependency.get("alias") or dependency.get("name")) for dependency in dependencies)
    raise UsageError(f'{chart.path} has no dependency named or aliased "{alias}". Use one of: {names}.')


def render_all(cases: list[PreparedCase], report: ValidationReport, chart: Chart, request: ValidateRequest) -> None:
    """Render the cases whose values passed the schema, several helm processes at a time."""
    pending = [
        (case, result)
        for case, result in zip(cases, report.cases)
        if not any(finding.layer == Layer.SCHEMA for finding in result.findings)
    ]
    workers = max(1, min(len(pending), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result, findings in zip((result for _, result in pending), pool.map(lambda item: render_case(item[0], chart, request), pending)):
            result.findings.extend(findings)


def render_case(case: PreparedCase, chart: Chart, request: ValidateRequest) -> list[Finding]:
    """Render one case with helm and validate every object against the Kubernetes schemas."""
    with helm_inputs(case, request) as args:
        try:
            output = run_helm(["template", request.release_name or DEFAULT_RELEASE, str(chart.path), "--namespace", request.namespace, *args], helm=request.helm).stdout
        except ChartgenError as error:
            return [Finding(Layer.MANIFESTS, Severity.ERROR, case.name, "", f"helm template failed: {error.message}")]

    documents = list(load_all_documents(output))
    return [
        Finding(Layer.MANIFESTS, Severity.ERROR, case.name, "", f"{problem.kind}/{problem.name} is invalid for Kubernetes {problem.kube_version}: {problem.message}", rule_id="kubernetes-schema")
        for problem in validate_manifests(documents, request.kube_versions)
    ]


@contextmanager
def helm_inputs(case: PreparedCase, request: ValidateRequest) -> Iterator[list[str]]:
    """Yield the -f and --set arguments that give helm the values the schema layer checked.

    helm parses the original files and flags itself, so its typing is its own.
    A subchart case has no such files: its values go into a temporary file,
    removed afterwards.
    """
    if not request.subchart:
        args: list[str] = []
        for path in [*request.values_files, *([case.batch_file] if case.batch_file else [])]:
            args += ["-f", str(path)]
        for flag, text in request.set_flags:
            args += [flag, text]
        yield args
        return

    handle, name = tempfile.mkstemp(prefix="chartgen-values-", suffix=".yaml")
    os.close(handle)
    try:
        Path(name).write_text(dump_yaml(case.user.values), encoding="utf-8")
        yield ["-f", name]
    finally:
        Path(name).unlink(missing_ok=True)


def iter_findings(report: ValidationReport) -> Iterator[tuple[CaseResult, Finding]]:
    for case in report.cases:
        for finding in case.findings:
            yield case, finding
