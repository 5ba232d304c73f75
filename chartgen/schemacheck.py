"""The schema layer: values checked against the chart's draft-07 schema, with errors in the user's terms."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from chartgen.findings import Finding, Layer, Severity
from chartgen.values import closest

# Keywords whose failure means the value is not even of an allowed kind: other
# errors on the same key follow from it and would only repeat the problem.
PRIMARY_KEYWORDS = ("type", "enum")


class SchemaChecker:
    """A draft-07 validator for one chart, checked once and used for every values case.

    Most cases change a few top-level keys and take the chart's defaults for
    the rest. A default that passes its own property schema passes it in every
    case, so `check` skips the property schemas of keys the user did not touch.
    Everything that looks across keys (required, additionalProperties and the
    allOf rules) is still checked on the whole document, so the verdict is the same.
    """

    def __init__(self, schema: dict[str, Any], defaults: dict[str, Any] | None = None) -> None:
        jsonschema.Draft7Validator.check_schema(schema)
        self.schema = schema
        self.validator = jsonschema.Draft7Validator(schema)
        self.valid_defaults = valid_default_keys(schema, defaults or {})
        self.views: dict[frozenset[str], jsonschema.Draft7Validator] = {}

    def check(self, values: dict[str, Any], source_of: Callable[[str], str], untouched: Iterable[str] = ()) -> list[Finding]:
        validator = self.validator_skipping(frozenset(untouched) & self.valid_defaults)
        errors = without_followers(list(validator.iter_errors(values)))
        unique: dict[tuple[str, str], Finding] = {}
        for finding in (to_finding(error, source_of) for error in errors):
            unique.setdefault((finding.path, finding.message), finding)
        return sorted(unique.values(), key=lambda finding: (finding.path, finding.message, finding.rule_id))

    def validator_skipping(self, keys: frozenset[str]) -> jsonschema.Draft7Validator:
        """Return a validator whose property schemas for `keys` accept anything."""
        if not keys:
            return self.validator
        if keys not in self.views:
            properties = {name: (True if name in keys else subschema) for name, subschema in self.schema.get("properties", {}).items()}
            self.views[keys] = jsonschema.Draft7Validator({**self.schema, "properties": properties})
        return self.views[keys]


def valid_default_keys(schema: dict[str, Any], defaults: dict[str, Any]) -> frozenset[str]:
    """Return the top-level keys whose default value passes its own property schema."""
    properties = schema.get("properties", {})
    return frozenset(
        key
        for key, value in defaults.items()
        if key in properties and jsonschema.Draft7Validator(properties[key]).is_valid(value)
    )


def without_followers(errors: list[ValidationError]) -> list[ValidationError]:
    """Drop errors at a key whose value is already of the wrong kind: a string "3" needs no second error saying it is not 1."""
    wrong_kind = {tuple(error.absolute_path) for error in errors if error.validator in PRIMARY_KEYWORDS}
    return [
        error
        for error in errors
        if error.validator in PRIMARY_KEYWORDS or tuple(error.absolute_path) not in wrong_kind
    ]


def dotted(parts: Iterable[Any]) -> str:
    return ".".join(str(part) for part in parts)


def show(value: Any) -> str:
    """Render a value as it would be written in a values file."""
    return json.dumps(value, ensure_ascii=False)


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "a map"


def to_finding(error: ValidationError, source_of: Callable[[str], str]) -> Finding:
    path, message, fix = explain(error)
    return Finding(layer=Layer.SCHEMA, severity=Severity.ERROR, source=source_of(path), path=path, message=message, fix=fix, rule_id=str(error.validator))


def explain(error: ValidationError) -> tuple[str, str, str]:
    """Return (key path, message, fix) for one schema error."""
    path = dotted(error.absolute_path)
    key = f"`{path}`" if path else "The values"
    # The schema's own errorMessage (which editors show as it is) reads
    # "reason; fix", so it splits into the message and the fix.
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if custom:
        reason, _, fix = str(custom).rpartition("; ")
        if isinstance(error.instance, dict):
            return path, f"{key}: {reason or fix}.", fix if reason else ""
        return path, f"{key} is {show(error.instance)}, but {reason or fix}.", fix if reason else ""

    explain_keyword = EXPLAINERS.get(str(error.validator), explain_generic)
    return explain_keyword(error, path, key)


def explain_unknown_key(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    allowed = sorted(error.schema.get("properties", {}))
    patterns = list(error.schema.get("patternProperties", {}))
    unknown = [name for name in error.instance if name not in allowed and not any(re.search(pattern, name) for pattern in patterns)]
    name = unknown[0] if unknown else "?"
    full = f"{path}.{name}" if path else str(name)
    suggestion = closest(name, allowed)
    where = f"in `{path}`" if path else "at the top level"
    message = f"`{full}` is not a key of this chart."
    if suggestion:
        fix = f"did you mean `{(path + '.') if path else ''}{suggestion}`?"
    else:
        fix = f"remove it; the keys allowed {where} are {', '.join(allowed)}"
    return full, message, fix


def explain_enum(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    choices = [show(choice) for choice in error.validator_value]
    suggestion = closest(str(error.instance), [str(choice) for choice in error.validator_value])
    message = f"{key} {show(error.instance)} is not one of {', '.join(choices)}."
    fix = f"did you mean {show(suggestion)}?" if suggestion else f"use one of {', '.join(choices)}"
    return path, message, fix


def explain_type(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    wanted = " or ".join("null" if kind == "null" else f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}" for kind in expected)
    message = f"{key} is {json_type(error.instance)} ({show(error.instance)}), but it must be {wanted}."
    fix = ""
    if isinstance(error.instance, str) and "integer" in expected and error.instance.lstrip("-").isdigit():
        fix = f"write it as the number {error.instance}, without quotes (with --set, not --set-string)"
    elif isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool) and "string" in expected:
        fix = f'quote it ("{error.instance}"), or pass it with --set-string instead of --set'
    elif isinstance(error.instance, str) and "boolean" in expected and error.instance.lower() in ("true", "false"):
        fix = f"write {error.instance.lower()} without quotes, or pass it with --set"
    else:
        kinds = [kind for kind in expected if kind != "null"]
        fix = "give " + " or ".join(f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}" for kind in kinds)
        if "null" in expected:
            fix += ", or null to use the chart's default"
    return path, message, fix


def explain_required(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    missing = error.message.split("'")[1] if error.message.startswith("'") else "?"
    full = f"{path}.{missing}" if path else missing
    return full, f"`{full}` is missing.", "set it; a null in a values file or --set removes the chart's default"


def explain_const(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    return path, f"{key} is {show(error.instance)}, but only {show(error.validator_value)} is allowed here.", f"set it to {show(error.validator_value)}"


def explain_bound(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    words = {"minimum": "at least", "maximum": "at most", "minLength": "at least", "maxLength": "at most", "minItems": "at least", "maxItems": "at most"}
    unit = ""
    if "Length" in str(error.validator):
        unit = " characters"
    elif "Items" in str(error.validator):
        unit = " items"
    measured = f"{len(error.instance)}{unit} long" if unit else show(error.instance)
    bound = f"{words[str(error.validator)]} {error.validator_value}{unit}"
    return path, f"{key} is {measured}, but it must be {bound}.", f"use a value {bound}" if not unit else f"make it {bound}"


def explain_pattern(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    hint = PATTERN_HINTS.get(path.split(".")[-1], f"match the pattern {error.validator_value}")
    return path, f"{key} {show(error.instance)} has the wrong form.", hint


def explain_any_of(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    best = best_match(error.context) if error.context else None
    if best is None:
        return explain_generic(error, path, key)
    inner_path, message, fix = explain(best)
    return inner_path or path, message, fix


def explain_generic(error: ValidationError, path: str, key: str) -> tuple[str, str, str]:
    return path, f"{key}: {error.message}.", ""


PATTERN_HINTS = {
    "size": "use a Kubernetes quantity such as 10Gi (powers of 1024) or 10G (powers of 1000); 10GB is not one",
    "mountPath": "use an absolute path such as /data",
    "digest": "use sha256: followed by 64 hexadecimal digits",
    "name": "use at most 15 lowercase letters, digits and hyphens",
    "fullnameOverride": "use lowercase letters, digits and hyphens, starting with a letter",
    "nameOverride": "use lowercase letters, digits and hyphens",
    "clusterDomain": "use a DNS domain such as cluster.local",
    "minAvailable": 'use a whole number or a percentage such as "50%"',
    "maxUnavailable": 'use a whole number or a percentage such as "50%"',
}

EXPLAINERS: dict[str, Callable[[ValidationError, str, str], tuple[str, str, str]]] = {
    "additionalProperties": explain_unknown_key,
    "enum": explain_enum,
    "type": explain_type,
    "required": explain_required,
    "const": explain_const,
    "minimum": explain_bound,
    "maximum": explain_bound,
    "minLength": explain_bound,
    "maxLength": explain_bound,
    "minItems": explain_bound,
    "maxItems": explain_bound,
    "pattern": explain_pattern,
    "anyOf": explain_any_of,
    "oneOf": explain_any_of,
}
