"""Checks on merged values that JSON Schema cannot express, or that are advice rather than law.

Each rule has a stable id, a severity and a page section in docs/rules.md.
A rule sees values that already passed the schema, so it may rely on the
types the schema guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from chartgen.findings import Finding, Layer, Severity


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at: the merged values and facts about the chart and the release."""

    values: dict[str, Any]
    chart_name: str
    app_version: str
    release_name: str | None = None


@dataclass(frozen=True)
class Hit:
    """One place where a rule applies: the key path, what is wrong, and the fix."""

    path: str
    message: str
    fix: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    check: Callable[[RuleContext], Iterable[Hit]]


RULES: list[Rule] = []


def rule(rule_id: str, name: str, severity: Severity, summary: str) -> Callable[[Callable[[RuleContext], Iterable[Hit]]], Callable[[RuleContext], Iterable[Hit]]]:
    """Register a check function as a rule."""

    def register(check: Callable[[RuleContext], Iterable[Hit]]) -> Callable[[RuleContext], Iterable[Hit]]:
        RULES.append(Rule(rule_id, name, severity, summary, check))
        return check

    return register


def run_rules(context: RuleContext, source_of: Callable[[str], str]) -> list[Finding]:
    """Run every rule and return its hits as findings, located by the file that set each key."""
    findings = []
    for registered in RULES:
        for hit in registered.check(context):
            findings.append(
                Finding(
                    layer=Layer.RULES,
                    severity=registered.severity,
                    source=source_of(hit.path),
                    path=hit.path,
                    message=hit.message,
                    fix=hit.fix,
                    rule_id=registered.id,
                )
            )
    return findings


def deployment_type(context: RuleContext) -> str:
    return str(context.values.get("deploymentType", ""))


def instance_count(context: RuleContext) -> int:
    """Instances the workload runs: 1 for single types, else replicaCount (the autoscaler's minimum when it scales)."""
    values = context.values
    if deployment_type(context).endswith("-single"):
        return 1
    autoscaling = values.get("autoscaling") or {}
    if deployment_type(context) == "stateless-multi" and autoscaling.get("enabled"):
        return int(autoscaling.get("minReplicas", 1))
    return int(values.get("replicaCount", 1))


@rule("CG001", "image-tag-not-pinned", Severity.WARNING, "The image has no tag, or the tag is latest.")
def image_tag_not_pinned(context: RuleContext) -> Iterator[Hit]:
    image = context.values.get("image") or {}
    if image.get("digest"):
        return
    tag = str(image.get("tag") or context.app_version or "")
    if tag in ("", "latest"):
        yield Hit(
            path="image.tag",
            message=f'the image {image.get("repository")} runs with tag "{tag or "latest"}", so every node may pull a different build',
            fix="set image.tag to a version, or image.digest to a sha256 digest",
        )
