"""Generation of a component chart: assemble every file in a staging folder, then move it into place."""

from __future__ import annotations

import json
import logging
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

from chartgen import __version__
from chartgen.errors import UsageError
from chartgen.fsio import staged_directory, write_text_atomic
from chartgen.readme import values_section
from chartgen.resources import base_chart_dir, partial_schema, values_schema
from chartgen.scenarios import scenarios_for
from chartgen.spec import ComponentSpec
from jsonschema.exceptions import best_match
from ruamel.yaml.scalarstring import LiteralScalarString

from chartgen.schemacheck import SchemaChecker, explain
from chartgen.helmvalues import coalesce
from chartgen.values import suggest
from chartgen.valuesfile import apply_values
from chartgen.yamlio import dump_yaml, parse_yaml

log = logging.getLogger(__name__)

BASE_PREFIX = "base"
KUBE_VERSION = ">=1.27.0-0"
SCHEMA_COMMENT = "# yaml-language-server: $schema={path}\n"
# The schema for files that set only some values, such as ci/*-values.yaml.
PARTIAL_SCHEMA = "values.partial.schema.json"

TYPE_SUMMARIES = {
    "stateful-single": "one StatefulSet instance with its own volume and a stable DNS name",
    "stateful-multi": "a StatefulSet whose instances each own a volume and find each other by DNS name",
    "stateless-single": "one Deployment replica that is stopped before its replacement starts",
    "stateless-multi": "interchangeable Deployment replicas that may scale freely",
}


def generate_chart(spec: ComponentSpec, output_dir: Path, *, force: bool = False) -> Path:
    """Write the chart for `spec` into output_dir/NAME and return that folder.

    Nothing is written when the spec's values fail the chart's schema, and an
    existing folder is replaced only with `force`.
    """
    values_text = render_values(spec)
    target = output_dir / spec.name
    replacing = target.exists() or target.is_symlink()
    if replacing and force and (target.is_symlink() or not (target / "Chart.yaml").is_file()):
        raise UsageError(
            f"{target} exists but is not a chart folder (it has no Chart.yaml), so --force does not replace it. "
            "Remove it yourself or choose another output folder with -o."
        )

    with staged_directory(target, force=force) as staging:
        copy_templates(staging, spec.name)
        write_text_atomic(staging / "Chart.yaml", render_chart_yaml(spec))
        write_text_atomic(staging / "values.yaml", values_text)
        write_text_atomic(staging / "values.schema.json", json.dumps(values_schema(), indent=2) + "\n")
        write_text_atomic(staging / PARTIAL_SCHEMA, json.dumps(partial_schema(values_schema()), indent=2) + "\n")
        write_text_atomic(staging / "README.md", render_readme(spec, values_text))
        write_scenarios(staging, spec)
        log.info("%s %s", "replace" if replacing else "create", target)

    return target


def rename_defines(template_text: str, chart_name: str) -> str:
    """Give every define of the base chart this chart's name as prefix, so sibling charts never clash."""
    return re.sub(rf'"{BASE_PREFIX}\.', f'"{chart_name}.', template_text)


def copy_templates(staging: Path, chart_name: str) -> None:
    base = base_chart_dir()
    shutil.copyfile(base / ".helmignore", staging / ".helmignore")

    templates = staging / "templates"
    templates.mkdir()
    for source in sorted((base / "templates").iterdir()):
        text = source.read_text(encoding="utf-8")
        (templates / source.name).write_text(rename_defines(text, chart_name), encoding="utf-8")


def render_chart_yaml(spec: ComponentSpec) -> str:
    chart: dict[str, Any] = {
        "apiVersion": "v2",
        "name": spec.name,
        "description": spec.description or f"{spec.name}, deployed as {spec.deployment_type}: {TYPE_SUMMARIES[spec.deployment_type]}",
        "type": "application",
        "version": spec.chart.get("version", "0.1.0"),
        "appVersion": spec.app_version,
        "kubeVersion": KUBE_VERSION,
    }
    for key in ("home", "icon", "sources", "keywords", "maintainers"):
        if spec.chart.get(key):
            chart[key] = spec.chart[key]
    chart["annotations"] = {
        "chartgen/deployment-type": spec.deployment_type,
        "chartgen/version": __version__,
        **artifact_hub_annotations(spec),
    }
    return dump_yaml(chart)


def default_image(spec: ComponentSpec) -> str:
    """Return the image the chart runs with its default values, as the base.image template builds it."""
    if spec.image.digest:
        return f"{spec.image.repository}@{spec.image.digest}"
    return f"{spec.image.repository}:{spec.image.tag or spec.app_version}"


def yaml_annotation(items: list[dict[str, Any]]) -> LiteralScalarString:
    # Chart.yaml annotations are strings, so Artifact Hub reads lists from YAML text.
    # A literal block keeps that text readable in Chart.yaml. dump_yaml indents a
    # top-level sequence by two spaces, which the literal block does not need.
    return LiteralScalarString(textwrap.dedent(dump_yaml(items)))


def artifact_hub_annotations(spec: ComponentSpec) -> dict[str, Any]:
    """Return the artifacthub.io annotations: the images always, the license and changes when the spec gives them."""
    # Only the component's image: the data copy Job's busybox image runs only when
    # dataCopy.enabled is set, which it is not by default.
    annotations: dict[str, Any] = {"artifacthub.io/images": yaml_annotation([{"name": spec.name, "image": default_image(spec)}])}
    if spec.chart.get("license"):
        annotations["artifacthub.io/license"] = str(spec.chart["license"])
    if spec.chart.get("changes"):
        changes = [{"kind": change["kind"], "description": change["description"]} for change in spec.chart["changes"]]
        annotations["artifacthub.io/changes"] = yaml_annotation(changes)
    return annotations


