"""chartgen docs: the README values table follows values.yaml and the schema, and --check catches a stale one."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from chartgen.readme import VALUES_END, VALUES_START
from chartgen.yamlio import load_yaml_file
from conftest import REPO_ROOT, describe, run_cli
from test_pre_commit_hook import commit_working_tree, git, git_env  # noqa: F401  (git_env is a fixture)

EXAMPLE_SPECS = sorted((REPO_ROOT / "examples").glob("*.yaml"))
REPLICA_COMMENT = "## @param replicaCount Number of instances."


def run_chartgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run chartgen in its own process, so its log lines on stderr are captured as a user sees them."""
    return subprocess.run([sys.executable, "-m", "chartgen", *args], capture_output=True, text=True, cwd=cwd, check=False)


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    """A freshly generated stateless-multi chart in tmp_path/charts/web."""
    result = run_cli("new", "web", "--type", "stateless-multi", "--image", "nginxinc/nginx-unprivileged:1.27.3", "--port", "8080", "-o", str(tmp_path / "charts"))
    assert result.exit_code == 0, describe(result)
    return tmp_path / "charts" / "web"


def marked_part(readme_text: str) -> str:
    return readme_text[readme_text.index(VALUES_START): readme_text.index(VALUES_END) + len(VALUES_END)]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_new_readme_has_markers(chart: Path) -> None:
    readme = (chart / "README.md").read_text()
    assert readme.count(VALUES_START) == 1
    assert readme.count(VALUES_END) == 1
    assert "| `replicaCount` | integer | `2` |" in marked_part(readme)
    assert "chartgen docs ./web" in readme

    result = run_chartgen("docs", "--check", str(chart), cwd=chart.parent)
    assert result.returncode == 0, output_of(result)
    assert result.stdout == ""
    assert f"{chart / 'README.md'}: up to date" in result.stderr


def test_comment_change_makes_check_fail(chart: Path) -> None:
    readme = chart / "README.md"
    before = readme.read_bytes()
    edit(chart / "values.yaml", REPLICA_COMMENT, "## @param replicaCount How many copies of the component run.")

    result = run_chartgen("docs", "--check", "web", cwd=chart.parent)
    assert result.returncode == 1, output_of(result)
    assert result.stdout.splitlines() == [
        "web/README.md: the values table is out of date",
        "  - `replicaCount`: description changed",
    ]
    assert "Error: 1 of 1 READMEs out of date. Run `chartgen docs web` to regenerate it." in result.stderr
    assert readme.read_bytes() == before, "--check must write nothing"


def test_docs_regenerates_after_comment_change(chart: Path) -> None:
    readme = chart / "README.md"
    edit(chart / "values.yaml", REPLICA_COMMENT, "## @param replicaCount How many copies of the component run.")

    result = run_chartgen("docs", "web", cwd=chart.parent)
    assert result.returncode == 0, output_of(result)
    assert result.stdout == "web/README.md\n"
    assert "update web/README.md" in result.stderr
    assert "| `replicaCount` | integer | `2` | How many copies of the component run. Single types run exactly 1;" in readme.read_text()
    assert "Number of instances." not in readme.read_text()

    again = run_chartgen("docs", "--check", "web", cwd=chart.parent)
    assert again.returncode == 0, output_of(again)
    unchanged = run_chartgen("docs", "web", cwd=chart.parent)
    assert unchanged.returncode == 0, output_of(unchanged)
    assert unchanged.stdout == "", "an up-to-date README must not be rewritten"
    assert "identical web/README.md" in unchanged.stderr


def test_check_names_each_kind_of_change(chart: Path) -> None:
    values = chart / "values.yaml"
    edit(values, "replicaCount: 2", "replicaCount: 3")
    edit(values, "## @param clusterDomain DNS domain", "## clusterDomain: DNS domain")
    edit(values, "## @param nameOverride Replaces", "## @param extraKey A key the table did not have.\nextraKey: 1\n## @param nameOverride Replaces")

    result = run_chartgen("docs", "--check", "web", cwd=chart.parent)
    assert result.returncode == 1, output_of(result)
    changes = result.stdout.splitlines()[1:]
    assert "  - removed `clusterDomain`" in changes
    assert "  - `replicaCount`: default `2` -> `3`" in changes
    assert "  - added `extraKey`" in changes
    assert len(changes) == 3, result.stdout


