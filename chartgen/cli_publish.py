"""Command line of `chartgen package` and `chartgen publish`: options only."""

from __future__ import annotations

from pathlib import Path

import click

from chartgen.errors import UsageError
from chartgen.publishing import PackageRequest, package_charts, publish_to_folder, publish_to_oci


@click.command("package")
@click.argument("charts", metavar="CHART...", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("-d", "--dest", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True, help="Folder to write the archives into. It is created when missing.")
@click.option("--version", "version", metavar="VERSION", help="Chart version to package with, instead of the one in Chart.yaml (SemVer 2, such as 1.2.0).")
@click.option("--app-version", metavar="VERSION", help="appVersion to package with, instead of the one in Chart.yaml.")
@click.option("--sign", is_flag=True, help="Sign each archive with a PGP key and write NAME-VERSION.tgz.prov beside it.")
@click.option("--key", metavar="NAME", help="With --sign: the signing key's name, email or ID.")
@click.option("--keyring", type=click.Path(path_type=Path, dir_okay=False), help="With --sign: secret keyring file, as `gpg --export-secret-keys` writes it. Default: helm's, pubring.gpg in $GNUPGHOME or ~/.gnupg.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False), help="With --sign: file that contains the passphrase of a protected key.")
@click.option("--force", is_flag=True, help="Replace archives that already exist in DEST.")
def package(
    charts: tuple[Path, ...],
    dest: Path,
    version: str | None,
    app_version: str | None,
    sign: bool,
    key: str | None,
    keyring: Path | None,
    passphrase_file: Path | None,
    force: bool,
) -> None:
    """Package each CHART folder into DEST/NAME-VERSION.tgz with helm package.

    Prints the path of each archive. An existing archive is replaced only with
    --force, and nothing is written unless every chart packages.

    \b
    Examples:
      chartgen package charts/web --dest dist
      chartgen package charts/web --dest dist --version 1.2.0 --app-version 2.4.1
      chartgen package charts/web --dest dist --sign --key "Release Bot" --keyring ~/.gnupg/secring.gpg
    """
    request = PackageRequest(
        charts=list(charts),
        dest=dest,
        version=version,
        app_version=app_version,
        sign=sign,
        key=key,
        keyring=keyring,
        passphrase_file=passphrase_file,
        force=force,
    )
    for archive in package_charts(request):
        click.echo(str(archive))


@click.command("publish")
@click.argument("archives", metavar="ARCHIVE...", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--repo", type=click.Path(path_type=Path, file_okay=False), help="Classic chart repository folder: copy the archives in and update its index.yaml.")
@click.option("--url", metavar="URL", help="With --repo: the address the folder is served at, written into the new index entries. Default: URLs relative to index.yaml.")
@click.option("--oci", metavar="oci://HOST[:PORT]/PATH", help="OCI registry to push the archives to with helm push. Log in first with helm registry login when it needs credentials.")
@click.option("--plain-http", is_flag=True, help="With --oci: use plain HTTP instead of HTTPS, for a registry without TLS such as one on loopback.")
@click.option("--force", is_flag=True, help="Replace a chart version that is already published.")
def publish(
    archives: tuple[Path, ...],
    repo: Path | None,
    url: str | None,
    oci: str | None,
    plain_http: bool,
    force: bool,
) -> None:
    """Publish chart archives to a repository folder (--repo) or an OCI registry (--oci).

    A version that is already published is rejected unless --force is given.
    With --repo, prints each archive's path in the folder, and earlier versions
    keep their index entries and digests. With --oci, prints each chart's
    reference by digest, oci://HOST/PATH/NAME@sha256:....

    \b
    Examples:
      chartgen publish dist/web-1.2.0.tgz --repo site/charts --url https://charts.example.com
      chartgen publish dist/web-1.2.0.tgz --oci oci://ghcr.io/my-org/charts
      chartgen publish dist/web-1.2.0.tgz --oci oci://127.0.0.1:5000/charts --plain-http
    """
    if (repo is None) == (oci is None):
        raise UsageError("give exactly one destination: --repo DIR for a repository folder, or --oci oci://HOST/PATH for a registry.")
    if repo is not None:
        if plain_http:
            raise UsageError("--plain-http applies to --oci only. Drop it.")
        for path in publish_to_folder(list(archives), repo, url=url, force=force):
            click.echo(str(path))
        return

    assert oci is not None
    if url is not None:
        raise UsageError("--url applies to --repo only: an OCI registry's address is --oci. Drop --url.")
    for reference in publish_to_oci(list(archives), oci, plain_http=plain_http, force=force):
        click.echo(reference)
