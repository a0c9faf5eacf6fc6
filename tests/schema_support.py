"""Access to the shared Procountor 26.04 JSON Schemas for the conformance tests.

The schema files live outside the repository (``../shared/procountor``, next to the
checkout) and are never copied into it. ``PROCOUNTOR_SCHEMA_DIR`` points elsewhere.
When they are absent the conformance tests skip with a visible reason.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema

SCHEMAS_FILE = "procountor-schemas-26.04.json"
OPERATIONS_FILE = "procountor-operations-26.04.json"
SKIP_REASON = "../shared/procountor schemas absent: conformance not checked"
# Response types that carry no JSON object to check.
UNCHECKED_TYPES = frozenset(("void", "object"))
_ARRAY_TYPE = re.compile(r"^\((?P<item>\w+)\)\[\]$")


def schema_dir() -> Path:
    override = os.environ.get("PROCOUNTOR_SCHEMA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "procountor"


def available() -> bool:
    directory = schema_dir()
    return (directory / SCHEMAS_FILE).is_file() and (directory / OPERATIONS_FILE).is_file()


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    request_body: str | None
    responses: dict
    pattern: re.Pattern

    @property
    def static_parts(self) -> int:
        """More literal segments = more specific (``/invoices/transactions`` beats
        ``/invoices/{invoiceId}``)."""
        return sum(1 for part in self.path.split("/") if part and "{" not in part)


def _pattern(template: str) -> re.Pattern:
    regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
    return re.compile(f"^{regex}$")


class SchemaSet:
    def __init__(self, directory: Path):
        with (directory / SCHEMAS_FILE).open(encoding="utf-8") as stream:
            self.document = json.load(stream)
        with (directory / OPERATIONS_FILE).open(encoding="utf-8") as stream:
            index = json.load(stream)
        self.definitions = self.document["definitions"]
        self.operations = [
            Operation(
                name=entry["operation"],
                method=entry["method"].upper(),
                path=entry["path"],
                request_body=entry.get("request_body"),
                responses={str(k): v for k, v in (entry.get("responses") or {}).items()},
                pattern=_pattern(entry["path"]),
            )
            for entry in index["operations"]
        ]

    def operation_for(self, method: str, path: str) -> Operation | None:
        """The operation whose path template matches ``path`` (after the API root)."""
        candidates = [
            op for op in self.operations if op.method == method.upper() and op.pattern.match(path)
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda op: op.static_parts)

    @functools.cache  # noqa: B019 - one SchemaSet per session
    def validator(self, type_name: str, partial: bool = False):
        """A Draft-7 validator for a definition name, ``(Name)[]`` or ``partial``
        (top-level ``required`` dropped: PATCH bodies)."""
        match = _ARRAY_TYPE.match(type_name)
        if match:
            schema = {"type": "array", "items": {"$ref": f"#/definitions/{match['item']}"}}
        elif partial:
            schema = copy.deepcopy(self.definitions[type_name])
            schema.pop("required", None)
        else:
            schema = {"$ref": f"#/definitions/{type_name}"}
        schema = {**schema, "definitions": self.definitions}
        # No format checker: "int32", "date-time" etc. are documentation only here.
        return jsonschema.Draft7Validator(schema)

    def errors(self, type_name: str, instance, partial: bool = False) -> list[str]:
        """Readable schema violations of ``instance`` (empty when it conforms)."""
        if type_name in UNCHECKED_TYPES:
            return []
        validator = self.validator(type_name, partial)
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in sorted(validator.iter_errors(instance), key=str)
        ]


@functools.lru_cache(maxsize=1)
def load() -> SchemaSet | None:
    return SchemaSet(schema_dir()) if available() else None
