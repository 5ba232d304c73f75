"""The ordered commands that carry a release through an unsafe upgrade without losing data.

Every command names the release's real objects. Data is copied by the Job
the chart renders with dataCopy.enabled, applied with kubectl instead of helm,
so that it never becomes part of the release.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from chartgen.upgrade import Claim, Outcome, UpgradeReport, UpgradeRequest, VolumeChange

COPY_TEMPLATE = "templates/data-copy.yaml"


@dataclass
class Step:
    title: str
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def quote(parts: list[str]) -> str:
    return shlex.join(parts)


def migration_plan(report: UpgradeReport, request: UpgradeRequest) -> list[Step]:
    """Return the steps for this upgrade; a safe upgrade without a type switch needs only the upgrade itself."""
    steps: list[Step] = []
    risky = report.type_switch or not report.safe
    old = report.before.workload

    if risky and old is not None:
        steps.append(stop_step(report))
    data_claims = [claim for claim in report.before.claims.values() if claim.origin in ("template", "chart")]
    if risky and data_claims:
        steps.append(backup_step(report, request, data_claims))

    incompatible = [change for change in report.volumes if change.outcome == Outcome.INCOMPATIBLE]
    if incompatible:
        steps.append(recreate_step(report, request, [change.after for change in incompatible if change.after]))
    grown = [change for change in report.volumes if change.outcome == Outcome.REUSED and change.before and change.after and change.before.size != change.after.size]
    if grown:
        steps.append(resize_step(report, grown))
    if report.immutable and not report.type_switch and old is not None:
        steps.append(Step(
            "Remove the StatefulSet object, because the upgrade changes fields that cannot be updated; the upgrade creates it again",
            [quote(["kubectl", "delete", old.kind.lower(), old.name, "--cascade=orphan", "-n", report.namespace])],
        ))

    steps.append(upgrade_step(report, request))
    steps.append(verify_step(report))

    leftovers = cleanup_step(report, data_claims if risky else [])
    if leftovers.commands:
        steps.append(leftovers)
    return steps


def instance_selector(report: UpgradeReport) -> str:
    workload = report.before.workload or report.after.workload
    labels = ((workload.spec.get("selector") or {}).get("matchLabels") or {}) if workload else {}
    return ",".join(f"{key}={value}" for key, value in labels.items()) or f"app.kubernetes.io/instance={report.release}"


def stop_step(report: UpgradeReport) -> Step:
    old = report.before.workload
    assert old is not None
    return Step(
        "Stop the component, so that nothing writes to its volumes while they move",
        [
            quote(["kubectl", "scale", f"{old.kind.lower()}/{old.name}", "--replicas=0", "-n", report.namespace]),
            quote(["kubectl", "wait", "--for=delete", "pod", "-l", instance_selector(report), "-n", report.namespace, "--timeout=10m"]),
        ],
    )


def copy_job(report: UpgradeReport, request: UpgradeRequest, values_args: list[str], source: str, target: str) -> list[str]:
    """Commands that render the chart's copy Job for one claim, apply it, and wait for it."""
    render = [
        "helm", "template", report.release, str(request.chart), "-n", report.namespace, *values_args,
        "--show-only", COPY_TEMPLATE,
        "--set", "dataCopy.enabled=true", "--set", f"dataCopy.from={source}", "--set", f"dataCopy.to={target}",
        "--set", "dataCopy.createTarget=true",
    ]
    selector = f"app.kubernetes.io/part-of=data-copy,{instance_selector(report)}"
    return [
        f"{quote(render)} | {quote(['kubectl', 'apply', '-n', report.namespace, '-f', '-'])}",
        quote(["kubectl", "wait", "--for=condition=complete", "job", "-l", selector, "-n", report.namespace, "--timeout=30m"]),
    ]


def old_values_args(request: UpgradeRequest) -> list[str]:
    if request.old_values:
        return [arg for path in request.old_values for arg in ("-f", str(path))]
    return ["-f", f"{request.release}-values.yaml"]


