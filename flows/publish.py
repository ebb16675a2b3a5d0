"""Publish immutable, versioned releases that analysts query with DuckDB.

A release is a folder ``releases/<version>/`` holding one Parquet file per table (events in
Hive-style ``year=/month=`` folders), ``newsevents.duckdb`` with every table loaded and commented,
``validation.json`` (and Great Expectations' Data Docs under ``validation/`` when given),
``DATA_DICTIONARY.md``, ``datapackage.json`` (Frictionless), ``CHANGES.md`` and the
``retractions`` table (what changed since the previous release), the example ``queries/``, a
``README.md`` data card and, written last, ``manifest.json`` with a checksum for every other file.

It is built in a hidden staging folder and checked (every example query must run on it). On a
local disk it appears with a single ``os.rename``, so nobody ever sees half a release; on an
fsspec target (``s3://…``) its files are uploaded and ``manifest.json`` last, and a folder
without a manifest is never listed. Then ``catalog.json``/``index.html`` and ``latest`` are
replaced atomically. A crash or an error before that leaves no visible release and ``latest``
and the catalog unchanged. Versions are never overwritten.

Parquet output is deterministic (rows sorted by primary key, fixed writer options), so two
releases of the same tables have byte-identical Parquet files. That is what lets a release reuse
its predecessor's files: the manifest records a hash of every Parquet file's rows
(``rows_sha256``, computed before encoding), and a file whose rows hash equals the previous
release's is hard-linked from it (local targets; the link is checked against the previous
manifest's SHA-256) or copied within the target (object stores) instead of being encoded and
written again. Either way each release folder holds all its files and the bytes are those a
full rewrite would give.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
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

from flows.changes import RETRACTIONS, compute_retractions, render_changes, summarise_changes
from flows.datapackage import render_datapackage
from flows.evaluate.accuracy import EVALUATION_FILE, render_card
from flows.settings import PROJECT_ROOT, Settings
from flows.store import (  # noqa: F401  (VERSION_PATTERN is re-exported for existing callers)
    MANIFEST_FILE,
    VERSION_PATTERN,
    ReleaseStore,
    is_release_version,
    version_sort_key,
)
from flows.workspace import Workspace
from schemas import SCHEMA_VERSION, Table, load_tables
from schemas.dictionary import render_markdown
from schemas.generate import arrow_schema, duckdb_ddl, sql_identifier, sql_literal

DUCKDB_FILE = "newsevents.duckdb"
LOADING_VIEW = "release_rows_being_loaded"
"""Name under which each table's Arrow rows are shown to DuckDB while it is loaded."""
VALIDATION_FILE = "validation.json"
DATA_DOCS_DIR = "validation"
"""Great Expectations Data Docs (static HTML) inside a release, when the publisher is given them."""
DICTIONARY_FILE = "DATA_DICTIONARY.md"
DATAPACKAGE_FILE = "datapackage.json"
CHANGES_FILE = "CHANGES.md"
README_FILE = "README.md"
QUERIES_DIR = "queries"
EXAMPLE_QUERIES_DIR = PROJECT_ROOT / "queries"
"""Documented example queries; copied into every release and run on it before it is published."""
PARTITION_FILE = "part-0.parquet"
ROWS_HASHES_KEY = "parquet_rows_sha256"
"""Manifest key: rows hash (``rows_sha256``) of every Parquet file, by path, for the next release."""
ROWS_HASH_FORMAT = "arrow-ipc-stream/1"
"""Changes whenever ``rows_sha256`` hashes differently, so old hashes never match new ones."""
HIVE_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
"""Folder value for a null partition key; Hive, Spark, pyarrow and DuckDB all read it as NULL."""

STAGING_PREFIX = ".building-"
"""Hidden prefix of folders being built; never a valid version, so never listed as a release."""

PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "write_statistics": True,
    "use_dictionary": True,
    "version": "2.6",
    "row_group_size": 1_000_000,
}
"""Fixed writer options: part of what makes Parquet output byte-for-byte reproducible."""


logger = logging.getLogger(__name__)


class ReleaseExistsError(FileExistsError):
    """A release with this version exists; releases are immutable and never overwritten."""


# --------------------------------------------------------------------------------------------
# Versions


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


def next_release_version(target: Workspace | ReleaseStore, today: date) -> str:
    """``YYYY.MM.DD`` for the first release of a day, then ``YYYY.MM.DD.1``, ``.2`` and so on."""
    store = target if isinstance(target, ReleaseStore) else ReleaseStore.open(target.releases_dir)
    base = today.strftime("%Y.%m.%d")
    candidate, number = base, 0
    while store.has_release(candidate):
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


