"""The command line: options only. The work happens in the engine modules."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from chartgen import DEPLOYMENT_TYPES, __version__
from chartgen.errors import ChartgenError, FindingsError, UsageError
from chartgen.findings import Layer, Severity, ValidationReport
from chartgen.generate import generate_chart
from chartgen.kube import newest_kube_version
from chartgen.migration import migration_plan
from chartgen.reporters import render_json, render_junit, render_text, render_upgrade_json, render_upgrade_text
from chartgen.spec import (
    ComponentSpec,
    check_spec,
    default_replicas,
    load_spec_file,
    parse_image,
    parse_port,
    parse_storage,
)
from chartgen.upgrade import UpgradeRequest, check_upgrade
from chartgen.validate import ALL_LAYERS, ValidateRequest
from chartgen.validate import validate as run_validation


class ReportedError(click.ClickException):
    """A ChartgenError on its way out: click prints "Error: <message>" and exits with its status."""

    def __init__(self, error: ChartgenError) -> None:
        super().__init__(error.message)
        self.exit_code = error.exit_code


# Commands defined in their own modules, imported only when they run, so that
# `chartgen validate` on a batch of files does not pay for them at start-up.
LAZY_COMMANDS = {
    "package": "chartgen.cli_publish:package",
    "publish": "chartgen.cli_publish:publish",
    "docs": "chartgen.cli_docs:docs",
    "describe": "chartgen.cli_docs:describe",
}


class ChartgenGroup(click.Group):
    """Turns every ChartgenError raised by a command into an exit, in this one place."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name].split(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChartgenError as error:
            if not error.message:
                # The report on stdout already lists the findings.
                ctx.exit(error.exit_code)
            raise ReportedError(error) from error


def configure_logging(verbose: int, quiet: int) -> None:
    level = {0: logging.ERROR, 1: logging.INFO}.get(1 + verbose - quiet, logging.DEBUG if verbose else logging.ERROR)
    logging.basicConfig(level=level, format="%(message)s")


@click.group(cls=ChartgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="chartgen")
@click.option("-v", "--verbose", count=True, help="Print more progress on stderr; repeat for debug output.")
@click.option("-q", "--quiet", count=True, help="Print less progress on stderr.")
def cli(verbose: int, quiet: int) -> None:
    """Generate Helm charts for one application component, and check their values."""
    configure_logging(verbose, quiet)


@cli.command()
@click.argument("name", required=False)
@click.option("--type", "deployment_type", metavar="TYPE", help=f"Deployment type: {', '.join(DEPLOYMENT_TYPES)}.")
@click.option("--image", metavar="REPO[:TAG][@DIGEST]", help="Container image. The tag becomes the chart's appVersion.")
@click.option("--port", "ports", metavar="[NAME:]PORT[/PROTOCOL]", multiple=True, help="Container port, also exposed by the Service. Repeatable.")
@click.option("--replicas", type=int, help="Number of instances. Default: 1, 2 for multi types, 3 for a cluster.")
@click.option("--storage", metavar="SIZE:MOUNT_PATH[:ACCESS_MODE]", help="Data volume, for example 10Gi:/var/lib/data:ReadWriteOnce.")
@click.option("--storage-class", metavar="NAME", help="StorageClass of the data volume. Default: the cluster's default class.")
@click.option("--cluster", is_flag=True, help="Run stateful-multi instances as a quorum cluster: odd count, parallel start, PEERS.")
@click.option("--peer-port", type=int, metavar="PORT", help="With --cluster: port appended to every PEERS entry.")
@click.option("--description", metavar="TEXT", help="One-line description for Chart.yaml and the README.")
@click.option("--from", "spec_file", type=click.Path(path_type=Path, dir_okay=False), help="Read the component from a spec file instead of options.")
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True, help="Folder to write the chart folder NAME/ into.")
@click.option("--force", is_flag=True, help="Replace an existing chart folder.")
def new(
    name: str | None,
    deployment_type: str | None,
    image: str | None,
    ports: tuple[str, ...],
    replicas: int | None,
    storage: str | None,
    storage_class: str | None,
    cluster: bool,
    peer_port: int | None,
    description: str | None,
    spec_file: Path | None,
    output_dir: Path,
    force: bool,
) -> None:
    """Write a complete chart for component NAME into OUTPUT/NAME/.

    \b
    Examples:
      chartgen new web --type stateless-multi --image nginxinc/nginx-unprivileged:1.27 --port 8080
      chartgen new etcd --type stateful-multi --cluster --image quay.io/coreos/etcd:v3.5.17 \\
          --port client:2379 --port peer:2380 --peer-port 2380 --storage 8Gi:/var/lib/etcd
      chartgen new --from examples/mysql.yaml -o out
    """
    options = {
        "NAME": name, "--type": deployment_type, "--image": image, "--port": ports, "--replicas": replicas,
        "--storage": storage, "--storage-class": storage_class, "--cluster": cluster, "--peer-port": peer_port,
        "--description": description,
    }
    if spec_file:
        given = [option for option, value in options.items() if value]
        if given:
            raise UsageError(f"--from reads the whole component from {spec_file}. Drop --from, or drop {' and '.join(given)}.")
        spec = load_spec_file(spec_file)
    else:
        spec = spec_from_options(name, deployment_type, image, ports, replicas, storage, storage_class, cluster, peer_port, description)

    chart_dir = generate_chart(spec, output_dir, force=force)
    click.echo(str(chart_dir))


