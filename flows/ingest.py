"""Ingest stage: read every source into the content-addressed raw store, clean what can be used,
and set the rest aside in quarantine with a reason.

Nothing is lost: every payload read is kept under ``raw/`` by its SHA-256 whatever becomes of it,
and documents already in the ledger keep their first ``ingested_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pandas as pd
from prefect import get_run_logger, task

from flows.clock import utc_now
from flows.frames import read_frame, rows_to_frame
from flows.settings import PROJECT_ROOT, Settings
from flows.workspace import Workspace
from transforms.documents import SUPPORTED_SUFFIXES, CleanDocument, Payload, RejectedInput, parse_payload
from transforms.ids import stable_id

USER_AGENT = "newsevents/0.1 (+https://github.com/newsevents/newsevents; open event data research)"


@dataclass
class IngestResult:
    documents: list[CleanDocument] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    payloads_read: int = 0
    already_ingested: int = 0


def source_name(location: str) -> str:
    if location.startswith(("http://", "https://")):
        return urlparse(location).hostname or "web"
    path = Path(location)
    if path.suffix:
        return path.parent.name or "files"
    return path.name or "files"


def _quarantine_row(source: str, uri: str, reason: str, detail: str, sha256: str | None) -> dict:
    return {
        "quarantine_id": stable_id("qua", source, uri, reason, sha256 or ""),
        "source": source,
        "source_uri": uri,
        "reason": reason,
        "detail": detail,
        "payload_sha256": sha256,
        "quarantined_at": utc_now(),
    }


def store_raw(workspace: Workspace, data: bytes) -> str:
    """Keep the bytes once, under their SHA-256; return the hash."""
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    path = workspace.raw_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return sha


def _read_folder(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


@task(retries=3, retry_delay_seconds=[2, 10, 30], task_run_name="fetch {url}")
def fetch_url(url: str, timeout_seconds: float = 30.0) -> tuple[bytes, str | None]:
    with httpx.Client(timeout=timeout_seconds, follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client:
        response = client.get(url)
        response.raise_for_status()
        return response.content, response.headers.get("content-type")


def _local_path(location: str) -> Path:
    """A path from the working directory, else from the project root (so the default "seeds"
    works anywhere); the location as given stays the documents' source_uri."""
    path = Path(location)
    if path.exists():
        return path
    if not path.is_absolute() and (PROJECT_ROOT / path).exists():
        return PROJECT_ROOT / path
    raise FileNotFoundError(
        f"source {location!r} does not exist: give a folder, a .txt/.html/.json file or an http(s) URL"
    )


def _payloads(location: str, source: str, errors: list[dict]) -> list[tuple[Payload, bytes]]:
    """Every payload of one source location; unreadable ones become quarantine rows."""
    if location.startswith(("http://", "https://")):
        try:
            data, content_type = fetch_url(location)
        except Exception as error:  # retries exhausted: the run goes on without it
            errors.append(_quarantine_row(source, location, "fetch_error", f"{type(error).__name__}: {error}", None))
            return []
        return [(Payload(source, location, data, content_type or "text/html"), data)]
    path = _local_path(location)
    files = _read_folder(path) if path.is_dir() else [path]
    out = []
    for file in files:
        if file.suffix.lower() not in SUPPORTED_SUFFIXES and file.name.lower() in ("readme.md", "license", "licence"):
            continue  # a folder's own documentation is not news input
        try:
            data = file.read_bytes()
        except OSError as error:
            errors.append(_quarantine_row(source, str(file), "unreadable", str(error), None))
            continue
        uri = str(Path(location) / file.relative_to(path)) if path.is_dir() else location
        out.append((Payload(source, uri, data), data))
    return out


@task(task_run_name="ingest")
def ingest_sources(locations: list[str], workspace: Workspace, settings: Settings) -> IngestResult:
    """Read, store and clean every source; known documents are counted, not processed again."""
    logger = get_run_logger()
    known = set(read_ledger(workspace)["doc_id"])
    result = IngestResult()
    seen_now: set[str] = set()
    for location in locations:
        source = source_name(location)
        errors: list[dict] = []
        for payload, data in _payloads(location, source, errors):
            result.payloads_read += 1
            sha = store_raw(workspace, data)
            try:
                document = parse_payload(payload, settings.max_document_bytes)
            except RejectedInput as rejection:
                result.quarantine.append(_quarantine_row(source, payload.source_uri, rejection.reason, rejection.detail, sha))
                continue
            if document.doc_id in known or document.doc_id in seen_now:
                result.already_ingested += 1
                continue
            seen_now.add(document.doc_id)
            text_path = workspace.text_path(document.doc_id)
            text_path.parent.mkdir(parents=True, exist_ok=True)
            text_path.write_text(document.text, encoding="utf-8")
            result.documents.append(document)
        result.quarantine.extend(errors)
    logger.info(
        "read %d payloads: %d new documents, %d already ingested, %d quarantined",
        result.payloads_read, len(result.documents), result.already_ingested, len(result.quarantine),
    )
    return result


def read_ledger(workspace: Workspace) -> pd.DataFrame:
    """Documents already processed: doc_id, batch_id, ingested_at, extractor_version."""
    if workspace.ledger_path.exists():
        return pd.read_parquet(workspace.ledger_path)
    return pd.DataFrame({"doc_id": pd.Series(dtype="str"), "batch_id": pd.Series(dtype="str"),
                         "ingested_at": pd.Series(dtype="datetime64[us, UTC]"),
                         "extractor_version": pd.Series(dtype="str")})


def document_rows(documents: list[CleanDocument], ingested_at) -> pd.DataFrame:
    return rows_to_frame("documents", [
        {
            "doc_id": d.doc_id, "source": d.source, "source_uri": d.source_uri, "url": d.url, "title": d.title,
            "author": d.author, "published_at": d.published_at, "language": d.language,
            "word_count": d.word_count, "text_sha256": d.text_sha256, "ingested_at": ingested_at,
        }
        for d in documents
    ])


def read_staged(workspace: Workspace, table_name: str) -> list[pd.DataFrame]:
    folder = workspace.staging_dir / table_name
    return [read_frame(p, table_name) for p in sorted(folder.glob("*.parquet"))] if folder.exists() else []
