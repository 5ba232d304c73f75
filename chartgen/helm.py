"""The one place that runs helm."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

from chartgen.errors import HelmError

log = logging.getLogger(__name__)

PINNED_HELM = Path(".tools") / "helm-4.3.1" / "helm"
# The release name `helm template` uses when none is given.
DEFAULT_RELEASE = "release-name"


def find_helm() -> str:
    """Return the helm binary to run: $HELM_BIN, else helm on PATH, else the pinned Helm 4 of a checkout."""
    explicit = os.environ.get("HELM_BIN")
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise HelmError(f"HELM_BIN is {explicit!r}, which is not an executable file. Point it at a helm binary.")
        return explicit

    on_path = shutil.which("helm")
    if on_path:
        return on_path

    pinned = Path(__file__).resolve().parent.parent / PINNED_HELM
    if pinned.is_file():
        return str(pinned)

    raise HelmError("helm was not found. Install helm 3.17 or newer, put it on PATH or set HELM_BIN.")


def run_helm(
    args: Sequence[str],
    *,
    helm: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run helm with an argv list and return its result; raise HelmError with helm's output when it fails."""
    argv = [helm or find_helm(), *args]
    log.debug("running %s", shlex.join(argv))

    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env={**os.environ, **env} if env else None,
            cwd=cwd,
            check=False,
        )
    except OSError as error:
        raise HelmError(f"could not run {argv[0]}: {error.strerror}") from error

    if result.returncode != 0:
        # helm lint reports its findings on stdout and only a summary on stderr.
        details = "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)
        raise HelmError(f"`{shlex.join(['helm', *args])}` failed with exit status {result.returncode}:\n{details}")
    return result
