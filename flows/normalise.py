"""Normalise stage: parse documents with spaCy and stage their rows for every table.

Each run's rows go to ``staging/<table>/<batch_id>.parquet``; the ledger records which batch
holds each document's current rows and which extractor version coded them. A document is parsed
once per extractor version: new documents, and documents coded by an older version (read back
from ``texts/``), are the only ones a run parses.

The work is split into chunks of documents, one task each, so that a Dask task runner can spread
the parsing over workers; results are gathered in document order, so the rows do not depend on
which runner did the work. A chunk's rows travel as DataFrames, not as lists of row dicts: Prefect
walks every list and dict in a task's parameters, which cost seconds per thousand documents.

On a machine with a second CPU, an extraction helper process (``flows.extraction_helper``) parses
and extracts a share of a local run's documents beside the flow's process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.frames import empty_frame, read_frame, rows_to_frame, write_frame
from flows.ingest import document_rows, read_ledger
from flows.extraction_helper import code_sharing_with_helper, extraction_helper, forget_extraction_helper
from flows.resources import extractor_version, load_models
from flows.settings import Settings
from flows.workspace import Workspace
from transforms.documents import CleanDocument
from transforms.extract import TABLES, DocumentForExtraction, ExtractionModels, extract_documents
from transforms.ids import stable_id

EXTRACTED_TABLES = tuple(name for name in TABLES if name != "documents")
Rows = dict[str, list[dict]]
Frames = dict[str, pd.DataFrame]


def batch_id_for(doc_ids: list[str], started_at: datetime) -> str:
    return f"{started_at:%Y%m%dT%H%M%S}_{stable_id('b', *sorted(doc_ids))[2:]}"


def chunked(documents: list[CleanDocument], size: int) -> list[list[CleanDocument]]:
    return [documents[i : i + size] for i in range(0, len(documents), size)]


def use_extraction_helper(settings: Settings) -> bool:
    """Whether this run shares its documents with the helper (started now if it is not running):
    when the settings allow it and there is a second CPU. The helper takes groups only once it
    has loaded its models, so a small run is never slower for it."""
    return settings.extraction_helper and extraction_helper(settings.spacy_model) is not None


def extract_rows(documents: list[CleanDocument], settings: Settings, progress=None, with_helper: bool = False) -> Rows:
    """Rows of every extracted table for the documents (no I/O besides loading the models).

    With ``with_helper`` (and more than one CPU), the extraction helper codes a share of the documents
    beside this process; the rows are the same either way.
    """
    rows: Rows = {name: [] for name in EXTRACTED_TABLES}
    for doc_rows in _coded(documents, settings, with_helper):
        for name, table_rows in doc_rows.items():
            rows[name].extend(table_rows)
        if progress is not None:
            progress()
    return rows


def _coded(documents: list[CleanDocument], settings: Settings, with_helper: bool) -> Iterator[Rows]:
    """Each document's rows, in document order, coded here or shared with the helper."""
    if not documents:
        return
    models = load_models(settings.spacy_model)
    items = [DocumentForExtraction(d.doc_id, d.text, d.published_at) for d in documents]
    helper = extraction_helper(settings.spacy_model) if with_helper else None
    if helper is None:
        yield from (doc_rows for _, doc_rows in extract_documents(items, models, batch_size=settings.batch_size))
        return
    yield from code_sharing_with_helper(items, lambda group: _code_here(group, models, settings.batch_size), helper)
    if not helper.alive():  # killed, out of memory, models not loadable there: its share was coded here
        logging.getLogger(__name__).warning("the extraction helper exited; its documents were coded in this process")
        forget_extraction_helper(settings.spacy_model)


def _code_here(group: list[DocumentForExtraction], models: ExtractionModels, batch_size: int) -> list[Rows]:
    return [doc_rows for _, doc_rows in extract_documents(group, models, batch_size=batch_size)]


def rows_to_frames(rows: Rows) -> Frames:
    return {name: rows_to_frame(name, rows[name]) for name in EXTRACTED_TABLES}


