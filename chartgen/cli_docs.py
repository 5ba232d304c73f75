"""Command line of `chartgen docs` and `chartgen describe`: options only."""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

import click

from chartgen.describe import DescribeRequest, describe_chart, render_json, render_mermaid, render_text
from chartgen.docs import ReadmeUpdate, plan_update
from chartgen.errors import FindingsError

log = logging.getLogger(__name__)


@click.command("docs")
@click.argument("charts", metavar="CHART...", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--check", is_flag=True, help="Write nothing. Exit with status 1 when a README's values table is out of date.")
def docs(charts: tuple[Path, ...], check: bool) -> None:
    """Regenerate the values table in the README.md of each CHART folder.

    The table is built from the `## @param` comments of the chart's values.yaml
    and the types in its values.schema.json, and written between the HTML
    comments chartgen:values:start and chartgen:values:end. The rest of the
    README is kept. A README without these comments gets them
    around its values table, or a new Values section at its end. The paths of
    the READMEs written are printed on stdout.

    \b
    Exit status: 0 when every table is up to date or was written, 1 with
    --check when a table is out of date, 2 for a folder that is not a chart
    or has no values.yaml.
    """
    # Every chart is read before anything is written, so a bad folder leaves all READMEs as they were.
    updates = [plan_update(chart) for chart in charts]
    if check:
        check_updates(updates)
        return

    for update in updates:
        for note in update.notes:
            log.warning("%s: %s", update.readme, note)
        if not update.stale:
            log.info("identical %s", update.readme)
            continue
        update.write()
        log.info("%s %s", "create" if update.old_text is None else "update", update.readme)
        click.echo(str(update.readme))


def check_updates(updates: list[ReadmeUpdate]) -> None:
    stale = [update for update in updates if update.stale]
    for update in updates:
        if not update.stale:
            log.info("%s: up to date", update.readme)
    for update in stale:
        click.echo(f"{update.readme}: the values table is out of date")
        for change in update.changes():
            click.echo(f"  - {change}")

    if stale:
        command = shlex.join(["chartgen", "docs", *(str(update.chart) for update in stale)])
        them = "it" if len(stale) == 1 else "them"
        raise FindingsError(f"{len(stale)} of {len(updates)} READMEs out of date. Run `{command}` to regenerate {them}.")


SET_FLAG_HELP = "Set a value as helm {flag} does (KEY=VALUE, comma-separated pairs). Repeatable."


@click.command("describe")
@click.argument("chart", type=click.Path(path_type=Path, exists=True))
@click.option("-f", "--values", "values_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False), help="Values file, merged in order as helm -f does. Repeatable.")
@click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE", help=SET_FLAG_HELP.format(flag="--set"))
@click.option("--set-string", "set_strings", multiple=True, metavar="KEY=VALUE", help=SET_FLAG_HELP.format(flag="--set-string") + " Every value stays a string.")
@click.option("--set-json", "set_jsons", multiple=True, metavar="KEY=JSON", help="Set a value from JSON, as helm --set-json does. Repeatable.")
@click.option("--release", metavar="NAME", help="Release name to render with (default: release-name).")
@click.option("-n", "--namespace", default="default", show_default=True, help="Namespace to render with. It is part of every DNS name.")
@click.option("-o", "--output", "output_format", type=click.Choice(["text", "json", "mermaid"]), default="text", show_default=True, help="text: a tree; json: the same tree for tools; mermaid: a flowchart for Markdown.")
def describe(
    chart: Path,
    values_files: tuple[Path, ...],
    set_values: tuple[str, ...],
    set_strings: tuple[str, ...],
    set_jsons: tuple[str, ...],
    release: str | None,
    namespace: str,
    output_format: str,
) -> None:
    """Print the objects CHART renders with the given values, as a tree.

    The chart is rendered with `helm template`. The tree shows the workload,
    each StatefulSet pod with its DNS name and its own claims, the claims a
    Deployment shares, the Services with their ports, and the
    PodDisruptionBudget, HorizontalPodAutoscaler and ServiceAccount.

    \b
    Examples:
      chartgen describe charts/etcd
      chartgen describe charts/web --set autoscaling.enabled=true --output json
      chartgen describe charts/db --release db --output mermaid

    \b
    Exit status: 0 when the chart renders, 1 when helm fails, 2 for usage
    errors and unreadable values files.
    """
    request = DescribeRequest(
        chart=chart,
        values_files=list(values_files),
        set_flags=[("--set-json", text) for text in set_jsons] + [("--set", text) for text in set_values] + [("--set-string", text) for text in set_strings],
        release=release,
        namespace=namespace,
    )
    description = describe_chart(request)
    renderers = {"text": render_text, "json": render_json, "mermaid": render_mermaid}
    click.echo(renderers[output_format](description), nl=False)
