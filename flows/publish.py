"""Publish immutable, versioned releases that analysts query with DuckDB.

A release is a folder ``releases/<version>/`` holding one Parquet file per table (events in
Hive-style ``year=/month=`` folders), ``newsevents.duckdb`` with every table loaded and commented,
``validation.json``, ``DATA_DICTIONARY.md``, a ``README.md`` data card and, written last,
``manifest.json`` with a checksum for every other file.

It is built in a hidden staging folder inside ``releases/`` and appears with a single
``os.rename``, so nobody ever sees half a release; ``latest`` is then swapped atomically. A crash
or an error before the rename leaves no visible release and ``latest`` unchanged. Versions are
never overwritten.

Parquet output is deterministic (rows sorted by primary key, fixed writer options), so two
releases of the same tables have byte-identical Parquet files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.settings import Settings
from flows.workspace import Workspace
from schemas import SCHEMA_VERSION, Table, load_tables
from schemas.dictionary import render_markdown
from schemas.generate import arrow_schema, duckdb_ddl, sql_identifier, sql_literal

DUCKDB_FILE = "newsevents.duckdb"
MANIFEST_FILE = "manifest.json"
VALIDATION_FILE = "validation.json"
DICTIONARY_FILE = "DATA_DICTIONARY.md"
README_FILE = "README.md"
PARTITION_FILE = "part-0.parquet"
HIVE_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
"""Folder value for a null partition key; Hive, Spark, pyarrow and DuckDB all read it as NULL."""

STAGING_PREFIX = ".building-"
"""Hidden prefix of folders being built; never a valid version, so never listed as a release."""

VERSION_PATTERN = re.compile(r"^[0-9]{4}\.[0-9]{2}\.[0-9]{2}(?:\.[1-9][0-9]*)?$")
"""``YYYY.MM.DD`` or ``YYYY.MM.DD.N``; also keeps user-given versions from escaping ``releases/``."""

PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "write_statistics": True,
    "use_dictionary": True,
    "version": "2.6",
    "row_group_size": 1_000_000,
}
"""Fixed writer options: part of what makes Parquet output byte-for-byte reproducible."""


class ReleaseExistsError(FileExistsError):
    """A release with this version exists; releases are immutable and never overwritten."""


# --------------------------------------------------------------------------------------------
# Versions


def version_sort_key(version: str) -> tuple[int, ...]:
    """Order versions by date then same-day number (``2024.05.01`` < ``2024.05.01.1``)."""
    return tuple(int(part) for part in version.split("."))


def is_release_version(name: str) -> bool:
    return VERSION_PATTERN.fullmatch(name) is not None


def list_release_versions(workspace: Workspace) -> list[str]:
    """Every published release in ``releases/``, oldest first (staging folders are ignored)."""
    if not workspace.releases_dir.is_dir():
        return []
    versions = [
        entry.name
        for entry in workspace.releases_dir.iterdir()
        if entry.is_dir() and is_release_version(entry.name)
    ]
    return sorted(versions, key=version_sort_key)


def next_release_version(workspace: Workspace, today: date) -> str:
    """``YYYY.MM.DD`` for the first release of a day, then ``YYYY.MM.DD.1``, ``.2`` and so on."""
    base = today.strftime("%Y.%m.%d")
    candidate, number = base, 0
    while workspace.release_dir(candidate).exists():
        number += 1
        candidate = f"{base}.{number}"
    return candidate


# --------------------------------------------------------------------------------------------
# Tables to Arrow and Parquet


def dataframe_to_arrow(table: Table, frame: pd.DataFrame) -> pa.Table:
    """Convert a DataFrame to the table's exact Arrow schema, sorted by primary key.

    Raises ValueError when the columns differ from the schema, a value cannot be converted, a
    required column has nulls or the primary key is duplicated, so a bad table stops the release
    instead of being written in some other shape.
    """
    expected = table.column_names
    missing = [c for c in expected if c not in frame.columns]
    extra = [str(c) for c in frame.columns if c not in expected]
    if missing or extra:
        raise ValueError(f"table {table.name}: missing columns {missing}, unexpected columns {extra}")
    for column in table.columns:
        dtype = frame[column.name].dtype
        if column.type == "timestamp" and pd.api.types.is_datetime64_dtype(dtype):
            raise ValueError(
                f"table {table.name}: column {column.name} holds time-zone-naive timestamps; "
                "convert them to UTC first (pd.to_datetime(..., utc=True))"
            )
    schema = arrow_schema(table)
    try:
        arrow = pa.Table.from_pandas(frame[expected], schema=schema, preserve_index=False, safe=True)
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise ValueError(f"table {table.name}: data does not fit the schema: {error}") from error
    # Drop the pandas metadata from_pandas adds: it depends on the DataFrame's dtypes and index,
    # not on the data, and would make otherwise identical releases differ.
    arrow = arrow.replace_schema_metadata(schema.metadata)
    for column in table.columns:
        if not column.nullable and arrow.column(column.name).null_count:
            raise ValueError(f"table {table.name}: required column {column.name} has null values")
    if arrow.num_rows:
        key = arrow.select(list(table.primary_key))
        if key.group_by(list(table.primary_key)).aggregate([]).num_rows != arrow.num_rows:
            raise ValueError(f"table {table.name}: primary key {table.primary_key} is not unique")
    sorted_rows = arrow.sort_by([(k, "ascending") for k in table.primary_key])
    return sorted_rows.combine_chunks()


def _write_parquet(arrow: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow, path, **PARQUET_OPTIONS)


def _partition_folder(table: Table, key: Mapping[str, Any]) -> Path:
    parts = [
        f"{name}={HIVE_NULL_PARTITION if key[name] is None else key[name]}" for name in table.partition_by
    ]
    return Path(table.name, *parts)


def write_table_files(table: Table, arrow: pa.Table, release_dir: Path) -> list[Path]:
    """Write one table's Parquet file(s) and return them, relative to the release folder.

    Unpartitioned tables become ``<table>.parquet``. Partitioned tables become
    ``<table>/<key>=<value>/.../part-0.parquet`` with the key values taken from the rows (null keys
    go to ``__HIVE_DEFAULT_PARTITION__``); the key columns stay in the files too, so each file
    has the full schema. An empty partitioned table still gets one empty file, so that globs
    over the folder work.
    """
    if not table.partition_by:
        relative = Path(f"{table.name}.parquet")
        _write_parquet(arrow, release_dir / relative)
        return [relative]
    keys = list(table.partition_by)
    partitions = arrow.select(keys).group_by(keys).aggregate([]).to_pylist()
    if not partitions:
        relative = _partition_folder(table, dict.fromkeys(keys)) / PARTITION_FILE
        _write_parquet(arrow, release_dir / relative)
        return [relative]
    written = []
    for key in sorted(partitions, key=lambda k: tuple((k[n] is None, k[n] or 0) for n in keys)):
        mask = None
        for name in keys:
            value = key[name]
            condition = pc.is_null(arrow[name]) if value is None else pc.equal(arrow[name], value)
            mask = condition if mask is None else pc.and_(mask, condition)
        relative = _partition_folder(table, key) / PARTITION_FILE
        _write_parquet(arrow.filter(mask), release_dir / relative)
        written.append(relative)
    return written


# --------------------------------------------------------------------------------------------
# DuckDB


@dataclass(frozen=True)
class ConvenienceView:
    """A view joining a table to the names analysts usually want beside the IDs."""

    name: str
    description: str
    base_table: str
    select_sql: str
    added_columns: tuple[tuple[str, str], ...]
    """(column, description) for the columns the joins add; base columns keep their comments."""


CONVENIENCE_VIEWS: tuple[ConvenienceView, ...] = (
    ConvenienceView(
        name="events_with_actors",
        description=(
            "Events with the names and types of their source and target actors and the title, "
            "URL and publication time of the document they were read from. One row per event."
        ),
        base_table="events",
        select_sql="""
