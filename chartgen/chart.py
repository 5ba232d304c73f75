"""A chart on disk as the validator reads it: metadata, default values and schema."""

from __future__ import annotations

import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartgen.errors import UsageError
from chartgen.helmvalues import load_values_file
from chartgen.yamlio import load_yaml_file


@dataclass(frozen=True)
class Chart:
    path: Path
    name: str
    version: str
    app_version: str
    defaults: dict[str, Any]
    schema: dict[str, Any] | None
    dependencies: tuple[dict[str, Any], ...] = ()

    @property
    def values_file(self) -> str:
        return str(self.path / "values.yaml")


def load_chart(path: Path) -> Chart:
    """Read a chart folder, or a packaged .tgz chart after unpacking it into a temporary folder."""
    if path.is_file() and path.name.endswith((".tgz", ".tar.gz")):
        path = unpack(path)
    if not (path / "Chart.yaml").is_file():
        raise UsageError(f"{path} is not a chart: it has no Chart.yaml. Give the chart's folder or a packaged .tgz.")

    metadata = load_yaml_file(path / "Chart.yaml") or {}
    defaults = load_values_file(path / "values.yaml") if (path / "values.yaml").is_file() else {}
    schema_path = path / "values.schema.json"
    schema = None
    if schema_path.is_file():
        try:
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise UsageError(f"{schema_path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}.") from error

    return Chart(
        path=path,
        name=str(metadata.get("name", path.name)),
        version=str(metadata.get("version", "")),
        app_version=str(metadata.get("appVersion", "")),
        defaults=defaults,
        schema=schema,
        dependencies=tuple(dependency for dependency in metadata.get("dependencies") or [] if isinstance(dependency, dict)),
    )


def unpack(archive: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="chartgen-chart-"))
    try:
        with tarfile.open(archive) as bundle:
            bundle.extractall(target, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise UsageError(f"cannot unpack {archive}: {error}. Give a chart packaged by `helm package`.") from error

    folders = [entry for entry in target.iterdir() if entry.is_dir()]
    if len(folders) != 1:
        raise UsageError(f"{archive} does not contain exactly one chart folder.")
    return folders[0]
