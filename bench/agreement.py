"""Count the values cases on which chartgen's schema layer and helm disagree. The count must be 0.

    .venv/bin/python bench/agreement.py [COUNT] [--seed N] [--workers N] [--show N] [--cli]

Draws COUNT distinct cases (default 2000) from tests/valuesgen.py, the
generator tests/test_agreement.py uses, half on charts/base and half on a
cluster chart made with `chartgen new`. Each case is rendered by
`helm template` on Helm 4.3.1 and Helm 3.17.2 (or $HELM_BIN alone), WORKERS
helm processes at a time, and checked by chartgen's schema layer: in-process by
default, or with one `chartgen validate FILE --layer schema --output json`
process per case with --cli. Prints the counts, every kind of disagreement
with how often it occurred, and the first SHOW disagreements in full. Exits 1
when any case disagrees.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import valuesgen  # noqa: E402
from valuesgen import Case, Comparison, Verdict  # noqa: E402

BIN = Path(sys.executable).parent
CHARTGEN = str(BIN / "chartgen")
PINNED = {"4.3.1": REPO / ".tools" / "helm-4.3.1" / "helm", "3.17.2": REPO / ".tools" / "helm-3.17.2" / "helm"}
CLUSTER_CHART = ["etcd", "--type", "stateful-multi", "--cluster", "--image", "quay.io/coreos/etcd:v3.5.17",
                 "--port", "client:2379", "--port", "peer:2380", "--peer-port", "2380", "--storage", "8Gi:/var/lib/etcd"]


def helms() -> dict[str, str]:
    explicit = os.environ.get("HELM_BIN")
    if explicit:
        version = subprocess.run([explicit, "version", "--template", "{{.Version}}"], capture_output=True, text=True, check=True).stdout
        return {version.strip().lstrip("v"): explicit}
    missing = [str(path) for path in PINNED.values() if not path.is_file()]
    if missing:
        sys.exit(f"helm is missing at {', '.join(missing)}. Run `make setup` first, or set HELM_BIN.")
    return {version: str(path) for version, path in PINNED.items()}


def make_charts(workdir: Path) -> list[Path]:
    result = subprocess.run([CHARTGEN, "new", *CLUSTER_CHART, "-o", str(workdir)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"chartgen new failed:\n{result.stderr}")
    return [REPO / "charts" / "base", Path(result.stdout.strip())]


def run_helm(helm: str, chart: Path, values_file: Path, case: Case) -> Verdict:
    result = subprocess.run(valuesgen.helm_command(helm, chart, values_file, case), capture_output=True, text=True)
    return valuesgen.classify_helm(result.returncode, result.stderr)


def run_chartgen_cli(chart: Path, values_file: Path, case: Case) -> Verdict:
    command = valuesgen.chartgen_cli_command(CHARTGEN, chart, [values_file], case.flag_args())
    result = subprocess.run(command, capture_output=True, text=True)
    return valuesgen.chartgen_cli_verdicts(result.returncode, result.stdout, result.stderr, 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=2000, help="number of distinct cases (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed: the same seed draws the same cases")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="helm processes at a time (default: the number of CPUs)")
    parser.add_argument("--show", type=int, default=5, help="disagreements to print in full (default 5)")
    parser.add_argument("--cli", action="store_true", help="run chartgen as a command per case instead of in-process")
    options = parser.parse_args()

    versions = helms()
    started = time.perf_counter()
    cases = valuesgen.draw_cases(valuesgen.cases(), options.count, options.seed)
    drawn = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="chartgen-agreement-") as temp:
        workdir = Path(temp)
        for name in ("config", "cache", "data"):
            os.environ[f"HELM_{name.upper()}_HOME"] = str(workdir / "helm" / name)
        charts = make_charts(workdir)
        files = []
        for index, case in enumerate(cases):
            path = workdir / f"case-{index:05d}.yaml"
            path.write_text(case.yaml_text(), encoding="utf-8")
            files.append(path)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            helm_runs: list[dict[str, Future[Verdict]]] = [
                {version: pool.submit(run_helm, path, charts[index % 2], files[index], case) for version, path in versions.items()}
                for index, case in enumerate(cases)
            ]
            if options.cli:
                mine_runs = [pool.submit(run_chartgen_cli, charts[index % 2], files[index], case) for index, case in enumerate(cases)]
                mine = [future.result() for future in mine_runs]
            else:
                # In-process checks share the interpreter, so they run here, one after another, while helm runs.
                mine = [valuesgen.chartgen_verdict(charts[index % 2], files[index], case) for index, case in enumerate(cases)]
            comparisons = [
                Comparison(case, charts[index % 2], mine[index], {version: future.result() for version, future in helm_runs[index].items()})
                for index, case in enumerate(cases)
            ]
        elapsed = time.perf_counter() - started
        report(comparisons, options, versions, drawn, elapsed)
    return 0 if all(comparison.agrees for comparison in comparisons) else 1


def report(comparisons: list[Comparison], options: argparse.Namespace, versions: dict[str, str], drawn: float, elapsed: float) -> None:
    disagreeing = [comparison for comparison in comparisons if not comparison.agrees]
    other_stage = [comparison for comparison in comparisons if comparison.agrees and not comparison.same_stage]
    helm_split = [comparison for comparison in comparisons if len({verdict.accepted for verdict in comparison.helm.values()}) > 1]
    accepted = sum(1 for comparison in comparisons if comparison.chartgen.accepted)
    template_fails = sum(1 for comparison in comparisons if any(verdict.kind == valuesgen.TEMPLATE_FAIL for verdict in comparison.helm.values()))

    print(f"helm: {', '.join(f'{version} ({path})' for version, path in versions.items())}")
    print(f"chartgen: {'one `chartgen validate` process per case' if options.cli else 'in-process, schema layer only'}")
    print(f"cases: {len(comparisons)} (seed {options.seed}, drawn in {drawn:.1f}s, compared in {elapsed:.1f}s with {options.workers} workers)")
    print(f"  accepted by chartgen: {accepted}; rejected: {len(comparisons) - accepted}")
    print(f"  helm stopped by the chart's own `fail` after the schema passed: {template_fails}")
    print(f"  rejected by both, but at a different stage (reading the input vs the schema): {len(other_stage)}")
    print(f"  helm versions disagreeing with each other: {len(helm_split)}")
    print(f"agreements: {len(comparisons) - len(disagreeing)}")
    print(f"disagreements: {len(disagreeing)}")

    outcomes = collections.Counter(comparison.signature() for comparison in comparisons)
    print("\noutcomes:")
    for signature, count in outcomes.most_common():
        print(f"  {count:6d}  {signature}{'' if all(c.agrees for c in comparisons if c.signature() == signature) else '   <- disagreement'}")

    if other_stage:
        print("\nfirst case rejected at a different stage:")
        print(valuesgen.indent(other_stage[0].explain()))
    for number, comparison in enumerate(disagreeing[: options.show], 1):
        print(f"\ndisagreement {number} of {len(disagreeing)}:")
        print(valuesgen.indent(comparison.explain()))


if __name__ == "__main__":
    sys.exit(main())
