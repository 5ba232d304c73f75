"""Command line of `chartgen docs` and `chartgen describe`: options only."""

from __future__ import annotations

import click


@click.command("docs")
def docs() -> None:
    """Regenerate a chart's README values table."""
    raise click.UsageError("chartgen docs is not implemented yet.")


@click.command("describe")
def describe() -> None:
    """Print the objects a chart renders as a tree."""
    raise click.UsageError("chartgen describe is not implemented yet.")
