"""The report of `chartgen validate`: findings, grouped by the values case they belong to."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """The seriousness of a finding, in the order --fail-on compares."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


class Layer(str, enum.Enum):
    """The check that produced a finding."""

    INPUT = "input"
    SCHEMA = "schema"
    RULES = "rules"
    MANIFESTS = "manifests"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One problem, located by the file that set the value and the dotted key path.

    `source` is a values file, "--set" (any of the --set flags) or the chart's
    values.yaml when the value is a chart default. `path` is empty for problems
    of the whole document.
    """

    layer: Layer
    severity: Severity
    source: str
    path: str
    message: str
    fix: str = ""
    rule_id: str = ""

    @property
    def location(self) -> str:
        return f"{self.source}::{self.path}" if self.path else self.source


@dataclass
class CaseResult:
    """The findings for one values case: the merged -f/--set values, or one batch file on top of them."""

    name: str
    findings: list[Finding] = field(default_factory=list)

    def worst(self) -> Severity | None:
        return max((finding.severity for finding in self.findings), default=None)


@dataclass
class ValidationReport:
    chart: str
    cases: list[CaseResult] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for case in self.cases for finding in case.findings if finding.severity == severity)

    def fails(self, threshold: Severity) -> bool:
        return any(finding.severity >= threshold for case in self.cases for finding in case.findings)
