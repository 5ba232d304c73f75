"""Packaging charts into archives and publishing them to a chart repository folder or an OCI registry.

Every step that touches Helm's formats runs helm itself: `helm package`, `helm show chart`,
`helm repo index` and `helm push`. This module decides what may be written and writes it
atomically; helm decides what the files contain.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chartgen.errors import HelmError, UsageError
from chartgen.fsio import current_umask, staging_folder
from chartgen.helm import run_helm
from chartgen.yamlio import parse_yaml

log = logging.getLogger(__name__)

# SemVer 2.0.0 (semver.org), without the leading "v" that helm tolerates: OCI tags,
# archive names and Artifact Hub all expect the plain form.
SEMVER = re.compile(
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$"
)
INDEX_FILE = "index.yaml"
PROVENANCE_SUFFIX = ".prov"
# helm push prints "Digest: sha256:..." on stdout (Helm 4.3.1) or on stderr (Helm 3.17.2).
PUSH_DIGEST = re.compile(r"^Digest:\s*(sha256:[0-9a-f]{64})\s*$", re.MULTILINE)
# The OCI client in helm reports a missing repository or tag with an error that ends in "not found".
OCI_NOT_FOUND = re.compile(r":\s*not found\s*$", re.MULTILINE)
PLAIN_HTTP_SERVER = "server gave HTTP response to HTTPS client"


@dataclass(frozen=True)
class ChartArchive:
    """A packaged chart, with the name and version its Chart.yaml records."""

    path: Path
    name: str
    version: str

    @property
    def file_name(self) -> str:
        """The archive name helm package gives this chart, which repositories use in their URLs."""
        return f"{self.name}-{self.version}.tgz"

    @property
    def provenance(self) -> Path:
        return self.path.with_name(self.path.name + PROVENANCE_SUFFIX)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


@dataclass
class PackageRequest:
    """Options of `chartgen package`, checked by check_package_request."""

    charts: list[Path]
    dest: Path
    version: str | None = None
    app_version: str | None = None
    sign: bool = False
    key: str | None = None
    keyring: Path | None = None
    passphrase_file: Path | None = None
    force: bool = False


# --- helpers of both commands ---------------------------------------------------------------------


def move_into_place(source: Path, target: Path) -> None:
    """Rename a staged file over `target`, with the permissions a plain open() would give it."""
    os.chmod(source, 0o666 & ~current_umask())
    os.replace(source, target)


def read_archive(path: Path) -> ChartArchive:
    """Return the name and version of a chart archive, read by `helm show chart`."""
    if path.is_dir():
        raise UsageError(f"{path} is a chart folder, not an archive. Package it first: chartgen package {path} --dest DIR.")
    try:
        output = run_helm(["show", "chart", str(path)]).stdout
    except HelmError as error:
        reason = error.message.strip().splitlines()[-1].removeprefix("Error: ")
        raise UsageError(f"{path} is not a chart archive ({reason}). Give a .tgz file that chartgen package or helm package wrote.") from error
    metadata = parse_yaml(output, source=f"{path}::Chart.yaml")
    return ChartArchive(path=path, name=str(metadata["name"]), version=str(metadata["version"]))


def read_archives(paths: list[Path]) -> list[ChartArchive]:
    """Read every archive and reject two that carry the same chart version."""
    archives = [read_archive(path) for path in paths]
    seen: dict[tuple[str, str], Path] = {}
    for archive in archives:
        key = (archive.name, archive.version)
        if key in seen:
            raise UsageError(f"{seen[key]} and {archive.path} are both {archive.label}. Publish one of them.")
        seen[key] = archive.path
    return archives


# --- chartgen package ----------------------------------------------------------------------------


def check_package_request(request: PackageRequest) -> None:
    """Reject options helm would misread or ignore, before anything runs."""
    if request.version is not None and not SEMVER.match(request.version):
        raise UsageError(f'--version "{request.version}" is not a SemVer 2 version. Use MAJOR.MINOR.PATCH, for example 1.2.0 or 1.2.0-rc.1.')
    if request.app_version is not None and not request.app_version.strip():
        raise UsageError("--app-version is empty. Give the application's version, for example 2.4.1.")

    if not request.sign:
        signing_options = [option for option, value in (("--key", request.key), ("--keyring", request.keyring), ("--passphrase-file", request.passphrase_file)) if value]
        if signing_options:
            named = " and ".join(signing_options)
            raise UsageError(f"{named} only apply to signing. Add --sign, or drop {named}.")
    elif not request.key:
        raise UsageError("--sign needs --key: the name, email or ID of the signing key, as gpg --list-secret-keys shows it.")
    for option, path in (("--keyring", request.keyring), ("--passphrase-file", request.passphrase_file)):
        if path is not None and not path.is_file():
            raise UsageError(f"{option} {path} is not a file. Give an existing file.")

    for chart in request.charts:
        if not (chart / "Chart.yaml").is_file():
            raise UsageError(f"{chart} is not a chart folder: it has no Chart.yaml. Give the folder that chartgen new wrote.")


def helm_package_args(chart: Path, into: Path, request: PackageRequest) -> list[str]:
    args = ["package", str(chart), "--destination", str(into)]
    if request.version:
        args += ["--version", request.version]
    if request.app_version:
        args += ["--app-version", request.app_version]
    if request.sign:
        assert request.key
        args += ["--sign", "--key", request.key]
        if request.keyring:
            args += ["--keyring", str(request.keyring)]
        if request.passphrase_file:
            args += ["--passphrase-file", str(request.passphrase_file)]
    return args


def run_package(chart: Path, into: Path, request: PackageRequest) -> None:
    try:
        run_helm(helm_package_args(chart, into, request))
    except HelmError as error:
        if request.sign:
            # helm reads secret keys from a keyring file of OpenPGP packets. gpg 2.1 and
            # newer keep secret keys elsewhere and no longer write ~/.gnupg/secring.gpg.
            error.message += (
                "\nhelm signs with a secret keyring file: export one with "
                "`gpg --export-secret-keys > ~/.gnupg/secring.gpg` and pass it with --keyring."
            )
        raise


def package_charts(request: PackageRequest) -> list[Path]:
    """Package every chart into DEST and return the archive paths.

    The archives are written into a staging folder first. Nothing reaches DEST
    unless every chart packaged and no archive would replace an existing file
    without --force.
    """
    check_package_request(request)
    with staging_folder(request.dest, "chartgen-package") as staging:
        staged: dict[str, Path] = {}
        for number, chart in enumerate(request.charts):
            # One folder per chart, because helm package silently overwrites an archive of the same name.
            into = staging / str(number)
            run_package(chart, into, request)
            archive = next(into.glob("*.tgz"))
            if archive.name in staged:
                raise UsageError(f"{staged[archive.name]} and {chart} both package into {archive.name}. Package them separately, with different versions.")
            staged[archive.name] = chart
            log.info("packaged %s as %s", chart, archive.name)
            if request.app_version:
                warn_app_version_images(chart, request.app_version)

        archives = sorted(staging.glob("*/*.tgz"), key=lambda path: path.name)
        check_package_targets(archives, request.dest, request.force)
        return [install_package(archive, request.dest) for archive in archives]


def warn_app_version_images(chart: Path, app_version: str) -> None:
    # A chart whose values leave image.tag empty runs the image tag that appVersion
    # gives, but helm package does not touch the annotations that list the images.
    chart_yaml = parse_yaml((chart / "Chart.yaml").read_text(encoding="utf-8"), source=f"{chart}/Chart.yaml") or {}
    if "artifacthub.io/images" in (chart_yaml.get("annotations") or {}):
        log.warning(
            "%s: --app-version %s does not update the artifacthub.io/images annotation. "
            "If the image tag should follow, set chart.appVersion in the component spec and generate the chart again.",
            chart, app_version,
        )


def check_package_targets(staged: list[Path], dest: Path, force: bool) -> None:
    if force:
        return
    for archive in staged:
        target = dest / archive.name
        if target.exists():
            raise UsageError(
                f"{target} already exists. Package another version with --version, "
                "or pass --force to replace the archive."
            )


def install_package(archive: Path, dest: Path) -> Path:
    """Move a staged archive, and its provenance file when signed, into DEST."""
    target = dest / archive.name
    provenance = archive.with_name(archive.name + PROVENANCE_SUFFIX)
    provenance_target = dest / provenance.name
    move_into_place(archive, target)
    if provenance.exists():
        move_into_place(provenance, provenance_target)
    elif provenance_target.exists():
        # A signature of the archive this one replaced would fail `helm verify`.
        provenance_target.unlink()
    log.info("wrote %s", target)
    return target


# --- chartgen publish --repo ---------------------------------------------------------------------


def load_index(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    index = parse_yaml(path.read_text(encoding="utf-8"), source=str(path))
    if not isinstance(index, dict) or not isinstance(index.get("entries") or {}, dict):
        raise UsageError(f"{path} is not a chart repository index: it has no entries mapping. Point --repo at a repository folder.")
    return index


def published_digests(index: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Map (chart name, version) to the archive digest that the index records."""
    digests = {}
    for name, versions in (index.get("entries") or {}).items():
        for entry in versions or []:
            digests[(str(name), str(entry.get("version")))] = str(entry.get("digest", ""))
    return digests


