"""Write the generated part of README.md's "What each type renders" section from `chartgen describe`.

Run from the repository root after a change to the chart templates or to describe:

    .venv/bin/python tools/readme_diagrams.py          # rewrite the part between the markers
    .venv/bin/python tools/readme_diagrams.py --check  # write nothing; exit 1 when README.md is out of date

For each deployment type the script generates a small reference chart with
`chartgen new` in a temporary folder, then runs `chartgen describe` on it: once
as a text tree for the etcd example, and with `--output mermaid` for each type.
Both run as subprocesses of this Python, so they use the helm that chartgen
finds ($HELM_BIN, else helm on PATH, else the pinned Helm 4).
"""

from __future__ import annotations

import argparse
import difflib
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from chartgen.fsio import write_text_atomic

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
START = "<!-- chartgen:diagrams:start -->"
END = "<!-- chartgen:diagrams:end -->"


@dataclass(frozen=True)
class ReferenceChart:
    """A chart that shows what one deployment type renders: how it is generated and which values describe uses."""

    deployment_type: str
    name: str
    new_options: tuple[str, ...]
    describe_options: tuple[str, ...] = ()
    caption: str = ""

    def new_command(self) -> list[str]:
        return ["chartgen", "new", self.name, *self.new_options, "-o", "charts"]

    def describe_command(self, output: str | None = None) -> list[str]:
        command = ["chartgen", "describe", f"charts/{self.name}", "--release", self.name, *self.describe_options]
        return command + (["--output", output] if output else [])


REFERENCE_CHARTS = (
    ReferenceChart(
        "stateful-single", "db",
        ("--type", "stateful-single", "--image", "mysql:8.4.3", "--port", "mysql:3306", "--storage", "10Gi:/var/lib/mysql"),
        caption="One instance with its own claim and a stable DNS name from the headless Service.",
    ),
    ReferenceChart(
        "stateful-multi", "etcd",
        ("--type", "stateful-multi", "--cluster", "--image", "quay.io/coreos/etcd:v3.5.17", "--port", "client:2379",
         "--port", "peer:2380", "--peer-port", "2380", "--storage", "8Gi:/var/lib/etcd"),
        caption="A cluster of 3: one claim and one DNS name per instance, and a PodDisruptionBudget that keeps a majority up.",
    ),
    ReferenceChart(
        "stateless-single", "worker",
        ("--type", "stateless-single", "--image", "ghcr.io/example/worker:2.1.0", "--port", "http:8080", "--storage", "1Gi:/data"),
        caption="One replica that the Recreate strategy stops before its replacement starts, with an optional claim.",
    ),
    ReferenceChart(
        "stateless-multi", "web",
        ("--type", "stateless-multi", "--image", "nginxinc/nginx-unprivileged:1.27.3", "--port", "http:8080",
         "--storage", "5Gi:/srv/shared:ReadWriteMany"),
        ("--set", "autoscaling.enabled=true"),
        caption="Interchangeable replicas, scaled by a HorizontalPodAutoscaler, that share one ReadWriteMany claim.",
    ),
)
TREE_EXAMPLE = "etcd"


def run_chartgen(command: list[str], cwd: Path) -> str:
    """Run a `chartgen ...` command line with this Python's chartgen and return its stdout."""
    result = subprocess.run([sys.executable, "-m", "chartgen", *command[1:]], capture_output=True, text=True, cwd=cwd, check=False)
    if result.returncode != 0:
        raise SystemExit(f"error: `{shlex.join(command)}` failed with exit status {result.returncode}:\n{result.stderr}")
    return result.stdout


def generated_section() -> str:
    """Return the Markdown between the markers, from fresh reference charts."""
    with tempfile.TemporaryDirectory(prefix="chartgen-diagrams-") as folder:
        workdir = Path(folder)
        for chart in REFERENCE_CHARTS:
            run_chartgen(chart.new_command(), workdir)

        tree_chart = next(chart for chart in REFERENCE_CHARTS if chart.name == TREE_EXAMPLE)
        parts = [
            f"The tree of the `{TREE_EXAMPLE}` chart from [Your first chart](#your-first-chart):\n",
            "```console",
            f"$ {shlex.join(tree_chart.describe_command())}",
            run_chartgen(tree_chart.describe_command(), workdir).rstrip("\n"),
            "```\n",
        ]
        for chart in REFERENCE_CHARTS:
            parts += [
                f"### {chart.deployment_type}\n",
                f"{chart.caption}\n",
                "```console",
                f"$ {shlex.join(chart.new_command())}",
                f"$ {shlex.join(chart.describe_command('mermaid'))}",
                "```\n",
                "```mermaid",
                run_chartgen(chart.describe_command("mermaid"), workdir).rstrip("\n"),
                "```\n",
            ]
    return "\n".join(parts)


def replace_section(readme_text: str, section: str) -> str:
    if readme_text.count(START) != 1 or readme_text.count(END) != 1 or readme_text.index(START) > readme_text.index(END):
        raise SystemExit(f"error: {README} must contain {START} once, followed by {END} once.")
    before = readme_text[: readme_text.index(START) + len(START)]
    after = readme_text[readme_text.index(END):]
    return f"{before}\n\n{section}\n{after}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Write nothing; exit 1 when README.md differs from what describe produces.")
    arguments = parser.parse_args(argv)

    current = README.read_text(encoding="utf-8")
    updated = replace_section(current, generated_section())
    if updated == current:
        print(f"{README.name} is up to date.", file=sys.stderr)
        return 0
    if arguments.check:
        diff = difflib.unified_diff(current.splitlines(), updated.splitlines(), "README.md", "generated", lineterm="")
        print("\n".join(diff))
        print(f"{README.name} is out of date. Run `.venv/bin/python tools/readme_diagrams.py` to rewrite it.", file=sys.stderr)
        return 1
    write_text_atomic(README, updated)
    print(f"rewrote the generated part of {README.name}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
