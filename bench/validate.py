"""Time one `chartgen validate` call on many values files against one `helm lint` per file, and compare verdicts.

    .venv/bin/python bench/validate.py [--count 1000] [--seed 0] [--chart DIR] [--quiet-only] [--helm3] [--repeat 3]

Generates a chart with `chartgen new` (or uses --chart), draws COUNT distinct
values files from tests/valuesgen.py (files only: --set flags would apply to
every file of a batch), then:

1. runs `chartgen validate CHART FILE... --layer schema --output json` once,
   as a subprocess, REPEAT times, timing the wall clock of each run, Python's
   start-up included;
2. runs `helm lint CHART -f FILE` once per file, one after another, as a user
   would script it, and times the whole loop (Helm 4.3.1; with --helm3 also
   Helm 3.17.2);
3. compares every file's verdict: chartgen's schema findings against helm
   lint's schema errors.

Prints the machine, both times, their ratio and every verdict that differs.
Exits 1 when a verdict differs or chartgen does not report on every file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import valuesgen  # noqa: E402
from valuesgen import Verdict  # noqa: E402

BIN = Path(sys.executable).parent
CHARTGEN = str(BIN / "chartgen")
HELM4 = REPO / ".tools" / "helm-4.3.1" / "helm"
HELM3 = REPO / ".tools" / "helm-3.17.2" / "helm"
CHART = ["web", "--type", "stateless-multi", "--image", "nginxinc/nginx-unprivileged:1.27.3", "--port", "8080"]
GOAL = 50


def machine() -> list[str]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "unknown")
    return [
        f"machine: {os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}",
        f"python: {platform.python_version()} ({sys.executable})",
        "load average (1, 5, 15 min) before the run: " + ", ".join(f"{load:.2f}" for load in os.getloadavg()),
    ]


def helm_version(helm: Path) -> str:
    return subprocess.run([str(helm), "version", "--template", "{{.Version}}"], capture_output=True, text=True, check=True).stdout.strip()


def time_chartgen(chart: Path, files: list[Path], repeat: int) -> tuple[list[float], subprocess.CompletedProcess[str]]:
    command = valuesgen.chartgen_cli_command(CHARTGEN, chart, files)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
    return times, result


def time_helm_lint(helm: Path, chart: Path, files: list[Path]) -> tuple[float, list[Verdict]]:
    verdicts = []
    started = time.perf_counter()
    for path in files:
        result = subprocess.run([str(helm), "lint", str(chart), "-f", str(path)], capture_output=True, text=True)
        verdicts.append(valuesgen.classify_lint(result.returncode, result.stdout + result.stderr))
    return time.perf_counter() - started, verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="values files (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed: the same seed draws the same files")
    parser.add_argument("--chart", type=Path, help="chart to validate against (default: one made with `chartgen new`)")
    parser.add_argument("--quiet-only", action="store_true", help="only files without odd keys, odd scalars or wrong types")
    parser.add_argument("--helm3", action="store_true", help="also time and compare Helm 3.17.2")
    parser.add_argument("--repeat", type=int, default=3, help="number of chartgen runs to time, of which the median counts (default 3)")
    parser.add_argument("--show", type=int, default=5, help="differing verdicts to print in full (default 5)")
    options = parser.parse_args()

    helms = {"Helm " + helm_version(HELM4): HELM4}
    if options.helm3:
        helms["Helm " + helm_version(HELM3)] = HELM3

    with tempfile.TemporaryDirectory(prefix="chartgen-bench-") as temp:
        workdir = Path(temp)
        for name in ("config", "cache", "data"):
            os.environ[f"HELM_{name.upper()}_HOME"] = str(workdir / "helm" / name)
        chart = options.chart or make_chart(workdir)
        cases = valuesgen.draw_cases(valuesgen.cases(with_flags=False, noisy=not options.quiet_only), options.count, options.seed)
        files = []
        for index, case in enumerate(cases):
            path = workdir / f"values-{index:04d}.yaml"
            path.write_text(case.yaml_text(), encoding="utf-8")
            files.append(path)

        print(*machine(), sep="\n")
        print(f"chart: {options.chart or 'made by chartgen new ' + ' '.join(CHART)}")
        print(f"files: {len(files)} from tests/valuesgen.py, seed {options.seed}, {'quiet cases only' if options.quiet_only else 'quiet and noisy cases'}")
        print(f"chartgen: {' '.join(valuesgen.chartgen_cli_command('chartgen', Path('CHART'), [Path('FILE...')]))}")
        print(f"helm: {', '.join(f'{name} ({path})' for name, path in helms.items())}: `helm lint CHART -f FILE`, once per file, one after another")
        print()

        chartgen_times, result = time_chartgen(chart, files, options.repeat)
        mine = valuesgen.chartgen_cli_verdicts(result.returncode, result.stdout, result.stderr, len(files))
        chartgen_time = statistics.median(chartgen_times)
        print(f"chartgen: {chartgen_time:.2f}s median of {len(chartgen_times)} runs ({', '.join(f'{seconds:.2f}s' for seconds in chartgen_times)}), "
              f"exit {result.returncode}, {sum(1 for verdict in mine if verdict.accepted)} of {len(files)} files valid")
        # Exit status 2 means some files could not be read; the report still has a verdict for every file.
        if len(mine) != len(files) or result.returncode not in (0, 1, 2) or any(verdict.kind == valuesgen.CRASH for verdict in mine):
            print(f"chartgen reported no verdict per file:\n{valuesgen.indent(mine[0].detail if mine else result.stderr)}")
            return 1

        failed = False
        for name, helm in helms.items():
            helm_time, theirs = time_helm_lint(helm, chart, files)
            ratio = helm_time / chartgen_time
            differing = [(path, ours, their) for path, ours, their in zip(files, mine, theirs) if ours.accepted != their.accepted or their.kind == valuesgen.UNCLASSIFIED]
            print(f"{name} lint: {helm_time:.2f}s for {len(files)} files ({1000 * helm_time / len(files):.0f} ms per file), "
                  f"{sum(1 for verdict in theirs if verdict.accepted)} of {len(files)} files valid")
            print(f"ratio: chartgen is {ratio:.1f} times faster than {name} lint per file (goal: {GOAL})")
            print(f"verdicts: {len(files) - len(differing)} agree, {len(differing)} differ")
            for path, ours, their in differing[: options.show]:
                print(f"  {path.name}: chartgen {ours.kind}, {name} lint {their.kind}")
                print(valuesgen.indent(path.read_text(encoding='utf-8'), "      "))
                print(valuesgen.indent(ours.detail or "(no findings)", "    chartgen: "))
                print(valuesgen.indent(their.detail or "(passed)", "    helm: "))
            failed = failed or bool(differing)
            print()
    return 1 if failed else 0


def make_chart(workdir: Path) -> Path:
    result = subprocess.run([CHARTGEN, "new", *CHART, "-o", str(workdir)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"chartgen new failed:\n{result.stderr}")
    return Path(result.stdout.strip())


if __name__ == "__main__":
    sys.exit(main())
