"""Reads data/datapackage.json: the tables, their fields, types, constraints and keys."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from atlas.errors import AtlasDataError, Problem
from atlas.i18n import t

PACKAGE_FILE = "datapackage.json"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    list_delimiter: str | None = None
    list_reference: tuple[str, str] | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    path: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    primary_key: str
    foreign_keys: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)  # (field, table, ref_field)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


def read_package(data_dir: Path) -> dict:
    path = Path(data_dir) / PACKAGE_FILE
    if not path.exists():
        raise AtlasDataError([Problem(PACKAGE_FILE, None, None, t("validate.missing_package"))])
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        # strerror only: str(error) would show the server's absolute path.
        raise AtlasDataError([Problem(PACKAGE_FILE, None, None, t("validate.cannot_open", error=error.strerror),
                                      root_cause=True)]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AtlasDataError([Problem(PACKAGE_FILE, None, None, t("validate.bad_package", error=error))]) from None


def table_specs(package: dict) -> dict[str, TableSpec]:
    specs = {}
    for resource in package["resources"]:
        schema = resource["schema"]
        fields = []
        for raw in schema["fields"]:
            cons = raw.get("constraints", {})
            ref = raw.get("x-references")
            fields.append(FieldSpec(
                name=raw["name"], type=raw["type"], description=raw.get("description", ""),
                required=cons.get("required", False), unique=cons.get("unique", False),
                enum=tuple(cons["enum"]) if "enum" in cons else None, pattern=cons.get("pattern"),
                minimum=cons.get("minimum"), maximum=cons.get("maximum"),
                list_delimiter=raw.get("x-list-delimiter"),
                list_reference=(ref["resource"], ref["field"]) if ref else None,
            ))
        foreign = tuple((fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
                        for fk in schema.get("foreignKeys", []))
        specs[resource["name"]] = TableSpec(
            name=resource["name"], path=resource["path"], title=resource.get("title", resource["name"]),
            description=resource.get("description", ""), fields=tuple(fields),
            primary_key=schema["primaryKey"][0], foreign_keys=foreign,
        )
    return specs