def table_partitions(table: Table, arrow: pa.Table) -> list[tuple[str, pa.Table]]:
    """One table's Parquet files as (path relative to the release folder, rows), in path order.

    Unpartitioned tables become ``<table>.parquet``. Partitioned tables become
    ``<table>/<key>=<value>/.../part-0.parquet`` with the key values taken from the rows (null keys
    go to ``__HIVE_DEFAULT_PARTITION__``); the key columns stay in the files too, so each file
    has the full schema. An empty partitioned table still gets one empty file, so that globs
    over the folder work.
    """
    if not table.partition_by:
        return [(f"{table.name}.parquet", arrow)]
    keys = list(table.partition_by)
    partitions = arrow.select(keys).group_by(keys).aggregate([]).to_pylist()
    if not partitions:
        return [((_partition_folder(table, dict.fromkeys(keys)) / PARTITION_FILE).as_posix(), arrow)]
    files = []
    for key in sorted(partitions, key=lambda k: tuple((k[n] is None, k[n] or 0) for n in keys)):
        mask = None
        for name in keys:
            value = key[name]
            condition = pc.is_null(arrow[name]) if value is None else pc.equal(arrow[name], value)
            mask = condition if mask is None else pc.and_(mask, condition)
        files.append(((_partition_folder(table, key) / PARTITION_FILE).as_posix(), arrow.filter(mask)))
    return files


def write_table_files(table: Table, arrow: pa.Table, release_dir: Path) -> list[Path]:
    """Write one table's Parquet file(s) (see ``table_partitions``); return them, relative to the release."""
    written = []
    for relative, rows in table_partitions(table, arrow):
        _write_parquet(rows, release_dir / relative)
        written.append(Path(relative))
    return written


class _DigestSink:
    """A write-only file that feeds a hash, so Arrow can stream into it without a copy in memory."""

    closed = False

    def __init__(self, digest: Any) -> None:
        self.digest = digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return len(data)

    def flush(self) -> None:
        pass


def rows_sha256(arrow: pa.Table) -> str:
    """SHA-256 of the Parquet file these rows become: of the rows themselves (their Arrow IPC
    stream, schema and descriptions included) and of what else decides the file's bytes, the
    Parquet writer's version and options. Equal hashes mean byte-identical files, so a file of
    the previous release with the same hash is reused instead of being encoded again."""
    digest = hashlib.sha256()
    writer = {"format": ROWS_HASH_FORMAT, "pyarrow": pa.__version__, "options": PARQUET_OPTIONS}
    digest.update(json.dumps(writer, sort_keys=True).encode("utf-8"))
    with pa.ipc.new_stream(_DigestSink(digest), arrow.schema) as stream:
        stream.write_table(arrow)
    return digest.hexdigest()


@dataclass(frozen=True)
class ReusableFiles:
    """The previous release's Parquet files that a new release may reuse: manifest entry and
    rows hash by path. A release published before rows hashes were recorded offers none."""

    store: ReleaseStore
    version: str | None
    entries: Mapping[str, Mapping[str, Any]]
    rows_hashes: Mapping[str, str]

    @classmethod
    def of(cls, store: ReleaseStore, version: str | None) -> "ReusableFiles":
        manifest = store.manifest(version) if version else {}
        return cls(store, version, {e["path"]: e for e in manifest.get("files", [])},
                   dict(manifest.get(ROWS_HASHES_KEY, {})))

    def entry_for(self, relative: str, rows_hash: str) -> Mapping[str, Any] | None:
        """The previous release's manifest entry for this file if its rows hash is the same."""
        if self.rows_hashes.get(relative) != rows_hash or relative not in self.entries:
            return None
        return self.entries[relative]


@dataclass
class ParquetOutcome:
    """What publishing did with each Parquet file of a release."""

    rows_hashes: dict[str, str]
    written: list[str]
    linked: dict[str, str]
    """Files hard-linked from the previous release (local targets), with their verified SHA-256."""
    copied: dict[str, Mapping[str, Any]]
    """Files to copy within the target from the previous release (object stores), with their entry."""

    @property
    def reused(self) -> int:
        return len(self.linked) + len(self.copied)