def test_schema_type_change_is_stale(chart: Path) -> None:
    schema_path = chart / "values.schema.json"
    schema = json.loads(schema_path.read_text())
    assert schema["properties"]["replicaCount"]["type"] == "integer"
    schema["properties"]["replicaCount"]["type"] = "number"
    schema_path.write_text(json.dumps(schema, indent=2))

    result = run_chartgen("docs", "--check", "web", cwd=chart.parent)
    assert result.returncode == 1, output_of(result)
    assert "  - `replicaCount`: type integer -> number" in result.stdout.splitlines()


def test_text_outside_markers_survives(chart: Path) -> None:
    readme = chart / "README.md"
    edit(readme, "## Install\n", "## Install\n\nAsk the platform team for a namespace first.\n")
    readme.write_text("<!-- owned by the data team -->\n" + readme.read_text() + "\n## Operations\n\nRestart with care.\n")
    edited = readme.read_text()
    edit(chart / "values.yaml", REPLICA_COMMENT, "## @param replicaCount How many copies run.")

    result = run_chartgen("docs", "web", cwd=chart.parent)
    assert result.returncode == 0, output_of(result)

    written = readme.read_text()
    old_block, new_block = marked_part(edited), marked_part(written)
    assert old_block != new_block
    assert "How many copies run." in new_block
    assert written == edited.replace(old_block, new_block)


def test_readme_without_markers_gets_section(chart: Path) -> None:
    readme = chart / "README.md"
    readme.write_text("# web\n\nOur own README.\n")

    check = run_chartgen("docs", "--check", "web", cwd=chart.parent)
    assert check.returncode == 1, output_of(check)
    assert "  - no chartgen:values comments, so a Values section with them is added at the end" in check.stdout.splitlines()

    result = run_chartgen("docs", "web", cwd=chart.parent)
    assert result.returncode == 0, output_of(result)
    assert "web/README.md: no chartgen:values comments, so a Values section with them is added at the end" in result.stderr
    text = readme.read_text()
    assert text.startswith("# web\n\nOur own README.\n\n## Values\n\n" + VALUES_START + "\n\n| Key | Type | Default | Description |\n")
    assert text.endswith(VALUES_END + "\n")
    assert run_chartgen("docs", "--check", "web", cwd=chart.parent).returncode == 0


def test_unmarked_table_gets_markers(chart: Path) -> None:
    """A README written before the markers existed keeps its table's place; the comments are put around it."""
    readme = chart / "README.md"
    fresh = readme.read_text()
    unmarked = fresh.replace(VALUES_START + "\n\n", "").replace("\n" + VALUES_END, "")
    assert VALUES_START not in unmarked
    readme.write_text(unmarked)

    check = run_chartgen("docs", "--check", "web", cwd=chart.parent)
    assert check.returncode == 1, output_of(check)
    assert check.stdout.splitlines()[1:] == ["  - no chartgen:values comments, so they are added around the existing values table"]

    result = run_chartgen("docs", "web", cwd=chart.parent)
    assert result.returncode == 0, output_of(result)
    assert "so they are added around the existing values table" in result.stderr
    written = readme.read_text()
    assert marked_part(written) == marked_part(fresh)
    assert written.startswith(fresh[: fresh.index(VALUES_START)] + VALUES_START)
    assert run_chartgen("docs", "--check", "web", cwd=chart.parent).returncode == 0


def test_missing_readme_is_created(chart: Path) -> None:
    readme = chart / "README.md"
    readme.unlink()

    check = run_chartgen("docs", "--check", "web", cwd=chart.parent)
    assert check.returncode == 1, output_of(check)
    assert not readme.exists()

    result = run_chartgen("docs", "web", cwd=chart.parent)
    assert result.returncode == 0, output_of(result)
    assert "create web/README.md" in result.stderr
    assert readme.read_text().startswith("# web\n\n## Values\n\n" + VALUES_START)