SELECT
    e.*,
    source_actor.name AS source_actor_name,
    source_actor.actor_type AS source_actor_type,
    target_actor.name AS target_actor_name,
    target_actor.actor_type AS target_actor_type,
    d.title AS document_title,
    d.url AS document_url,
    d.published_at AS document_published_at
FROM events AS e
LEFT JOIN actors AS source_actor ON source_actor.actor_id = e.source_actor_id
LEFT JOIN actors AS target_actor ON target_actor.actor_id = e.target_actor_id
LEFT JOIN documents AS d ON d.doc_id = e.doc_id
""",
        added_columns=(
            ("source_actor_name", "Canonical name of the source actor (actors.name)."),
            ("source_actor_type", "Kind of the source actor (actors.actor_type)."),
            ("target_actor_name", "Canonical name of the target actor (actors.name)."),
            ("target_actor_type", "Kind of the target actor (actors.actor_type)."),
            ("document_title", "Headline of the document the event was read from (documents.title)."),
            ("document_url", "URL of the document the event was read from (documents.url)."),
            ("document_published_at", "Publication time of the document in UTC (documents.published_at)."),
        ),
    ),
    ConvenienceView(
        name="statements_with_speakers",
        description=(
            "Statements with their speaker's name, type and country and the title, URL and "
            "publication time of the document they were read from. One row per statement."
        ),
        base_table="statements",
        select_sql="""
