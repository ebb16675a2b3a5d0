"""Table definitions: one YAML file per table in ``schemas/tables``, loaded into typed objects.

Everything else that describes a table (the Parquet schema, the Great Expectations suite, the
DuckDB DDL and comments, the data dictionary) is generated from these objects by
``schemas.generate``; no column is described anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

SCHEMA_VERSION = "1.2.0"
"""Semantic version of the table definitions, written into every release manifest."""

COLUMN_TYPES = ("string", "int32", "int64", "float64", "bool", "date", "timestamp", "list<string>")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = True
    unique: bool = False
    allowed_values: tuple[Any, ...] | None = None
    pattern: str | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    references: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    partition_by: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name} has no column {name!r}")


def _parse_table(raw: dict[str, Any]) -> Table:
    columns = []
    for c in raw["columns"]:
        if c["type"] not in COLUMN_TYPES:
            raise ValueError(f"{raw['name']}.{c['name']}: unknown type {c['type']!r}; use one of {COLUMN_TYPES}")
        allowed = c.get("allowed_values")
        columns.append(
            Column(
                name=c["name"],
                type=c["type"],
                description=" ".join(str(c["description"]).split()),
                nullable=c.get("nullable", True),
                unique=c.get("unique", False),
                allowed_values=tuple(allowed) if allowed is not None else None,
                pattern=c.get("pattern"),
                min=c.get("min"),
                max=c.get("max"),
            )
        )
    fks = []
    for fk in raw.get("foreign_keys", []):
        table, column = fk["references"].split(".")
        fks.append(ForeignKey(column=fk["column"], table=table, references=column))
    return Table(
        name=raw["name"],
        description=" ".join(str(raw["description"]).split()),
        primary_key=tuple(raw["primary_key"]),
        columns=tuple(columns),
        foreign_keys=tuple(fks),
        partition_by=tuple(raw.get("partition_by", [])),
    )


TABLE_ORDER = ("documents", "actors", "actor_mentions", "events", "event_mentions", "statements", "quarantine",
               "duplicates", "retractions")
"""Publishing order: referenced tables before the tables that reference them."""


@cache
def load_tables() -> dict[str, Table]:
    """All table definitions, keyed by name, in publishing order."""
    folder = resources.files(__package__) / "tables"
    tables = {}
    for name in TABLE_ORDER:
        raw = yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
        if raw["name"] != name:
            raise ValueError(f"schemas/tables/{name}.yaml defines table {raw['name']!r}")
        tables[name] = _parse_table(raw)
    return tables


def table(name: str) -> Table:
    return load_tables()[name]