@task(retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE, task_run_name="normalise chunk of {documents_count} documents")
def normalise_chunk(documents: list[CleanDocument], settings: Settings, documents_count: int = 0,
                    with_helper: bool = False) -> Frames:
    """Parse and extract one chunk; pure work, so it can run on any Dask worker. Rows become
    frames every ``chunk_size`` documents: a frame holds a row in far less memory than a dict."""
    parts: list[Frames] = []
    rows: Rows = {name: [] for name in EXTRACTED_TABLES}
    for count, doc_rows in enumerate(_coded(documents, settings, with_helper), start=1):
        for name, table_rows in doc_rows.items():
            rows[name].extend(table_rows)
        if count % settings.chunk_size == 0:
            parts.append(rows_to_frames(rows))
            rows = {name: [] for name in EXTRACTED_TABLES}
            get_run_logger().info("coded %d of %d documents", count, len(documents))
    parts.append(rows_to_frames(rows))
    return merge_frames(parts)


def merge_frames(parts: list[Frames]) -> Frames:
    """One frame per table from the chunks' frames, in chunk order."""
    merged: Frames = {}
    for name in EXTRACTED_TABLES:
        frames = [part[name] for part in parts if len(part[name])]
        merged[name] = pd.concat(frames, ignore_index=True) if frames else empty_frame(name)
    return merged


@task(task_run_name="find documents to code again")
def stale_documents(workspace: Workspace, settings: Settings) -> list[CleanDocument]:
    """Documents whose rows were coded by another extractor version, rebuilt from the workspace."""
    ledger = read_ledger(workspace)
    version = extractor_version(settings.spacy_model)
    stale = ledger[ledger["extractor_version"].fillna("") != version]
    if stale.empty:
        return []
    current = dict(zip(stale["doc_id"], stale["batch_id"]))
    documents = []
    for path in sorted((workspace.staging_dir / "documents").glob("*.parquet")):
        frame = read_frame(path, "documents")
        for row in frame[frame["doc_id"].map(current.get) == path.stem].to_dict("records"):
            text = workspace.text_path(row["doc_id"]).read_text(encoding="utf-8")
            documents.append(CleanDocument(
                doc_id=row["doc_id"], text=text, text_sha256=row["text_sha256"], source=row["source"],
                source_uri=row["source_uri"], url=_none(row["url"]), title=_none(row["title"]),
                author=_none(row["author"]), published_at=_none(row["published_at"]),
                language=row["language"], word_count=int(row["word_count"]),
            ))
    return sorted(documents, key=lambda d: d.doc_id)


def _none(value):
    return None if value is None or pd.isna(value) else value


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE, task_run_name="stage {batch_id}")
def stage_batch(
    extracted: Frames,
    documents: list[CleanDocument],
    quarantine: list[dict],
    batch_id: str,
    ingested_at: datetime,
    workspace: Workspace,
    settings: Settings,
) -> dict[str, int]:
    """Write a batch's rows, then record its documents in the ledger. Returns row counts."""
    logger = get_run_logger()
    frames = dict(extracted)
    frames["documents"] = document_rows(documents, ingested_at)
    frames["quarantine"] = rows_to_frame("quarantine", quarantine)
    # Rows first, ledger last: a crash in between only means these documents are parsed again.
    for name, frame in frames.items():
        if len(frame):
            write_frame(frame, name, workspace.staging_path(name, batch_id))
    if documents:
        ledger = read_ledger(workspace)
        first_seen = dict(zip(ledger["doc_id"], ledger["ingested_at"]))
        new = pd.DataFrame({
            "doc_id": [d.doc_id for d in documents],
            "batch_id": batch_id,
            "ingested_at": pd.Series([first_seen.get(d.doc_id, ingested_at) for d in documents],
                                     dtype="datetime64[us, UTC]"),
            "extractor_version": extractor_version(settings.spacy_model),
        })
        ledger = pd.concat([ledger[~ledger["doc_id"].isin(new["doc_id"])], new], ignore_index=True)
        tmp = workspace.ledger_path.with_suffix(".parquet.tmp")
        ledger.to_parquet(tmp, index=False)
        tmp.replace(workspace.ledger_path)
    counts = {name: len(frame) for name, frame in frames.items()}
    logger.info("staged batch %s: %s", batch_id, counts)
    return counts