def check_repo_url(url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f'--url "{url}" is not an http or https URL. Give the address the repository is served at, for example https://charts.example.com.')


def check_not_published(archives: list[ChartArchive], repo: Path, published: dict[tuple[str, str], str]) -> None:
    for archive in archives:
        digest = published.get((archive.name, archive.version))
        if digest is not None:
            raise UsageError(
                f"{archive.label} is already published in {repo / INDEX_FILE} with digest sha256:{digest}. "
                "Package a new version with chartgen package --version, or pass --force to replace it."
            )
        if (repo / archive.file_name).exists():
            raise UsageError(
                f"{repo / archive.file_name} already exists, although {INDEX_FILE} does not list {archive.label}. "
                "Remove the file, or pass --force to replace it."
            )


def check_digests_kept(before: dict[tuple[str, str], str], after: dict[tuple[str, str], str], replaced: set[tuple[str, str]]) -> None:
    # helm repo index --merge keeps the entries of the merged index that the new one
    # lacks. Checking it here makes "a published digest never changes" hold even if
    # a helm release changes how merging works.
    for key, digest in before.items():
        if key not in replaced and after.get(key) != digest:
            raise HelmError(f"helm repo index changed the recorded digest of {key[0]} {key[1]}. The repository was left unchanged.")


def publish_to_folder(paths: list[Path], repo: Path, *, url: str | None = None, force: bool = False) -> list[Path]:
    """Add archives to a classic chart repository folder and return their paths there.

    Only the new archives are indexed, and the existing index.yaml is merged in, so
    entries of earlier versions (digest, URL, creation time) stay as they were.
    """
    check_repo_url(url)
    archives = read_archives(paths)
    index_path = repo / INDEX_FILE
    before = published_digests(load_index(index_path))
    if not force:
        check_not_published(archives, repo, before)

    with staging_folder(repo, "chartgen-publish") as staging:
        for archive in archives:
            shutil.copyfile(archive.path, staging / archive.file_name)
            if archive.provenance.exists():
                shutil.copyfile(archive.provenance, staging / (archive.file_name + PROVENANCE_SUFFIX))

        args = ["repo", "index", str(staging)]
        if url:
            args += ["--url", url]
        if index_path.exists():
            # helm creates the --merge file when it is missing, so it is named only when it exists.
            args += ["--merge", str(index_path)]
        run_helm(args)
        replaced = {(archive.name, archive.version) for archive in archives}
        check_digests_kept(before, published_digests(load_index(staging / INDEX_FILE)), replaced)

        # Archives first, the index last: a reader never finds an entry whose archive is missing.
        targets = [install_package(staging / archive.file_name, repo) for archive in archives]
        move_into_place(staging / INDEX_FILE, index_path)
    log.info("updated %s", index_path)
    return targets