def spec_from_options(
    name: str | None,
    deployment_type: str | None,
    image: str | None,
    ports: tuple[str, ...],
    replicas: int | None,
    storage: str | None,
    storage_class: str | None,
    cluster: bool,
    peer_port: int | None,
    description: str | None,
) -> ComponentSpec:
    missing = [option for option, value in (("NAME", name), ("--type", deployment_type), ("--image", image)) if not value]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}. Give NAME, --type and --image, or a spec file with --from.")
    # The check above guarantees these; the narrowing is for the type checker.
    assert name is not None and deployment_type is not None and image is not None

    if peer_port is not None and not cluster:
        raise UsageError("--peer-port is set without --cluster. Add --cluster or drop --peer-port.")
    stateful = deployment_type.startswith("stateful-")
    if storage_class and not storage and not stateful:
        raise UsageError("--storage-class is set without --storage. Add --storage SIZE:MOUNT_PATH.")

    spec = ComponentSpec(
        name=name,
        deployment_type=deployment_type,
        image=parse_image(image),
        replicas=replicas if replicas is not None else default_replicas(deployment_type, cluster),
        cluster=cluster,
        peer_port=peer_port,
        ports=[parse_port(text, index) for index, text in enumerate(ports)],
        description=description or "",
    )
    if storage:
        spec.storage = parse_storage(storage, storage_class)
    elif storage_class:
        # Stateful types get the chart's default volume; the class applies to it.
        spec.values = {"persistence": {"storageClass": storage_class}}
    check_spec(spec)
    return spec


SET_FLAG_HELP = "Set a value as helm {flag} does (KEY=VALUE, comma-separated pairs). Repeatable."


def use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


