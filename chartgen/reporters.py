"""Reporters: the same ValidationReport as text for people, JSON for tools and JUnit XML for CI."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import click

from chartgen.findings import Finding, Severity, ValidationReport

COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: ValidationReport) -> str:
    counts = [plural(report.count(severity), str(severity)) for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    return f"{', '.join(counts)} in {plural(len(report.cases), 'values case')} of {report.chart}"


def render_text(report: ValidationReport, color: bool) -> str:
    """One line per finding, `source::key.path: severity: message [rule]`, with the fix indented below."""
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
    """One test case per values case; findings at or above --fail-on are failures, the rest go to system-out."""
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