def _link_previous(reusable: ReusableFiles, relative: str, entry: Mapping[str, Any], staging: Path) -> bool:
    """Hard-link the previous release's file into the staging folder if it still has the bytes its
    manifest lists (a damaged file is written again instead of carried forward)."""
    source = reusable.store.local_root / str(reusable.version) / relative
    destination = staging / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, destination)
    except OSError:  # another filesystem, no hard links there, too many links, file gone
        return False
    if destination.stat().st_size == entry["bytes"] and file_sha256(destination) == entry["sha256"]:
        return True
    destination.unlink()
    return False


def write_release_parquet(
    staging: Path, definitions: Mapping[str, Table], arrow_tables: Mapping[str, pa.Table], reusable: ReusableFiles
) -> tuple[ParquetOutcome, dict[str, list[tuple[str, pa.Table]]]]:
    """Every table's Parquet files, each reused from the previous release when its rows hash is the
    same, else encoded and written; also each table's files with their rows, in path order."""
    outcome = ParquetOutcome(rows_hashes={}, written=[], linked={}, copied={})
    files = {name: table_partitions(definition, arrow_tables[name]) for name, definition in definitions.items()}
    for table_files in files.values():
        for relative, rows in table_files:
            rows_hash = rows_sha256(rows)
            outcome.rows_hashes[relative] = rows_hash
            entry = reusable.entry_for(relative, rows_hash)
            if entry is not None and reusable.store.is_local:
                if _link_previous(reusable, relative, entry, staging):
                    outcome.linked[relative] = entry["sha256"]
                    continue
            elif entry is not None:
                outcome.copied[relative] = entry
                continue
            _write_parquet(rows, staging / relative)
            outcome.written.append(relative)
    return outcome, files


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


def build_duckdb(path: Path, tables: Mapping[str, Table], rows: Mapping[str, list[pa.Table]]) -> None:
    """Create every table from its DDL, load it with its rows, and add the views.

    ``rows`` holds each table's Parquet files' rows in file order (as ``write_release_parquet``
    gives them), so the database holds what the files hold, in the same order, without reading
    back files that may have been reused rather than written. The data is copied into the
    database file, so ``newsevents.duckdb`` works on its own.
    """
    connection = duckdb.connect(str(path))
    try:
        connection.execute("BEGIN TRANSACTION")  # one commit instead of one per statement
        for name, table in tables.items():
            for statement in duckdb_ddl(table):
                connection.execute(statement)
            columns = ", ".join(sql_identifier(c) for c in table.column_names)
            parts = rows[name]
            connection.register(LOADING_VIEW, pa.concat_tables(parts) if len(parts) > 1 else parts[0])
            connection.execute(
                f"INSERT INTO {sql_identifier(name)} ({columns}) SELECT {columns} FROM {LOADING_VIEW}"
            )
            connection.unregister(LOADING_VIEW)
        for view in CONVENIENCE_VIEWS:
            for statement in _view_statements(view, tables[view.base_table]):
                connection.execute(statement)
        connection.execute("COMMIT")
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
    "Sentences of one document that report the same event are one `events` row (its sentences are "
    "in `event_mentions`), but only when they agree on two of source, target, place and trigger "
    "word; an event retold in other words can still appear twice. The same event reported in "
    "several documents is one row per document: count `DISTINCT event_cluster_id` to count it "
    "once; clusters need a date and a place or a target, and actors or places coded differently "
    "in two documents keep their events apart.",
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
    example_queries: Mapping[str, str] | None = None,
    data_docs: bool = False,
    evaluation: Mapping[str, Any] | None = None,
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
        f"- `{VALIDATION_FILE}`: results of the data checks run before publishing"
        + (f"; `{DATA_DOCS_DIR}/index.html`: the same results as Great Expectations Data Docs." if data_docs else "."),
        f"- `{DATAPACKAGE_FILE}`: the release as a Frictionless Data Package (fields, types, keys, checksums).",
        *([f"- `{EVALUATION_FILE}`: the extractor's measured accuracy on gold sets (see Accuracy below)."]
          if evaluation else []),
        f"- `{CHANGES_FILE}` and the `{RETRACTIONS}` table: rows removed or changed since the previous release.",
        f"- `{QUERIES_DIR}/`: the example queries below, as `.sql` files.",
        f"- `{MANIFEST_FILE}`: version, row counts, and the SHA-256 and size of every file.",
        "",
        "## Licence",
        "",
        f"The derived tables in this release are published under {licence}. This licence covers "
        "the extracted data, not the underlying articles: article texts are not redistributed "
        "(their copyright stays with the publishers). `documents` gives each article's title and "
        "URL; `events.sentence_text`, `event_mentions.sentence_text` and `statements.quote_text` are "
        "short excerpts kept so each "
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
    ]
    if example_queries:
        lines += ["## Example queries", "", f"Also in `{QUERIES_DIR}/`; each is run on the release before it is published.", ""]
        for name, sql in example_queries.items():
            lines += [f"### `{name}`", "", "```sql", sql.strip(), "```", ""]
    lines += ["## Known limitations", ""]
    lines += [f"- {limitation}" for limitation in KNOWN_LIMITATIONS]
    if evaluation:
        lines += ["", "## Accuracy", "", *render_card(evaluation)]
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


