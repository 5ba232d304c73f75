"""The chartgen-validate hook of .pre-commit-hooks.yaml, run by the real pre-commit on a chart repository made here.

pre-commit builds the hook's environment with pip, so the test reaches PyPI (or the index pip is set up to use).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import HELMS, REPO_ROOT

CHART_FILES = [
    "charts/web/Chart.yaml",
    "charts/web/templates/service.yaml",
    "charts/web/values.yaml",
    "charts/web/values-prod.yaml",
]


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, check=False)


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


@pytest.fixture
def git_env(tmp_path: Path) -> dict[str, str]:
    """An environment for git and pre-commit that ignores the user's git configuration and pre-commit cache."""
    empty_config = tmp_path / "gitconfig"
    empty_config.write_text("")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(empty_config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "chartgen tests",
        "GIT_AUTHOR_EMAIL": "tests@chartgen.invalid",
        "GIT_COMMITTER_NAME": "chartgen tests",
        "GIT_COMMITTER_EMAIL": "tests@chartgen.invalid",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        # The hook's chartgen is a wheel in pre-commit's own virtualenv, which cannot see .tools/.
        "HELM_BIN": HELMS[0].path,
    }


def git(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = run(["git", *args], cwd, env)
    assert result.returncode == 0, describe(result)
    return result.stdout


def commit_working_tree(destination: Path, env: dict[str, str]) -> str:
    """Copy this checkout's tracked files and its files that .gitignore does not exclude into a new repository, and commit them.

    pre-commit clones a hook repository at a commit, so the hook under test has to be committed somewhere
    other than this checkout, which the test leaves alone. Return the commit id.
    """
    listed = git(["ls-files", "--cached", "--others", "--exclude-standard", "-z"], REPO_ROOT, env)
    destination.mkdir()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    git(["init", "--quiet"], destination, env)
    git(["add", "--all"], destination, env)
    git(["commit", "--quiet", "--message", "chartgen under test"], destination, env)
    return git(["rev-parse", "HEAD"], destination, env).strip()


def test_hook_manifest_is_valid(git_env: dict[str, str]) -> None:
    result = run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"], REPO_ROOT, git_env)
    assert result.returncode == 0, describe(result)


def test_hook_checks_changed_values_files(git_env: dict[str, str], tmp_path: Path) -> None:
    hook_repo = tmp_path / "chartgen"
    revision = commit_working_tree(hook_repo, git_env)

    charts_repo = tmp_path / "charts-repo"
    charts_repo.mkdir()
    git(["init", "--quiet"], charts_repo, git_env)
    result = run([sys.executable, "-m", "chartgen", "new", "web", "--type", "stateless-multi", "--image", "nginx:1.27", "-o", "charts"], charts_repo, git_env)
    assert result.returncode == 0, describe(result)
    (charts_repo / "charts" / "web" / "values-prod.yaml").write_text("replicaCount: 3\n")
    # The hook's default files pattern applies because the config gives only the chart folder.
    (charts_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {hook_repo}\n"
        f"    rev: {revision}\n"
        f"    hooks:\n"
        f"      - id: chartgen-validate\n"
        f"        args: [charts/web]\n"
    )
    git(["add", "--all"], charts_repo, git_env)

    # Chart.yaml and the template do not match the hook's files pattern, so only the two values files are
    # checked. pre-commit may split them over several chartgen runs, each with its own summary line.
    result = run([sys.executable, "-m", "pre_commit", "run", "--verbose", "--files", *CHART_FILES], charts_repo, git_env)
    assert result.returncode == 0, describe(result)
    checked = [int(count) for count in re.findall(r"in (\d+) values cases? of charts/web", result.stdout)]
    assert sum(checked) == 2, describe(result)

    (charts_repo / "charts" / "web" / "values-bad.yaml").write_text('replicaCount: "three"\n')
    git(["add", "--all"], charts_repo, git_env)
    result = run([sys.executable, "-m", "pre_commit", "run", "--files", "charts/web/values-bad.yaml"], charts_repo, git_env)
    assert result.returncode == 1, describe(result)
    assert "values-bad.yaml::replicaCount" in result.stdout
