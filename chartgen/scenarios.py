"""The ci/*-values.yaml scenarios a generated chart carries, in the chart-testing convention.

`ct lint` and `ct install` render a chart once per file in ci/, so each file
here is one way a user of that deployment type is expected to configure it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    values: dict[str, Any] = field(default_factory=dict)


COMMON = [
    Scenario("default", "The chart's own defaults, unchanged."),
    Scenario(
        "hardened",
        "Resource requests and limits, and a read-only root file system with a writable /tmp.",
        {
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"memory": "256Mi"},
            },
            "securityContext": {"readOnlyRootFilesystem": True},
            "extraVolumes": [{"name": "tmp", "emptyDir": {}}],
            "extraVolumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        },
    ),
]

BY_TYPE: dict[str, list[Scenario]] = {
    "stateful-single": [
        Scenario(
            "storage-class",
            "A larger data volume on a named StorageClass, deleted with the StatefulSet.",
            {"persistence": {"size": "20Gi", "storageClass": "fast-ssd", "retentionPolicy": {"whenDeleted": "Delete"}}},
        ),
    ],
    "stateful-multi": [
        Scenario("five-members", "Five instances, each with its own volume.", {"replicaCount": 5}),
        Scenario(
            "custom-budget",
            "Three instances, a PodDisruptionBudget that keeps two of them up, and spreading across zones.",
            {
                "replicaCount": 3,
                "podDisruptionBudget": {"minAvailable": 2},
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "{name}"}},
                    }
                ],
            },
        ),
    ],
    "stateless-single": [
        Scenario(
            "persistent",
            "A ReadWriteOnce volume, so updates stop the old pod before the new one starts.",
            {"persistence": {"enabled": True, "size": "1Gi", "mountPath": "/var/cache/app"}},
        ),
    ],
    "stateless-multi": [
        Scenario(
            "autoscaling",
            "A HorizontalPodAutoscaler between 2 and 6 replicas on CPU and memory use.",
            {
                "autoscaling": {
                    "enabled": True,
                    "minReplicas": 2,
                    "maxReplicas": 6,
                    "targetMemoryUtilizationPercentage": 75,
                },
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
            },
        ),
        Scenario(
            "shared-storage",
            "Three replicas sharing one ReadWriteMany volume.",
            {
                "replicaCount": 3,
                "persistence": {"enabled": True, "accessMode": "ReadWriteMany", "size": "5Gi", "mountPath": "/shared"},
            },
        ),
    ],
}

CLUSTER = [
    Scenario("cluster-five", "A five-member quorum cluster.", {"replicaCount": 5, "cluster": {"enabled": True}}),
]


def scenarios_for(deployment_type: str, cluster: bool, chart_name: str) -> list[Scenario]:
    """Return the scenarios for a chart generated with this type and cluster setting."""
    extra = CLUSTER if cluster else []
    return [
        Scenario(scenario.name, scenario.summary, fill_name(scenario.values, chart_name))
        for scenario in [*COMMON, *BY_TYPE[deployment_type], *extra]
    ]


def fill_name(values: Any, chart_name: str) -> Any:
    """Replace "{name}" in every string of a values tree with the chart name."""
    if isinstance(values, dict):
        return {key: fill_name(value, chart_name) for key, value in values.items()}
    if isinstance(values, list):
        return [fill_name(item, chart_name) for item in values]
    if isinstance(values, str):
        return values.replace("{name}", chart_name)
    return values