def describe_files(
    release_dir: Path,
    exclude: Iterable[str] = (),
    *,
    only: Iterable[str] | None = None,
    known_sha256: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Relative path, SHA-256 and size of every file in the release (or of the ``only`` ones), sorted
    by path; ``known_sha256`` gives checksums already computed from the files' bytes."""
    skipped, wanted, known = set(exclude), None if only is None else set(only), known_sha256 or {}
    described = []
    for path in _release_files(release_dir):
        relative = path.relative_to(release_dir).as_posix()
        if relative in skipped or (wanted is not None and relative not in wanted):
            continue
        checksum = known.get(relative) or file_sha256(path)
        described.append({"path": relative, "sha256": checksum, "bytes": path.stat().st_size})
    return described


def _sorted_entries(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return sorted((dict(e) for e in entries), key=lambda e: e["path"])


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


def point_latest_at(target: Workspace | ReleaseStore, version: str) -> None:
    """Replace ``releases/latest`` atomically, so readers see the old or the new name, never half."""
    store = target if isinstance(target, ReleaseStore) else ReleaseStore.open(target.releases_dir)
    store.write_atomic("latest", (version + "\n").encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Example queries, Data Docs


def load_example_queries(folder: Path = EXAMPLE_QUERIES_DIR) -> dict[str, str]:
    """``queries/*.sql`` by file name, sorted; the documented examples every release must run."""
    if not folder.is_dir():
        return {}
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.sql"))}


class ExampleQueryFailed(RuntimeError):
    """An example query does not run on the release being built; the release is not published."""


def check_example_queries(database: Path, queries: Mapping[str, str]) -> dict[str, int]:
    """Run every example query on the built database; return the rows each gave."""
    rows: dict[str, int] = {}
    connection = duckdb.connect(str(database), read_only=True)
    try:
        for name, sql in queries.items():
            try:
                rows[name] = len(connection.execute(sql).fetchall())
            except duckdb.Error as error:
                raise ExampleQueryFailed(f"example query {name} fails on this release: {error}") from error
    finally:
        connection.close()
    return rows


def copy_data_docs(source: Path, destination: Path) -> None:
    """Copy Great Expectations Data Docs, leaving out static assets no page refers to.

    GX ships about 4 MB of help GIFs and fonts with every site that its pages never load; the
    HTML, the styles and the favicon are what a reader needs.
    """
    pages = [p for p in source.rglob("*") if p.is_file() and p.suffix in (".html", ".css")]
    referenced = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in pages)
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(source)
        if relative.parts[0] == "static" and path.suffix not in (".css",) and path.name not in referenced:
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


# --------------------------------------------------------------------------------------------
# Publishing


def previous_tables(store: ReleaseStore, version: str | None) -> dict[str, pa.Table | None]:
    """Every table of a published release (None for tables it does not have)."""
    if version is None:
        return {}
    return {name: store.read_table(version, name) for name in load_tables() if name != RETRACTIONS}


def retractions_against_previous(
    tables: Mapping[str, pd.DataFrame], version: str, store: ReleaseStore
) -> pd.DataFrame:
    """The ``retractions`` rows of a release ``version`` of ``tables`` published to ``store``."""
    previous_version = store.previous_version(version)
    definitions = load_tables()
    current = {name: dataframe_to_arrow(definitions[name], tables[name]) for name in definitions if name != RETRACTIONS}
    return compute_retractions(previous_tables(store, previous_version), current, previous_version)


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
    store: ReleaseStore,
    data_docs_dir: Path | None,
    evaluation: Mapping[str, Any] | None,
) -> dict[str, Any]:
    definitions = load_tables()
    previous_version = store.previous_version(version)
    previous = previous_tables(store, previous_version)
    arrow_tables: dict[str, pa.Table] = {}
    for name, definition in definitions.items():
        if name == RETRACTIONS:
            continue
        arrow_tables[name] = dataframe_to_arrow(definition, tables[name])
    retractions = tables.get(RETRACTIONS)
    computed = compute_retractions(previous, arrow_tables, previous_version)
    if retractions is None:
        retractions = computed
    elif not _same_rows(dataframe_to_arrow(definitions[RETRACTIONS], retractions),
                        dataframe_to_arrow(definitions[RETRACTIONS], computed)):
        raise ValueError(
            f"table {RETRACTIONS}: the given rows differ from the comparison with the previous release "
            f"({previous_version}); leave {RETRACTIONS} out and the publisher computes it"
        )
    arrow_tables[RETRACTIONS] = dataframe_to_arrow(definitions[RETRACTIONS], retractions)

    parquet, table_files = write_release_parquet(
        staging, definitions, arrow_tables, ReusableFiles.of(store, previous_version)
    )
    for name, files in table_files.items():
        if definitions[name].partition_by:  # its files hold copies of its rows: keep those, not the table too
            arrow_tables[name] = pa.concat_tables([rows for _, rows in files])
    build_duckdb(staging / DUCKDB_FILE, definitions, {name: [rows for _, rows in files] for name, files in table_files.items()})
    leftovers = [p.name for p in staging.iterdir() if p.name.startswith(DUCKDB_FILE + ".")]
    if leftovers:
        raise RuntimeError(f"DuckDB left files behind after closing: {leftovers}")
    queries = load_example_queries()
    check_example_queries(staging / DUCKDB_FILE, queries)

    row_counts = {name: arrow.num_rows for name, arrow in arrow_tables.items()}
    _write_text(staging / VALIDATION_FILE, _to_json(validation, sort_keys=True))
    if evaluation:
        _write_text(staging / EVALUATION_FILE, _to_json(evaluation, sort_keys=True))
    if data_docs_dir is not None:
        copy_data_docs(Path(data_docs_dir), staging / DATA_DOCS_DIR)
    _write_text(staging / DICTIONARY_FILE, render_markdown(definitions))
    (staging / QUERIES_DIR).mkdir()
    for name, sql in queries.items():
        _write_text(staging / QUERIES_DIR / name, sql)
    previous_schema = store.manifest(previous_version).get("schema_version") if previous_version else None
    _write_text(
        staging / CHANGES_FILE,
        render_changes(
            version=version,
            previous_version=previous_version,
            previous_schema=previous_schema,
            changes=summarise_changes(previous, arrow_tables, retractions),
        ),
    )
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
            example_queries=queries,
            data_docs=data_docs_dir is not None,
            evaluation=evaluation,
        ),
    )
    data_files = _sorted_entries(
        describe_files(staging, known_sha256=parquet.linked)
        + [dict(entry) for entry in parquet.copied.values()]
    )
    relative_parquet = {name: [relative for relative, _ in files] for name, files in table_files.items()}
    _write_text(
        staging / DATAPACKAGE_FILE,
        _to_json(
            render_datapackage(
                version=version,
                created_at=created_at,
                tables=definitions,
                files=data_files,
                table_files=relative_parquet,
                licence=settings.release_licence,
                sources=sources,
                row_counts=row_counts,
            ),
            sort_keys=False,
        ),
    )
    manifest = {
        "version": version,
        "created_at": created_at.isoformat(),
        "code_version": code_version,
        "schema_version": SCHEMA_VERSION,
        "previous_version": previous_version,
        "sources": list(sources),
        "licence": settings.release_licence,
        "row_counts": row_counts,
        "files": _sorted_entries(data_files + describe_files(staging, only=[DATAPACKAGE_FILE])),
        ROWS_HASHES_KEY: dict(sorted(parquet.rows_hashes.items())),
    }
    _write_text(staging / MANIFEST_FILE, _to_json(manifest, sort_keys=False))
    return manifest, parquet


