"""Assemble the release tables from every staged batch: each document's current rows only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import task

from flows.frames import empty_frame, read_frame, rows_to_frame
from flows.ingest import read_ledger
from flows.workspace import Workspace
from schemas import TABLE_ORDER
from transforms.actors import merge_actor_rows

DOCUMENT_TABLES = ("documents", "actor_mentions", "events", "event_mentions", "statements")


def _staged_files(workspace: Workspace, table_name: str) -> list[Path]:
    folder = workspace.staging_dir / table_name
    return sorted(folder.glob("*.parquet")) if folder.exists() else []


def _current_rows(workspace: Workspace, table_name: str, current_batch: dict[str, str]) -> pd.DataFrame:
    """Rows from the batch the ledger names for each document (older batches are superseded)."""
    frames = []
    for path in _staged_files(workspace, table_name):
        frame = read_frame(path, table_name)
        frames.append(frame[frame["doc_id"].map(current_batch.get) == path.stem])
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_frame(table_name)


def _duplicates(workspace: Workspace, doc_ids: set[str]) -> pd.DataFrame:
    """Every duplicate recorded so far whose original is published (an original whose run crashed
    before the ledger comes back, with its duplicates, once it is processed)."""
    frames = [f for f in (read_frame(p, "duplicates") for p in _staged_files(workspace, "duplicates")) if len(f)]
    if not frames:
        return empty_frame("duplicates")
    rows = pd.concat(frames, ignore_index=True).drop_duplicates("duplicate_id", keep="first")
    return rows[rows["duplicate_of"].isin(doc_ids)]


@task(retries=2, retry_delay_seconds=[2, 10], task_run_name="assemble")
def assemble_tables(workspace: Workspace) -> dict[str, pd.DataFrame]:
    """Every table of the next release, from staging and the ledger."""
    ledger = read_ledger(workspace)
    current_batch = dict(zip(ledger["doc_id"], ledger["batch_id"]))
    tables = {name: _current_rows(workspace, name, current_batch) for name in DOCUMENT_TABLES}
    # Ingested-at comes from the ledger: a document keeps the time it was first ingested.
    first_seen = dict(zip(ledger["doc_id"], ledger["ingested_at"]))
    tables["documents"]["ingested_at"] = tables["documents"]["doc_id"].map(first_seen).astype("datetime64[us, UTC]")
    used = set(tables["actor_mentions"]["actor_id"]) | set(tables["events"]["source_actor_id"].dropna()) \
        | set(tables["events"]["target_actor_id"].dropna()) | set(tables["statements"]["speaker_actor_id"].dropna())
    actor_rows = []
    for path in _staged_files(workspace, "actors"):
        frame = read_frame(path, "actors")
        actor_rows.extend(r for r in frame.to_dict("records") if r["actor_id"] in used)
    tables["actors"] = rows_to_frame("actors", merge_actor_rows(actor_rows))
    quarantine = [read_frame(p, "quarantine") for p in _staged_files(workspace, "quarantine")]
    quarantine = [q for q in quarantine if len(q)]
    tables["quarantine"] = (
        pd.concat(quarantine, ignore_index=True).drop_duplicates("quarantine_id", keep="first")
        if quarantine else empty_frame("quarantine")
    )
    tables["duplicates"] = _duplicates(workspace, set(tables["documents"]["doc_id"]))
    return {name: tables[name].reset_index(drop=True) for name in TABLE_ORDER if name in tables}