def test_crlf_readme_keeps_line_endings(chart: Path) -> None:
    readme = chart / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"\n", b"\r\n"))
    assert run_chartgen("docs", "--check", "web", cwd=chart.parent).returncode == 0

    edit(chart / "values.yaml", REPLICA_COMMENT, "## @param replicaCount How many copies run.")
    result = run_chartgen("docs", "web", cwd=chart.parent)
    assert result.returncode == 0, output_of(result)
    written = readme.read_bytes()
    assert b"How many copies run." in written
    assert b"\n" not in written.replace(b"\r\n", b"")


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda text: text.replace(VALUES_END, ""), id="no-end"),
        pytest.param(lambda text: text.replace(VALUES_START, ""), id="no-start"),
        pytest.param(lambda text: text + "\n" + VALUES_START + "\n", id="two-starts"),
        pytest.param(lambda text: text.replace(VALUES_START, "@@").replace(VALUES_END, VALUES_START).replace("@@", VALUES_END), id="swapped"),
    ],
)
def test_broken_markers_exit_2(chart: Path, broken: object) -> None:
    readme = chart / "README.md"
    readme.write_text(broken(readme.read_text()))  # type: ignore[operator]
    before = readme.read_bytes()

    for args in (["docs", "web"], ["docs", "--check", "web"]):
        result = run_chartgen(*args, cwd=chart.parent)
        assert result.returncode == 2, output_of(result)
        assert VALUES_START in result.stderr
        assert VALUES_END in result.stderr
        assert readme.read_bytes() == before


def test_not_a_chart_exits_2(chart: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_values = tmp_path / "no-values"
    no_values.mkdir()
    (no_values / "Chart.yaml").write_text("apiVersion: v2\nname: no-values\nversion: 0.1.0\n")

    cases = [
        (empty, "is not a chart: it has no Chart.yaml"),
        (no_values, "has no values.yaml"),
        (chart / "values.yaml", "is a file"),
        (tmp_path / "missing", "does not exist"),
    ]
    for folder, message in cases:
        result = run_chartgen("docs", str(folder), cwd=tmp_path)
        assert result.returncode == 2, output_of(result)
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_bad_folder_writes_nothing(chart: Path, tmp_path: Path) -> None:
    """Every chart is read before any README is written."""
    readme = chart / "README.md"
    edit(chart / "values.yaml", REPLICA_COMMENT, "## @param replicaCount How many copies run.")
    before = readme.read_bytes()
    empty = tmp_path / "empty"
    empty.mkdir()

    result = run_chartgen("docs", str(chart), str(empty), cwd=tmp_path)
    assert result.returncode == 2, output_of(result)
    assert readme.read_bytes() == before


def test_check_names_only_stale_charts(tmp_path: Path) -> None:
    charts = tmp_path / "charts"
    for name in ("api", "db"):
        result = run_cli("new", name, "--type", "stateful-single", "--image", "mysql:8.4.3", "-o", str(charts))
        assert result.exit_code == 0, describe(result)
    edit(charts / "db" / "values.yaml", "## @param clusterDomain DNS domain", "## @param clusterDomain The DNS domain")

    result = run_chartgen("docs", "--check", "charts/api", "charts/db", cwd=tmp_path)
    assert result.returncode == 1, output_of(result)
    assert result.stdout.splitlines() == ["charts/db/README.md: the values table is out of date", "  - `clusterDomain`: description changed"]
    assert "Error: 1 of 2 READMEs out of date. Run `chartgen docs charts/db` to regenerate it." in result.stderr


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=lambda path: path.stem)
def test_example_charts_pass_check(spec: Path, tmp_path: Path) -> None:
    result = run_cli("new", "--from", str(spec), "-o", str(tmp_path))
    assert result.exit_code == 0, describe(result)
    chart = Path(result.stdout.strip())

    check = run_cli("docs", "--check", str(chart))
    assert check.exit_code == 0, describe(check)

    before = (chart / "README.md").read_bytes()
    rewrite = run_cli("docs", str(chart))
    assert rewrite.exit_code == 0, describe(rewrite)
    assert rewrite.stdout == ""
    assert (chart / "README.md").read_bytes() == before