# --- chartgen publish --oci ----------------------------------------------------------------------


def check_oci_target(target: str) -> str:
    """Return the registry URL without a trailing slash. Anything but oci://HOST[:PORT][/PATH] is a UsageError."""
    parts = urlsplit(target)
    if parts.scheme != "oci" or not parts.netloc or parts.query or parts.fragment:
        raise UsageError(f'--oci "{target}" is not an OCI registry URL. Use oci://HOST[:PORT]/PATH, for example oci://ghcr.io/my-org/charts.')
    if ":" in parts.path or "@" in parts.path:
        raise UsageError(f'--oci "{target}" names a tag or digest. Give the repository path only: chartgen takes the chart name and version from each archive.')
    return target.rstrip("/")


def oci_flags(plain_http: bool) -> list[str]:
    return ["--plain-http"] if plain_http else []


def explain_oci_error(error: HelmError, target: str, plain_http: bool) -> HelmError:
    if PLAIN_HTTP_SERVER in error.message and not plain_http:
        error.message += f"\nThe registry at {target} serves plain HTTP. Add --plain-http if that is what you expect."
    return error


def oci_tag_exists(reference: str, version: str, plain_http: bool) -> bool:
    """Return whether the registry has the chart at tag `version`. helm reports a missing tag as "not found"."""
    try:
        run_helm(["show", "chart", reference, "--version", version, *oci_flags(plain_http)])
    except HelmError as error:
        if OCI_NOT_FOUND.search(error.message):
            return False
        # NOTE: only the distribution registry was tried. A registry that reports a
        # missing repository as "denied" instead of 404 ends up here too.
        error.message += f"\nchartgen looks up {reference}:{version} before pushing so as not to replace a published version. --force skips the lookup."
        raise explain_oci_error(error, reference, plain_http) from None
    return True