SELECT
    s.*,
    speaker.name AS speaker_name,
    speaker.actor_type AS speaker_type,
    speaker.country_iso3 AS speaker_country_iso3,
    d.title AS document_title,
    d.url AS document_url,
    d.published_at AS document_published_at
FROM statements AS s
LEFT JOIN actors AS speaker ON speaker.actor_id = s.speaker_actor_id
LEFT JOIN documents AS d ON d.doc_id = s.doc_id
""",
        added_columns=(
            ("speaker_name", "Canonical name of the speaker (actors.name), null when unresolved."),
            ("speaker_type", "Kind of the speaker (actors.actor_type)."),
            (
                "speaker_country_iso3",
                "ISO 3166-1 alpha-3 code of the speaker's country (actors.country_iso3).",
            ),
            ("document_title", "Headline of the document the statement was read from (documents.title)."),
            ("document_url", "URL of the document the statement was read from (documents.url)."),
            ("document_published_at", "Publication time of the document in UTC (documents.published_at)."),
        ),
    ),
)


def _view_statements(view: ConvenienceView, base: Table) -> list[str]:
    """CREATE VIEW and COMMENT ON statements; comments are our own constants, not user values."""
    name = sql_identifier(view.name)
    statements = [
        f"CREATE VIEW {name} AS {view.select_sql.strip()}",
        f"COMMENT ON VIEW {name} IS {sql_literal(view.description)}",
    ]
    described = [(c.name, c.description) for c in base.columns] + list(view.added_columns)
    for column, description in described:
        statements.append(
            f"COMMENT ON COLUMN {name}.{sql_identifier(column)} IS {sql_literal(description)}"
        )
    return statements


def build_duckdb(path: Path, tables: Mapping[str, Table], parquet_files: Mapping[str, list[Path]]) -> None:
    """Create every table from its DDL, load it from its Parquet files, and add the views.

    The data is copied into the database file, so ``newsevents.duckdb`` works on its own.
    """
    connection = duckdb.connect(str(path))
    try:
        for name, table in tables.items():
            for statement in duckdb_ddl(table):
                connection.execute(statement)
            columns = ", ".join(sql_identifier(c) for c in table.column_names)
            files = [str(f) for f in parquet_files[name]]
            connection.execute(
                f"INSERT INTO {sql_identifier(name)} ({columns}) "
                f"SELECT {columns} FROM read_parquet(?, hive_partitioning = false)",
                [files],
            )
        for view in CONVENIENCE_VIEWS:
            for statement in _view_statements(view, tables[view.base_table]):
                connection.execute(statement)
        connection.execute("CHECKPOINT")
    finally:
        connection.close()


# --------------------------------------------------------------------------------------------
# README data card


def _date_range(values: pa.ChunkedArray) -> tuple[date, date] | None:
    if values.null_count == len(values):
        return None
    bounds = pc.min_max(values).as_py()
    low, high = bounds["min"], bounds["max"]
    if isinstance(low, datetime):
        low, high = low.astimezone(timezone.utc).date(), high.astimezone(timezone.utc).date()
    return low, high


def _describe_range(bounds: tuple[date, date] | None) -> str:
    return "no dated rows" if bounds is None else f"{bounds[0].isoformat()} to {bounds[1].isoformat()}"


def _outcome(result: Any) -> str:
    if not (isinstance(result, Mapping) and isinstance(result.get("success"), bool)):
        return "not recorded"
    verdict = "passed" if result["success"] else "FAILED"
    statistics = result.get("statistics")
    if isinstance(statistics, Mapping) and "evaluated_expectations" in statistics:
        passed = statistics.get("successful_expectations", "?")
        verdict += f" ({passed} of {statistics['evaluated_expectations']} checks)"
    return verdict


MAX_FAILURES_IN_README = 20


def describe_validation(validation: Mapping[str, Any]) -> list[str]:
    """Markdown lines summarising the validation dict: overall outcome, per-table outcomes, failures.

    Reads the shape ``flows.validate.ValidationReport.to_json()`` gives (``success``,
    ``failures`` as readable lines, ``results`` per table with GX's ``success`` and
    ``statistics``) and ignores what it does not recognise; the full results are in
    validation.json either way.
    """
    lines = [f"Overall: **{_outcome(validation)}**."]
    parts: list[str] = []
    for key, value in validation.items():
        if not isinstance(value, Mapping):
            continue
        if "success" in value:
            parts.append(f"- `{key}`: {_outcome(value)}")
            continue
        for inner_key, inner_value in value.items():
            if isinstance(inner_value, Mapping) and "success" in inner_value:
                parts.append(f"- `{inner_key}`: {_outcome(inner_value)}")
    if parts:
        lines += ["", *parts]
    failures = validation.get("failures")
    if isinstance(failures, list) and failures:
        lines += ["", "Failed checks:", ""]
        lines += [f"- {failure}" for failure in failures[:MAX_FAILURES_IN_README]]
        if len(failures) > MAX_FAILURES_IN_README:
            lines.append(f"- ... and {len(failures) - MAX_FAILURES_IN_README} more")
    lines += ["", f"Full results: `{VALIDATION_FILE}`."]
    return lines


KNOWN_LIMITATIONS = (
    "Events, statements and actors are extracted automatically with rules and a statistical "
    "parser; they contain errors and omissions and have not been checked by hand.",
    "One row per event *mention*: the same real-world event reported in several documents (or "
    "twice in one) appears several times. Deduplicate before counting events.",
    "Coverage is only what the configured sources provided; absence of events is not evidence "
    "that nothing happened.",
    "English-language documents only; other languages are quarantined.",
    "Event dates are resolved from relative expressions and the publication date and may be off; "
    "see `date_precision`. Locations are geocoded from a gazetteer and may be ambiguous; see "
    "`geo_precision`.",
    "Actor resolution links names and descriptions to a curated dictionary; people outside it get "
    "IDs from their normalised names, so different spellings can yield different actors.",
)


def render_readme(
    *,
    version: str,
    created_at: datetime,
    code_version: str,
    sources: list[str],
    row_counts: Mapping[str, int],
    published_range: tuple[date, date] | None,
    event_range: tuple[date, date] | None,
    licence: str,
    validation: Mapping[str, Any],
) -> str:
    """The data card: what the release is, how to cite and query it, and what to watch out for."""
    lines = [
        f"# newsevents release {version}",
        "",
        "Events (who did what to whom, where and when) and statements (who said what) extracted "
        "from news text, coded to PLOVER with CAMEO and ACLED crosswalks.",
        "",
        "| | |",
        "| --- | --- |",
        f"| Version | `{version}` |",
        f"| Created | {created_at.isoformat()} |",
        f"| Schema version | {SCHEMA_VERSION} |",
        f"| Code version | `{code_version}` |",
        f"| Documents published | {_describe_range(published_range)} (UTC) |",
        f"| Events dated | {_describe_range(event_range)} |",
        f"| Licence | {licence} |",
        "",
        "## Sources",
        "",
    ]
    lines += [f"- `{source}`" for source in sources] or ["- none recorded"]
    lines += ["", "## Contents", "", "| Table | Rows |", "| --- | ---: |"]
    lines += [f"| `{name}` | {count} |" for name, count in row_counts.items()]
    lines += [
        "",
        "- `<table>.parquet`: one Parquet file per table (zstd, rows sorted by primary key).",
        "- `events/year=YYYY/month=M/part-0.parquet`: events, Hive-partitioned by the year and "
        f"month of `event_date` (undated events under `year={HIVE_NULL_PARTITION}`).",
        f"- `{DUCKDB_FILE}`: every table, with comments on tables and columns, plus the views "
        "`events_with_actors` and `statements_with_speakers`.",
        f"- `{DICTIONARY_FILE}`: every column's type, allowed values and meaning.",
        f"- `{VALIDATION_FILE}`: results of the data checks run before publishing.",
        f"- `{MANIFEST_FILE}`: version, row counts, and the SHA-256 and size of every file.",
        "",
        "## Licence",
        "",
        f"The derived tables in this release are published under {licence}. This licence covers "
        "the extracted data, not the underlying articles: article texts are not redistributed "
        "(their copyright stays with the publishers). `documents` gives each article's title and "
        "URL; `events.sentence_text` and `statements.quote_text` are short excerpts kept so each "
        "row can be checked against its source.",
        "",
        "## How to cite",
        "",
        f"> newsevents contributors ({created_at.year}). *newsevents*, release {version} "
        f"[data set], schema version {SCHEMA_VERSION}. Licence: {licence}.",
        "",
        f"Always give the version (`{version}`): releases are immutable, so the version "
        "identifies exactly the data you used.",
        "",
        "## How to query",
        "",
        "With the DuckDB command line, from this folder (the files are read-only, hence `-readonly`):",
        "",
        "```sh",
        f"duckdb -readonly {DUCKDB_FILE}",
        "```",
        "",
        "```sql",
        "SELECT event_type, count(*) AS n FROM events GROUP BY event_type ORDER BY n DESC;",
        "SELECT * FROM events_with_actors WHERE source_actor_type = 'military' LIMIT 10;",
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE table_name = 'events';",
        "```",
        "",
        "Or straight from the Parquet files, with any DuckDB:",
        "",
        "```sql",
        "SELECT year, month, count(*) FROM read_parquet('events/*/*/*.parquet', hive_partitioning=true)",
        "GROUP BY ALL ORDER BY ALL;",
        "SELECT * FROM 'documents.parquet' LIMIT 10;",
        "```",
        "",
        "The release is read-only. To change or add data, copy it into a database of your own, "
        "for example in `duckdb my.duckdb`: `CREATE TABLE my_events AS SELECT * FROM "
        "read_parquet('events/*/*/*.parquet', hive_partitioning=true);`.",
        "",
        "## Known limitations",
        "",
    ]
    lines += [f"- {limitation}" for limitation in KNOWN_LIMITATIONS]
    lines += ["", "## Validation", "", *describe_validation(validation)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Files, checksums, atomic moves


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _to_json(value: Any, *, sort_keys: bool) -> str:
    return json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False, default=str) + "\n"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _release_files(release_dir: Path) -> list[Path]:
    return sorted(
        (p for p in release_dir.rglob("*") if p.is_file()),
        key=lambda p: p.relative_to(release_dir).as_posix(),
    )


def describe_files(release_dir: Path, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Relative path, SHA-256 and size of every file in the release, sorted by path."""
    skipped = set(exclude)
    described = []
    for path in _release_files(release_dir):
        relative = path.relative_to(release_dir).as_posix()
        if relative in skipped:
            continue
        described.append({"path": relative, "sha256": file_sha256(path), "bytes": path.stat().st_size})
    return described


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _seal(release_dir: Path) -> None:
    """Flush every file to disk and make it read-only before the release becomes visible."""
    read_only = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for path in _release_files(release_dir):
        _fsync_path(path)
        path.chmod(read_only)
    for folder in sorted({p.parent for p in _release_files(release_dir)} | {release_dir}):
        _fsync_path(folder)


