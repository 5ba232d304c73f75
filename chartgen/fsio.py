"""File output that never leaves a half-written file or folder behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from chartgen.errors import UsageError


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, prefix=f".{path.name}.") as temporary:
        temporary.write(text)
    try:
        # NamedTemporaryFile creates files readable by the owner only; give the
        # file the permissions a plain open() would.
        os.chmod(temporary.name, 0o666 & ~current_umask())
        os.replace(temporary.name, path)
    except OSError:
        os.unlink(temporary.name)
        raise


@contextmanager
def staged_directory(target: Path, *, force: bool) -> Iterator[Path]:
    """Yield an empty staging folder beside `target`, then move it into place as `target`.

    The staging folder sits in the same parent so that the final move is a rename
    on one file system. If the body raises, the staging folder is removed and
    `target` is left as it was.
    """
    if target.exists() and not force:
        raise UsageError(f"{target} already exists. Choose another output folder or pass --force to replace it.")

    with staging_folder(target.parent, f"{target.name}.staging") as staging:
        os.chmod(staging, 0o777 & ~current_umask())
        yield staging
        replace_directory(staging, target)


@contextmanager
def staging_folder(parent: Path, purpose: str) -> Iterator[Path]:
    """Yield a hidden temporary folder inside `parent` and remove it afterwards.

    It sits in the destination itself, so that moving a finished file or folder
    into place is a rename on one file system, which readers never see half-done.
    """
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{purpose}-"))
    except OSError as error:
        raise UsageError(f"cannot write into {parent}: {error.strerror}. Choose a writable folder.") from error
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_directory(source: Path, target: Path) -> None:
    """Move `source` to `target`; an existing `target` is renamed aside first and removed only after the move."""
    if not target.exists():
        os.rename(source, target)
        return

    backup = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    os.rmdir(backup)
    os.rename(target, backup)
    try:
        os.rename(source, target)
    except OSError:
        os.rename(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)