def test_table_lists_every_param_comment(chart: Path) -> None:
    params = re.findall(r"## @param (\S+) ", (chart / "values.yaml").read_text())
    rows = re.findall(r"^\| `([^`]+)` \|", marked_part((chart / "README.md").read_text()), re.MULTILINE)
    assert rows == params


# --- the pre-commit hook ---------------------------------------------------------------------------


def docs_hook() -> dict[str, object]:
    hooks = load_yaml_file(REPO_ROOT / ".pre-commit-hooks.yaml")
    matching = [hook for hook in hooks if hook["id"] == "chartgen-docs"]
    assert len(matching) == 1, [hook["id"] for hook in hooks]
    return matching[0]


def test_hook_entry_runs_check() -> None:
    hook = docs_hook()
    assert hook["entry"] == "chartgen docs --check"
    assert hook["language"] == "python"
    # The chart folders come from `args`; file names passed by pre-commit would be taken as charts.
    assert hook["pass_filenames"] is False


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("charts/web/values.yaml", True),
        ("charts/web/values.schema.json", True),
        ("charts/web/README.md", True),
        ("values.yaml", True),
        ("charts/web/values-prod.yaml", False),
        ("charts/web/ci/default-values.yaml", False),
        ("charts/web/templates/service.yaml", False),
        ("docs/README.md.orig", False),
    ],
)
def test_hook_files_pattern(path: str, matches: bool) -> None:
    assert bool(re.search(str(docs_hook()["files"]), path)) is matches


def test_hook_entry_as_command(chart: Path) -> None:
    command = [*shlex.split(str(docs_hook()["entry"])), "web"]
    assert command[0] == "chartgen"

    result = run_chartgen(*command[1:], cwd=chart.parent)
    assert result.returncode == 0, output_of(result)
    edit(chart / "values.yaml", REPLICA_COMMENT, "## @param replicaCount How many copies run.")
    result = run_chartgen(*command[1:], cwd=chart.parent)
    assert result.returncode == 1, output_of(result)


def test_hook_runs_in_pre_commit(git_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    hook_repo = tmp_path / "chartgen"
    revision = commit_working_tree(hook_repo, git_env)

    charts_repo = tmp_path / "charts-repo"
    charts_repo.mkdir()
    git(["init", "--quiet"], charts_repo, git_env)
    result = subprocess.run([sys.executable, "-m", "chartgen", "new", "web", "--type", "stateless-multi", "--image", "nginx:1.27", "-o", "charts"],
                            capture_output=True, text=True, cwd=charts_repo, env=git_env, check=False)
    assert result.returncode == 0, output_of(result)
    (charts_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {hook_repo}\n"
        f"    rev: {revision}\n"
        f"    hooks:\n"
        f"      - id: chartgen-docs\n"
        f"        args: [charts/web]\n"
    )
    git(["add", "--all"], charts_repo, git_env)

    pre_commit = [sys.executable, "-m", "pre_commit", "run", "chartgen-docs", "--files"]
    result = subprocess.run([*pre_commit, "charts/web/values.yaml"], capture_output=True, text=True, cwd=charts_repo, env=git_env, check=False)
    assert result.returncode == 0, output_of(result)
    assert "Passed" in result.stdout

    edit(charts_repo / "charts" / "web" / "values.yaml", REPLICA_COMMENT, "## @param replicaCount How many copies run.")
    git(["add", "--all"], charts_repo, git_env)
    result = subprocess.run([*pre_commit, "charts/web/values.yaml"], capture_output=True, text=True, cwd=charts_repo, env=git_env, check=False)
    assert result.returncode == 1, output_of(result)
    assert "charts/web/README.md: the values table is out of date" in result.stdout
    assert "`replicaCount`: description changed" in result.stdout

    # A change to a file outside the hook's pattern does not run it.
    result = subprocess.run([*pre_commit, "charts/web/templates/web-service.yaml"], capture_output=True, text=True, cwd=charts_repo, env=git_env, check=False)
    assert result.returncode == 0, output_of(result)
    assert "(no files to check)" in result.stdout