@cli.command()
@click.argument("chart", type=click.Path(path_type=Path, exists=True))
@click.argument("cases", metavar="[CASE_FILE]...", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("-f", "--values", "values_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Values file merged into every case, in order, as helm -f does. Repeatable.")
@click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE", help=SET_FLAG_HELP.format(flag="--set"))
@click.option("--set-string", "set_strings", multiple=True, metavar="KEY=VALUE", help=SET_FLAG_HELP.format(flag="--set-string") + " Every value stays a string.")
@click.option("--set-json", "set_jsons", multiple=True, metavar="KEY=JSON", help="Set a value from JSON, as helm --set-json does. Repeatable.")
@click.option("--subchart", metavar="ALIAS", help="The values are a parent chart's: check the subtree under this dependency name or alias.")
@click.option("--kube-version", "kube_versions", multiple=True, metavar="VERSION", help="Kubernetes version to validate rendered objects against, such as 1.29. Repeatable. Default: the newest kubernetes-validate has.")
@click.option("--layer", "layers", multiple=True, type=click.Choice([layer.value for layer in ALL_LAYERS]), help="Run only these checks. Repeatable. Default: schema, rules and manifests.")
@click.option("--release", "release_name", metavar="NAME", help="Release name to render with (default: release-name). Given, it makes the name-length rule exact.")
@click.option("-n", "--namespace", default="default", show_default=True, help="Namespace used to render.")
@click.option("-o", "--output", "output_format", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True, help="Report format on stdout.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True, help="Exit with status 1 when a finding of this severity or above exists.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the text report. auto: only on a terminal, and never when NO_COLOR is set.")
def validate(
    chart: Path,
    cases: tuple[Path, ...],
    values_files: tuple[Path, ...],
    set_values: tuple[str, ...],
    set_strings: tuple[str, ...],
    set_jsons: tuple[str, ...],
    subchart: str | None,
    kube_versions: tuple[str, ...],
    layers: tuple[str, ...],
    release_name: str | None,
    namespace: str,
    output_format: str,
    fail_on: str,
    color: str,
) -> None:
    """Check values for CHART: schema, rules, and the objects helm renders.

    The -f files and --set flags are merged as helm merges them. Each
    CASE_FILE is then checked on its own, on top of them, so one call can check
    many values files with the schema compiled once.

    \b
    Exit status: 0 when no finding reaches --fail-on, 1 when one does,
    2 for usage errors and unreadable files.
    """
    request = ValidateRequest(
        chart=chart,
        values_files=list(values_files),
        set_flags=[("--set-json", text) for text in set_jsons] + [("--set", text) for text in set_values] + [("--set-string", text) for text in set_strings],
        batch_files=list(cases),
        subchart=subchart,
        layers=tuple(Layer(layer) for layer in layers) or ALL_LAYERS,
        kube_versions=list(kube_versions),
        release_name=release_name,
        namespace=namespace,
    )
    if Layer.MANIFESTS in request.layers and not request.kube_versions:
        request.kube_versions = [newest_kube_version()]
    threshold = Severity[fail_on.upper()]

    report = run_with_progress(request)
    if output_format == "json":
        click.echo(render_json(report, threshold), nl=False)
    elif output_format == "junit":
        click.echo(render_junit(report, threshold), nl=False)
    else:
        click.echo(render_text(report, use_color(color)), nl=False, color=use_color(color))

    if any(finding.layer == Layer.INPUT for case in report.cases for finding in case.findings):
        # An unreadable case file is a usage error, reported with the other cases' findings.
        raise UsageError("")
    if report.fails(threshold):
        raise FindingsError("") from None


def run_with_progress(request: ValidateRequest) -> ValidationReport:
    """Validate, with a progress bar on stderr when it is a terminal and the batch is large."""
    if len(request.batch_files) < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        return run_validation(request)
    with click.progressbar(length=len(request.batch_files), label="Checking values", file=sys.stderr) as bar:
        return run_validation(request, progress=bar.update)


PROGRESS_THRESHOLD = 50


@cli.command("check-upgrade")
@click.argument("chart", type=click.Path(path_type=Path, exists=True))
@click.option("--from", "old_values", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Values the release runs with. Repeatable. Without it, --release reads them from the cluster.")
@click.option("--to", "new_values", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Values of the upgrade. Repeatable.")
@click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE", help="Set a value of the upgrade, as helm --set does. Repeatable.")
@click.option("--set-string", "set_strings", multiple=True, metavar="KEY=VALUE", help="Set a string value of the upgrade, as helm --set-string does. Repeatable.")
@click.option("--release", metavar="NAME", help="Release name. Without --from, its values are read with `helm get values --all`, which needs a cluster.")
@click.option("-n", "--namespace", default="default", show_default=True, help="Namespace of the release.")
@click.option("--plan", is_flag=True, help="Also print the ordered kubectl and helm commands for an unsafe upgrade.")
@click.option("-o", "--output", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format on stdout.")
def check_upgrade_command(
    chart: Path,
    old_values: tuple[Path, ...],
    new_values: tuple[Path, ...],
    set_values: tuple[str, ...],
    set_strings: tuple[str, ...],
    release: str | None,
    namespace: str,
    plan: bool,
    output_format: str,
) -> None:
    """Show what upgrading CHART from one set of values to another does to its data.

    Each claim is reported as reused, orphaned (kept but no longer mounted),
    deleted, new (created empty) or unmergeable (per-instance data that cannot
    become one shared volume). The workload fields the API server cannot change
    are listed too.

    \b
    Exit status: 0 when the upgrade is safe, 1 when it would lose or orphan
    data or fail, 2 for usage errors.
    """
    request = UpgradeRequest(
        chart=chart,
        new_values=list(new_values),
        old_values=list(old_values),
        set_flags=[("--set", text) for text in set_values] + [("--set-string", text) for text in set_strings],
        release=release,
        namespace=namespace,
    )
    report = check_upgrade(request)
    steps = migration_plan(report, request) if plan else None

    if output_format == "json":
        click.echo(render_upgrade_json(report, steps), nl=False)
    else:
        click.echo(render_upgrade_text(report, steps), nl=False)
    if not report.safe:
        raise FindingsError("")


def main() -> None:
    cli(prog_name="chartgen")