def new_values_args(request: UpgradeRequest) -> list[str]:
    files = [arg for path in request.new_values for arg in ("-f", str(path))]
    return files + [part for flag, text in request.set_flags for part in (flag, text)]


def backup_step(report: UpgradeReport, request: UpgradeRequest, claims: list[Claim]) -> Step:
    step = Step("Back up every claim that holds data into a new claim <name>-backup")
    if not request.old_values:
        step.commands.append(
            f"{quote(['helm', 'get', 'values', report.release, '--all', '-n', report.namespace])} > {shlex.quote(request.release + '-values.yaml')}"
        )
    for claim in claims:
        step.commands += copy_job(report, request, old_values_args(request), claim.name, f"{claim.name}-backup")
    step.notes.append("A volume snapshot (VolumeSnapshot) is a faster backup where the CSI driver supports it.")
    return step


def resize_step(report: UpgradeReport, changes: list[VolumeChange]) -> Step:
    """Grow existing claims in place: a StatefulSet created again does not resize the claims it finds."""
    step = Step(
        "Grow the existing claims to the new size",
        notes=["The StorageClass must allow volume expansion (allowVolumeExpansion: true); a claim can grow but never shrink."],
    )
    for change in changes:
        assert change.after is not None
        patch = f'{{"spec":{{"resources":{{"requests":{{"storage":"{change.after.size}"}}}}}}}}'
        step.commands.append(quote(["kubectl", "patch", "pvc", change.claim, "-n", report.namespace, "-p", patch]))
    return step


def recreate_step(report: UpgradeReport, request: UpgradeRequest, claims: list[Claim]) -> Step:
    step = Step(
        "Recreate the claims whose access mode, StorageClass or size cannot change, and copy the data back from the backups",
        notes=["The new claims are created with the new values' persistence settings, before the upgrade, so the new pods find their data."],
    )
    for claim in claims:
        step.commands.append(quote(["kubectl", "delete", "pvc", claim.name, "-n", report.namespace]))
        step.commands += copy_job(report, request, new_values_args(request), f"{claim.name}-backup", claim.name)
    return step


def upgrade_step(report: UpgradeReport, request: UpgradeRequest) -> Step:
    command = ["helm", "upgrade", report.release, str(request.chart), "-n", report.namespace, *new_values_args(request)]
    notes = []
    if report.type_switch:
        command += ["--set", "typeSwitch.acknowledge=true"]
        notes.append("typeSwitch.acknowledge lets the chart replace the workload kind; set it only for this upgrade.")
    return Step("Upgrade the release", [quote(command)], notes)


def verify_step(report: UpgradeReport) -> Step:
    new = report.after.workload
    commands = []
    if new is not None:
        commands.append(quote(["kubectl", "rollout", "status", f"{new.kind.lower()}/{new.name}", "-n", report.namespace, "--timeout=10m"]))
    commands.append(quote(["kubectl", "get", "pvc", "-l", instance_selector(report), "-n", report.namespace]))
    return Step("Check that the component runs and finds its data", commands)


def cleanup_step(report: UpgradeReport, backups: list[Claim]) -> Step:
    step = Step("Once the data is verified, delete what the upgrade left behind")
    unmounted = [change.claim for change in report.volumes if change.outcome in (Outcome.ORPHANED, Outcome.UNMERGEABLE)]
    unmergeable = [change.claim for change in report.volumes if change.outcome == Outcome.UNMERGEABLE]
    if unmergeable:
        step.notes.append(
            "The claims " + ", ".join(unmergeable) + " hold per-instance data that no longer has an instance. "
            "Merge what you need into the shared volume by hand before you delete them."
        )
    if unmounted:
        step.commands.append(quote(["kubectl", "delete", "pvc", *unmounted, "-n", report.namespace]))
    if backups:
        step.commands.append(quote(["kubectl", "delete", "pvc", *(f"{claim.name}-backup" for claim in backups), "-n", report.namespace]))
        step.commands.append(quote(["kubectl", "delete", "job", "-l", f"app.kubernetes.io/part-of=data-copy,{instance_selector(report)}", "-n", report.namespace]))
    return step