def push_archive(archive: ChartArchive, target: str, plain_http: bool) -> str:
    """Push one archive and return the digest of the manifest the registry stored."""
    try:
        result = run_helm(["push", str(archive.path), target, *oci_flags(plain_http)])
    except HelmError as error:
        raise explain_oci_error(error, target, plain_http) from None
    match = PUSH_DIGEST.search(result.stdout + "\n" + result.stderr)
    if not match:
        raise HelmError(f"helm push did not print the digest of {archive.label}. Its output was:\n{result.stdout}{result.stderr}")
    return match.group(1)


def publish_to_oci(paths: list[Path], target: str, *, plain_http: bool = False, force: bool = False) -> list[str]:
    """Push archives to an OCI registry and return one digest reference per chart.

    Every tag is checked before the first push, so a refused version leaves the
    registry unchanged. The references name the digest alone because Helm 3.17.2
    pulls `NAME:TAG@DIGEST` by its tag and ignores the digest.
    """
    target = check_oci_target(target)
    archives = read_archives(paths)
    if not force:
        for archive in archives:
            reference = f"{target}/{archive.name}"
            if oci_tag_exists(reference, archive.version, plain_http):
                raise UsageError(
                    f"{archive.label} is already published at {reference}:{archive.version}. "
                    "Package a new version with chartgen package --version, or pass --force to replace the tag."
                )

    references = []
    for archive in archives:
        digest = push_archive(archive, target, plain_http)
        log.info("pushed %s as %s/%s:%s", archive.path, target, archive.name, archive.version)
        references.append(f"{target}/{archive.name}@{digest}")
    return references