def spec_values(spec: ComponentSpec) -> dict[str, Any]:
    """Translate the spec's fields into chart values, before the spec's own `values` block is merged."""
    values: dict[str, Any] = {
        "deploymentType": spec.deployment_type,
        "replicaCount": spec.replicas,
        "image": {"repository": spec.image.repository, "tag": "" if spec.image.tag == spec.app_version else spec.image.tag, "digest": spec.image.digest},
    }
    if spec.cluster:
        values["cluster"] = {"enabled": True, "peerPort": spec.peer_port}

    values["containerPorts"] = [{"name": p.name, "containerPort": p.port, "protocol": p.protocol} for p in spec.ports]
    values["service"] = {
        "ports": [{"name": p.name, "port": p.service_port, "targetPort": p.name, "protocol": p.protocol} for p in spec.ports]
    }
    values.update(probe_values(spec))

    persistence: dict[str, Any] = {"enabled": spec.is_stateful or spec.storage is not None}
    if spec.storage:
        persistence.update(size=spec.storage.size, mountPath=spec.storage.mount_path, accessMode=spec.storage.access_mode)
        if spec.storage.storage_class:
            persistence["storageClass"] = spec.storage.storage_class
    values["persistence"] = persistence
    return values


def probe_values(spec: ComponentSpec) -> dict[str, Any]:
    """TCP probes on the first TCP port; a component without one gets no probes until the user adds them."""
    tcp_ports = [port for port in spec.ports if port.protocol == "TCP"]
    if not tcp_ports:
        return {"livenessProbe": None, "readinessProbe": None}
    first = tcp_ports[0].name
    return {
        "livenessProbe": {"tcpSocket": {"port": first}},
        "readinessProbe": {"tcpSocket": {"port": first}},
    }


def render_values(spec: ComponentSpec) -> str:
    """Return values.yaml: the base chart's commented values with the spec applied, checked against the schema."""
    base_text = (base_chart_dir() / "values.yaml").read_text(encoding="utf-8")
    text = apply_values(base_text, spec_values(spec))
    try:
        text = apply_values(text, spec.values)
    except KeyError as error:
        raise UsageError(unknown_key_message(spec, base_text, error.args[0])) from error

    check_values(parse_yaml(text, source="values.yaml"), spec)
    return text


def unknown_key_message(spec: ComponentSpec, base_text: str, path: str) -> str:
    """Name the unknown key of a spec's values block and the closest key the chart has at that level."""
    *parents, key = path.split(".")
    node: Any = parse_yaml(base_text, source="values.yaml")
    for parent in parents:
        node = node.get(parent, {}) if isinstance(node, dict) else {}
    choices = sorted(node) if isinstance(node, dict) else []
    return f"{spec.source}::values.{path}: unknown key.{suggest(key, choices)} Use a key of the chart's values.yaml."


def check_values(values: dict[str, Any], spec: ComponentSpec) -> None:
    """Check the values the chart will carry as helm will: nulls dropped, then the chart's schema."""
    errors = list(SchemaChecker(values_schema()).validator.iter_errors(coalesce({}, values)))
    if errors:
        path, message, fix = explain(best_match(errors))
        where = "values" if spec.source == "command line" else f"{spec.source}::values"
        raise UsageError(f"{where}.{path}: {message}" + (f" Fix: {fix}." if fix else ""))


def write_scenarios(staging: Path, spec: ComponentSpec) -> None:
    for scenario in scenarios_for(spec.deployment_type, spec.cluster, spec.name):
        header = SCHEMA_COMMENT.format(path=f"../{PARTIAL_SCHEMA}") + f"# {scenario.summary}\n"
        body = dump_yaml(scenario.values) if scenario.values else ""
        write_text_atomic(staging / "ci" / f"{scenario.name}-values.yaml", header + body)


def render_readme(spec: ComponentSpec, values_text: str) -> str:
    return README_TEMPLATE.format(
        name=spec.name,
        description=spec.description or f"A Helm chart for {spec.name}.",
        deployment_type=spec.deployment_type,
        summary=TYPE_SUMMARIES[spec.deployment_type],
        values=values_section(values_text, values_schema()),
    )


README_TEMPLATE = """# {name}

{description}

This chart was generated by chartgen. It deploys `{name}` as **{deployment_type}**: {summary}.

## Install

```console
helm install my-{name} ./{name}
helm install my-{name} ./{name} -f my-values.yaml
```

`values.schema.json` checks every value: `helm install`, `helm template` and `helm lint`
reject a misspelled key, a wrong type or a replica count that the deployment type does not allow.
Editors with the YAML language server read the schema through the first line of `values.yaml`.

## Deployment types

| deploymentType | Workload | Instances |
|---|---|---|
| `stateful-single` | StatefulSet | exactly 1, with its own volume |
| `stateful-multi` | StatefulSet | 1 or more, each with its own volume; odd and at least 3 with `cluster.enabled` |
| `stateless-single` | Deployment | exactly 1; the old pod stops before the new one starts |
| `stateless-multi` | Deployment | 1 or more, or a HorizontalPodAutoscaler with `autoscaling.enabled` |

Switching between a StatefulSet type and a Deployment type changes how the data volume is mounted.
Scale the component to 0 and back up its data before such a switch.

## Values

`chartgen docs ./{name}` writes the table below from the `## @param` comments of `values.yaml` and the
types in `values.schema.json`. Edit those files, not the table, and run it again.
Text outside the `chartgen:values` comments is left as it is.

{values}"""
