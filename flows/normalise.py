"""Normalise stage: parse new documents with spaCy and stage their rows for every table.

Each run's rows go to ``staging/<table>/<batch_id>.parquet``; the ledger records which batch
holds each document's current rows, so a document is parsed once per extractor version.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from prefect import get_run_logger, task

from flows.frames import rows_to_frame, write_frame
from flows.ingest import document_rows, read_ledger
from flows.resources import load_models
from flows.settings import Settings
from flows.workspace import Workspace
from transforms.documents import CleanDocument
from transforms.extract import TABLES, DocumentForExtraction, extract_documents
from transforms.ids import stable_id


def batch_id_for(doc_ids: list[str], started_at: datetime) -> str:
    return f"{started_at:%Y%m%dT%H%M%S}_{stable_id('b', *sorted(doc_ids))[2:]}"


def extract_rows(documents: list[CleanDocument], settings: Settings, progress=None) -> dict[str, list[dict]]:
    """Rows of every extracted table for the documents (no I/O besides loading the models)."""
    models = load_models(settings.spacy_model)
    rows: dict[str, list[dict]] = {name: [] for name in TABLES if name != "documents"}
    items = [DocumentForExtraction(d.doc_id, d.text, d.published_at) for d in documents]
    for _, doc_rows in extract_documents(items, models, batch_size=settings.batch_size):
        for name, table_rows in doc_rows.items():
            rows[name].extend(table_rows)
        if progress is not None:
            progress()
    return rows


@task(retries=1, retry_delay_seconds=5, task_run_name="normalise {batch_id}")
def normalise_documents(
    documents: list[CleanDocument],
    quarantine: list[dict],
    batch_id: str,
    ingested_at: datetime,
    workspace: Workspace,
    settings: Settings,
) -> dict[str, int]:
    """Extract and stage rows for new documents; record them in the ledger. Returns row counts."""
    logger = get_run_logger()
    # Process.
    rows = extract_rows(documents, settings) if documents else {n: [] for n in TABLES if n != "documents"}
    frames = {name: rows_to_frame(name, table_rows) for name, table_rows in rows.items()}
    frames["documents"] = document_rows(documents, ingested_at)
    frames["quarantine"] = rows_to_frame("quarantine", quarantine)
    # Save outputs (rows first, ledger last: a crash in between only re-parses these documents).
    for name, frame in frames.items():
        if len(frame):
            write_frame(frame, name, workspace.staging_path(name, batch_id))
    if documents:
        models_version = rows["events"][0]["extractor_version"] if rows["events"] else None
        ledger = read_ledger(workspace)
        new = pd.DataFrame({
            "doc_id": [d.doc_id for d in documents],
            "batch_id": batch_id,
            "ingested_at": pd.Series([ingested_at] * len(documents), dtype="datetime64[us, UTC]"),
            "extractor_version": models_version,
        })
        ledger = pd.concat([ledger[~ledger["doc_id"].isin(new["doc_id"])], new], ignore_index=True)
        tmp = workspace.ledger_path.with_suffix(".parquet.tmp")
        ledger.to_parquet(tmp, index=False)
        tmp.replace(workspace.ledger_path)
    counts = {name: len(frame) for name, frame in frames.items()}
    logger.info("staged batch %s: %s", batch_id, counts)
    return counts
