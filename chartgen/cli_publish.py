"""Command line of `chartgen package` and `chartgen publish`: options only."""

from __future__ import annotations

import click


@click.command("package")
def package() -> None:
    """Package charts into archives."""
    raise click.UsageError("chartgen package is not implemented yet.")


@click.command("publish")
def publish() -> None:
    """Publish packaged charts to a chart repository."""
    raise click.UsageError("chartgen publish is not implemented yet.")