def point_latest_at(workspace: Workspace, version: str) -> None:
    """Replace ``releases/latest`` atomically, so readers see the old or the new name, never half."""
    temporary = workspace.releases_dir / f".latest-{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(version + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, workspace.latest_file)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_path(workspace.releases_dir)


# --------------------------------------------------------------------------------------------
# Publishing


def _build_release(
    staging: Path,
    tables: Mapping[str, pd.DataFrame],
    *,
    version: str,
    created_at: datetime,
    code_version: str,
    sources: list[str],
    validation: dict,
    settings: Settings,
) -> None:
    definitions = load_tables()
    arrow_tables: dict[str, pa.Table] = {}
    parquet_files: dict[str, list[Path]] = {}
    for name, definition in definitions.items():
        arrow_tables[name] = dataframe_to_arrow(definition, tables[name])
        relative = write_table_files(definition, arrow_tables[name], staging)
        parquet_files[name] = [staging / r for r in relative]

    build_duckdb(staging / DUCKDB_FILE, definitions, parquet_files)
    leftovers = [p.name for p in staging.iterdir() if p.name.startswith(DUCKDB_FILE + ".")]
    if leftovers:
        raise RuntimeError(f"DuckDB left files behind after closing: {leftovers}")

    row_counts = {name: arrow.num_rows for name, arrow in arrow_tables.items()}
    _write_text(staging / VALIDATION_FILE, _to_json(validation, sort_keys=True))
    _write_text(staging / DICTIONARY_FILE, render_markdown(definitions))
    _write_text(
        staging / README_FILE,
        render_readme(
            version=version,
            created_at=created_at,
            code_version=code_version,
            sources=sources,
            row_counts=row_counts,
            published_range=_date_range(arrow_tables["documents"]["published_at"]),
            event_range=_date_range(arrow_tables["events"]["event_date"]),
            licence=settings.release_licence,
            validation=validation,
        ),
    )
    manifest = {
        "version": version,
        "created_at": created_at.isoformat(),
        "code_version": code_version,
        "schema_version": SCHEMA_VERSION,
        "sources": list(sources),
        "row_counts": row_counts,
        "files": describe_files(staging),
    }
    _write_text(staging / MANIFEST_FILE, _to_json(manifest, sort_keys=False))


