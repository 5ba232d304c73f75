"""Reporters: the same ValidationReport as text for people, JSON for tools and JUnit XML for CI."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import click

from chartgen.findings import Finding, Severity, ValidationReport
from chartgen.migration import Step
from chartgen.upgrade import EXPLANATIONS as EXPLANATIONS_BY_OUTCOME
from chartgen.upgrade import Claim, UpgradeReport, Workload

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: ValidationReport) -> str:
    counts = [plural(report.count(severity), str(severity)) for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    return f"{', '.join(counts)} in {plural(len(report.cases), 'values case')} of {report.chart}"


def render_text(report: ValidationReport, color: bool) -> str:
    """Render one line per finding, `source::key.path: severity: message [rule]`, with the fix indented below."""
    lines: list[str] = []
    many = len(report.cases) > 1
    for case in report.cases:
        if many and case.findings:
            lines.append(click.style(f"{case.name}:", bold=True) if color else f"{case.name}:")
        for finding in case.findings:
            lines.extend(format_finding(finding, color, indent="  " if many else ""))
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def format_finding(finding: Finding, color: bool, indent: str) -> list[str]:
    severity = str(finding.severity)
    if color:
        severity = click.style(severity, fg=COLORS[finding.severity], bold=finding.severity == Severity.ERROR)
    rule = f" [{finding.rule_id}]" if finding.rule_id and finding.layer.value == "rules" else ""
    lines = [f"{indent}{finding.location}: {severity}: {finding.message}{rule}"]
    if finding.fix:
        lines.append(f"{indent}  fix: {finding.fix}")
    return lines


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "severity": str(finding.severity),
        "layer": finding.layer.value,
        "rule": finding.rule_id,
        "source": finding.source,
        "path": finding.path,
        "location": finding.location,
        "message": finding.message,
        "fix": finding.fix,
    }


def render_json(report: ValidationReport, fail_on: Severity) -> str:
    document = {
        "chart": report.chart,
        "valid": not report.fails(fail_on),
        "summary": {str(severity): report.count(severity) for severity in Severity},
        "cases": [
            {"name": case.name, "findings": [finding_to_json(finding) for finding in case.findings]}
            for case in report.cases
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def render_junit(report: ValidationReport, fail_on: Severity) -> str:
    """Render one test case per values case. Findings at or above --fail-on are failures, the rest go to system-out."""
    failures = sum(1 for case in report.cases if any(f.severity >= fail_on for f in case.findings))
    suites = ElementTree.Element("testsuites", name="chartgen validate", tests=str(len(report.cases)), failures=str(failures))
    suite = ElementTree.SubElement(suites, "testsuite", name=report.chart, tests=str(len(report.cases)), failures=str(failures), errors="0", skipped="0")
    for case in report.cases:
        testcase = ElementTree.SubElement(suite, "testcase", classname=report.chart, name=case.name)
        failing = [finding for finding in case.findings if finding.severity >= fail_on]
        passing = [finding for finding in case.findings if finding.severity < fail_on]
        if failing:
            failure = ElementTree.SubElement(testcase, "failure", message=f"{plural(len(failing), 'finding')} at or above {fail_on}", type=str(fail_on))
            failure.text = "\n".join(line for finding in failing for line in format_finding(finding, False, ""))
        if passing:
            output = ElementTree.SubElement(testcase, "system-out")
            output.text = "\n".join(line for finding in passing for line in format_finding(finding, False, ""))
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# --- check-upgrade -------------------------------------------------------------------------------


def describe_workload(workload: Workload | None) -> str:
    if workload is None:
        return "no workload"
    count = "autoscaled" if workload.replicas is None else plural(workload.replicas, "instance" if workload.kind == "StatefulSet" else "replica")
    return f"{workload.kind} {workload.name} ({count})"


def render_upgrade_text(report: UpgradeReport, plan: list[Step] | None) -> str:
    lines = [
        f"Upgrade of release {report.release} in namespace {report.namespace}:",
        f"  {describe_workload(report.before.workload)} -> {describe_workload(report.after.workload)}",
        "",
    ]
    if report.volumes:
        width = max(len(change.claim) for change in report.volumes)
        lines.append("Volumes:")
        for change in report.volumes:
            detail = EXPLANATIONS_BY_OUTCOME[change.outcome] + (f": {change.note}" if change.note else "")
            lines.append(f"  {change.claim.ljust(width)}  {change.outcome.value.ljust(12)} {detail}")
    else:
        lines.append("Volumes: none on either side.")

    if report.immutable:
        lines += ["", "Changes the API server rejects on the existing object:"]
        for change in report.immutable:
            lines.append(f"  {change.kind} {change.name} {change.field}: {short(change.before)} -> {short(change.after)}")
            lines.append(f"    fix: {change.fix}")

    if cluster_resized(report):
        lines += ["", "The cluster changes size: every member restarts with a new PEERS list, and the members themselves must be"
                  " added or removed with the cluster's own tools (for example etcdctl member add or remove)."]

    if report.needs_acknowledgement:
        lines += ["", "The chart refuses this switch of workload kind until the new values set typeSwitch.acknowledge=true,"
                  " after the component is stopped and its data backed up."]

    lines += ["", verdict(report, planned=plan is not None)]
    if plan is not None:
        lines += ["", "Plan:"]
        for number, step in enumerate(plan, start=1):
            lines.append(f"{number}. {step.title}")
            lines.extend(f"   # {note}" for note in step.notes)
            lines.extend(f"   {command}" for command in step.commands)
    return "\n".join(lines) + "\n"


def cluster_resized(report: UpgradeReport) -> bool:
    """True when a StatefulSet that runs as a cluster (Parallel start) changes its instance count."""
    old, new = report.before.workload, report.after.workload
    if not (old and new and old.kind == new.kind == "StatefulSet"):
        return False
    return new.spec.get("podManagementPolicy") == "Parallel" and old.replicas != new.replicas


def short(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":")) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


def verdict(report: UpgradeReport, planned: bool = False) -> str:
    if report.safe:
        return "Safe: no data is lost or left unmounted, and every change can be applied in place."
    counts = {}
    for change in report.volumes:
        counts[change.outcome.value] = counts.get(change.outcome.value, 0) + 1
    problems = [f"{count} {outcome}" for outcome, count in counts.items() if outcome not in ("reused", "new")]
    if report.immutable:
        problems.append(plural(len(report.immutable), "immutable field change"))
    if report.needs_acknowledgement:
        problems.append("a type switch that needs typeSwitch.acknowledge")
    return "Unsafe: " + ", ".join(problems) + (". The plan below lists the steps." if planned else ". Run with --plan for the steps.")


def render_upgrade_json(report: UpgradeReport, plan: list[Step] | None) -> str:
    def claim(value: Claim | None) -> dict[str, Any] | None:
        if value is None:
            return None
        return {"name": value.name, "size": value.size, "accessModes": list(value.access_modes), "storageClass": value.storage_class, "origin": value.origin}

    document: dict[str, Any] = {
        "release": report.release,
        "namespace": report.namespace,
        "safe": report.safe,
        "typeSwitch": report.type_switch,
        "needsAcknowledgement": report.needs_acknowledgement,
        "before": describe_workload(report.before.workload),
        "after": describe_workload(report.after.workload),
        "volumes": [
            {"claim": change.claim, "outcome": change.outcome.value, "note": change.note, "before": claim(change.before), "after": claim(change.after)}
            for change in report.volumes
        ],
        "immutable": [
            {"kind": change.kind, "name": change.name, "field": change.field, "before": change.before, "after": change.after, "fix": change.fix}
            for change in report.immutable
        ],
    }
    if plan is not None:
        document["plan"] = [{"title": step.title, "commands": step.commands, "notes": step.notes} for step in plan]
    return json.dumps(document, indent=2) + "\n"
