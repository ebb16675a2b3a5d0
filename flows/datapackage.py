"""``datapackage.json``: the release described as a Frictionless Data Package.

Generic data tools (Frictionless, CKAN, Zenodo, Open Data portals) read it to find each table's
file, fields, types, constraints and keys without knowing our project. It is generated from the
same table definitions as everything else. A partitioned table (``events``) becomes one resource
per Parquet file, because Frictionless reads one Parquet file per resource; those resources
carry the table name in ``table``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from schemas import SCHEMA_VERSION, Column, Table

FRICTIONLESS_TYPES: dict[str, tuple[str, dict[str, Any]]] = {
    "string": ("string", {}),
    "int32": ("integer", {}),
    "int64": ("integer", {}),
    "float64": ("number", {}),
    "bool": ("boolean", {}),
    "date": ("date", {}),
    "timestamp": ("datetime", {}),
    "list<string>": ("any", {"arrayItem": {"type": "string"}}),
}
"""Frictionless types; lists are ``any`` because Frictionless reads Parquet lists as arrays it
cannot check as ``array``; ``arrayItem`` still says what they hold."""

PARQUET_MEDIATYPE = "application/vnd.apache.parquet"


def field_descriptor(column: Column, table: Table) -> dict[str, Any]:
    """A Table Schema field with the column's description and constraints."""
    kind, extra = FRICTIONLESS_TYPES[column.type]
    field: dict[str, Any] = {"name": column.name, "type": kind, "description": column.description, **extra}
    constraints: dict[str, Any] = {}
    if not column.nullable:
        constraints["required"] = True
    if column.unique and len(table.primary_key) == 1:
        constraints["unique"] = True
    if column.allowed_values is not None:
        constraints["enum"] = list(column.allowed_values)
    if column.pattern is not None and column.type == "string":
        constraints["pattern"] = column.pattern
    if column.min is not None:
        constraints["minimum"] = column.min
    if column.max is not None:
        constraints["maximum"] = column.max
    if constraints:
        field["constraints"] = constraints
    return field


def schema_descriptor(table: Table, tables: Mapping[str, Table]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [field_descriptor(c, table) for c in table.columns],
        "primaryKey": list(table.primary_key),
        # Frictionless reads Parquet through pandas, where a null number becomes NaN and a null
        # time NaT; listing their text forms lets it see them as the nulls they are.
        "missingValues": ["", "nan", "NaT"],
    }
    # Frictionless checks foreign keys within one resource's package by resource name, so only
    # references to unpartitioned tables (one resource) can be declared.
    keys = [
        {"fields": [fk.column], "reference": {"resource": fk.table, "fields": [fk.references]}}
        for fk in table.foreign_keys
        if fk.table in tables and not tables[fk.table].partition_by
    ]
    if keys:
        schema["foreignKeys"] = keys
    return schema


def _resource_name(table: Table, path: str) -> str:
    if not table.partition_by:
        return table.name
    folders = path.split("/")[1:-1]  # events/year=2024/month=3/part-0.parquet -> year=2024, month=3
    parts = [folder.replace("=", "-").replace("__HIVE_DEFAULT_PARTITION__", "null").lower() for folder in folders]
    return "-".join([table.name, *parts])


def render_datapackage(
    *,
    version: str,
    created_at: datetime,
    tables: Mapping[str, Table],
    files: Sequence[Mapping[str, Any]],
    table_files: Mapping[str, Sequence[str]],
    licence: str,
    sources: Sequence[str],
    row_counts: Mapping[str, int],
) -> dict[str, Any]:
    """The Data Package descriptor; ``files`` are the manifest entries (path, sha256, bytes)."""
    del files  # checksums live in manifest.json
    resources = []
    for name, table in tables.items():
        schema = schema_descriptor(table, tables)
        for path in table_files[name]:
            resource: dict[str, Any] = {
                "name": _resource_name(table, path),
                "title": name,
                "description": table.description,
                "path": path,
                "type": "table",
                "scheme": "file",
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                # Size and SHA-256 are in manifest.json: Frictionless cannot check them on Parquet.
                "schema": schema,
                "table": name,
            }
            if table.partition_by:
                resource["description"] = f"{table.description} This file holds one partition ({path})."
            resources.append(resource)
    return {
        "name": "newsevents",
        "title": f"newsevents release {version}",
        "description": (
            "Events (who did what to whom, where and when) and statements (who said what) "
            "extracted from news text, coded to PLOVER with CAMEO and ACLED crosswalks."
        ),
        "version": version,
        "created": created_at.isoformat(),
        "schema_version": SCHEMA_VERSION,
        "licenses": [{"name": licence, "path": f"https://spdx.org/licenses/{licence}.html", "title": licence}],
        "sources": [{"title": source} for source in sources],
        "row_counts": dict(row_counts),
        "keywords": ["events", "news", "PLOVER", "CAMEO", "ACLED", "statements"],
        "resources": resources,
    }