def publish_release(
    workspace: Workspace,
    tables: dict[str, pd.DataFrame],
    *,
    version: str,
    created_at: datetime,
    code_version: str,
    sources: list[str],
    validation: dict,
    settings: Settings,
) -> Path:
    """Publish ``tables`` as release ``version`` and point ``latest`` at it; return its folder.

    ``tables`` must hold a DataFrame for every table in ``schemas.load_tables()`` with exactly
    the schema's columns. Raises ReleaseExistsError if the version exists (nothing is touched)
    and ValueError for tables that do not fit their schema (nothing becomes visible).
    """
    if not is_release_version(version):
        raise ValueError(f"release version {version!r} is not of the form YYYY.MM.DD or YYYY.MM.DD.N")
    if created_at.tzinfo is None:
        raise ValueError("created_at must be time-zone aware (for example datetime.now(timezone.utc))")
    created_at = created_at.astimezone(timezone.utc)
    expected, given = set(load_tables()), set(tables)
    if expected != given:
        raise ValueError(
            f"publish_release needs exactly the tables {sorted(expected)}; "
            f"missing {sorted(expected - given)}, unexpected {sorted(given - expected)}"
        )
    release_dir = workspace.release_dir(version)
    if release_dir.exists():
        raise ReleaseExistsError(
            f"release {version} already exists at {release_dir}; releases are immutable and never "
            "overwritten. Publish under a new version (next_release_version gives one)."
        )

    workspace.releases_dir.mkdir(parents=True, exist_ok=True)
    staging = workspace.releases_dir / f"{STAGING_PREFIX}{version}-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        _build_release(
            staging,
            tables,
            version=version,
            created_at=created_at,
            code_version=code_version,
            sources=sources,
            validation=validation,
            settings=settings,
        )
        _seal(staging)
        if release_dir.exists():  # another publisher won the race while we were building
            raise ReleaseExistsError(f"release {version} appeared while it was being built; not overwritten")
        os.rename(staging, release_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_path(workspace.releases_dir)
    point_latest_at(workspace, version)
    return release_dir
