"""Offline validation of rendered manifests against the Kubernetes OpenAPI schemas (kubernetes-validate)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from chartgen.errors import UsageError

# The oldest Kubernetes minor release the generated charts declare in kubeVersion
# that the offline schemas are also checked against.
OLDEST_CHECKED_VERSION = "1.29.0"

MISSING_PACKAGE = (
    "kubernetes-validate is not installed, and the manifests layer needs it. "
    "Install it with `pip install kubernetes-validate`, or skip the layer with --layer schema --layer rules."
)


@dataclass(frozen=True)
class ManifestProblem:
    kind: str
    name: str
    kube_version: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name} (Kubernetes {self.kube_version}): {self.message}"


def newest_kube_version() -> str:
    try:
        import kubernetes_validate.utils
    except ImportError as error:
        raise UsageError(MISSING_PACKAGE) from error
    return kubernetes_validate.utils.latest_version()


def default_kube_versions() -> list[str]:
    return [OLDEST_CHECKED_VERSION, newest_kube_version()]


def validate_manifests(documents: Iterable[dict[str, Any]], kube_versions: Iterable[str]) -> list[ManifestProblem]:
    """Validate each document in strict mode (unknown fields are errors) for each Kubernetes version."""
    try:
        import kubernetes_validate
    except ImportError as error:
        raise UsageError(MISSING_PACKAGE) from error

    versions = list(kube_versions)
    problems = []
    for document in documents:
        kind = document.get("kind", "?")
        name = (document.get("metadata") or {}).get("name", "?")
        for version in versions:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(part) for part in error.absolute_path) or "(top level)"
                problems.append(ManifestProblem(kind, name, version, f"{path}: {error.message}"))
            except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.VersionNotSupportedError) as error:
                problems.append(ManifestProblem(kind, name, version, getattr(error, "message", str(error))))
    return problems