def _same_rows(left: pa.Table, right: pa.Table) -> bool:
    return left.equals(right)


def _upload(staging: Path, store: ReleaseStore, version: str, parquet: ParquetOutcome, previous: str | None) -> None:
    """Copy a built release to an fsspec target, ``manifest.json`` last (it marks completeness).

    Parquet files reused from the previous release are copied within the target (a server-side
    copy on object stores: nothing is uploaded again) and their size checked against the manifest.
    """
    for relative, entry in parquet.copied.items():
        destination = store.path(version, relative)
        store.fs.copy(store.path(str(previous), relative), destination)
        if int(store.fs.info(destination)["size"]) != int(entry["bytes"]):
            raise OSError(f"copying {relative} from release {previous} gave a file of the wrong size")
    files = [p for p in _release_files(staging) if p.name != MANIFEST_FILE or p.parent != staging]
    for path in files + [staging / MANIFEST_FILE]:
        relative = path.relative_to(staging).as_posix()
        store.fs.put_file(str(path), store.path(version, relative))


def publish_release(
    workspace: Workspace,
    tables: Mapping[str, pd.DataFrame],
    *,
    version: str,
    created_at: datetime,
    code_version: str,
    sources: list[str],
    validation: dict,
    settings: Settings,
    target: str | Path | None = None,
    storage_options: Mapping[str, Any] | None = None,
    data_docs_dir: Path | None = None,
    evaluation: Mapping[str, Any] | None = None,
) -> Path | str:
    """Publish ``tables`` as release ``version``, update the catalog and ``latest``; return its location.

    ``tables`` must hold a DataFrame for every table in ``schemas.load_tables()`` with exactly
    the schema's columns; ``retractions`` may be left out (it is computed against the previous
    release in the target). ``target`` is a folder or fsspec URL (default: ``settings.publish_to``,
    else the workspace's ``releases/``). Raises ReleaseExistsError if the version exists (nothing
    is touched) and ValueError for tables that do not fit their schema (nothing becomes visible).
    The return value is the release folder (a path for local targets, else a URL).
    """
    from flows.catalog import write_catalog

    if not is_release_version(version):
        raise ValueError(f"release version {version!r} is not of the form YYYY.MM.DD or YYYY.MM.DD.N")
    if created_at.tzinfo is None:
        raise ValueError("created_at must be time-zone aware (for example datetime.now(timezone.utc))")
    created_at = created_at.astimezone(timezone.utc)
    expected, given = set(load_tables()), set(tables) | {RETRACTIONS}
    if expected != given:
        raise ValueError(
            f"publish_release needs exactly the tables {sorted(expected)}; "
            f"missing {sorted(expected - given)}, unexpected {sorted(given - expected)}"
        )
    store = open_target(workspace, settings, target, storage_options)
    if store.has_release(version):
        raise ReleaseExistsError(
            f"release {version} already exists at {store.path(version)}; releases are immutable and never "
            "overwritten. Publish under a new version (next_release_version gives one)."
        )

    if store.is_local:
        store.local_root.mkdir(parents=True, exist_ok=True)
        staging = store.local_root / f"{STAGING_PREFIX}{version}-{uuid.uuid4().hex}"
        staging.mkdir()
    else:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
    try:
        manifest, parquet = _build_release(
            staging,
            tables,
            version=version,
            created_at=created_at,
            code_version=code_version,
            sources=sources,
            validation=validation,
            settings=settings,
            store=store,
            data_docs_dir=data_docs_dir,
            evaluation=evaluation,
        )
        _seal(staging)
        if store.has_release(version):  # another publisher won the race while we were building
            raise ReleaseExistsError(f"release {version} appeared while it was being built; not overwritten")
        if store.is_local:
            os.rename(staging, store.local_root / version)
            _fsync_path(store.local_root)
        else:
            _upload(staging, store, version, parquet, manifest["previous_version"])
    except BaseException:
        _remove_tree(staging)
        raise
    if not store.is_local:
        _remove_tree(staging)
    logger.info("release %s: %d Parquet files reused from release %s, %d written", version, parquet.reused,
                manifest["previous_version"], len(parquet.written))
    write_catalog(store, latest=version)
    point_latest_at(store, version)
    return store.local_root / version if store.is_local else f"{store.url}/{version}"


def open_target(
    workspace: Workspace,
    settings: Settings,
    target: str | Path | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> ReleaseStore:
    """The releases folder to publish to: ``target``, else ``settings.publish_to``, else the workspace's."""
    location = target or settings.publish_to or workspace.releases_dir
    options = storage_options if storage_options is not None else settings.publish_storage_options
    return ReleaseStore.open(location, options)


def _remove_tree(path: Path) -> None:
    """Delete a staging folder whose files were made read-only."""

    def make_writable_and_retry(function: Any, name: str, _: Any) -> None:
        os.chmod(name, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
        function(name)

    shutil.rmtree(path, onerror=make_writable_and_retry)
