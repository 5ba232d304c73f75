"""Errors a user can cause. Each carries the exit status the CLI turns it into."""

from __future__ import annotations

EXIT_FINDINGS = 1
EXIT_USAGE = 2


class ChartgenError(Exception):
    """An error to show the user as one message, without a traceback."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ChartgenError):
    """Bad input: an option, a spec file or a folder the user named."""

    exit_code = EXIT_USAGE


class FindingsError(ChartgenError):
    """The command ran, and what it checked has problems."""

    exit_code = EXIT_FINDINGS


class HelmError(ChartgenError):
    """helm could not be found, or a helm command failed. The message carries helm's output."""

    exit_code = EXIT_FINDINGS
