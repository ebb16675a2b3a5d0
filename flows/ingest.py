"""Ingest stage: read every source into the content-addressed raw store, clean what can be used,
set duplicates aside with the document they duplicate, and the rest in quarantine with a reason.

Nothing is lost: every payload read or fetched is kept under ``raw/`` by its SHA-256 whatever
becomes of it, with its fetch metadata in the payload index; documents already in the ledger
keep their first ``ingested_at``; payloads handled on an earlier night are not handled again.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import get_run_logger, task

from flows.clock import utc_now
from flows.fetch import Fetcher, FetchResult, Validators
from flows.frames import read_frame, rows_to_frame, write_frame
from flows.settings import Settings
from flows.sources import WARC_SUFFIXES, Source, resolve_path, source_from_location
from flows.workspace import Workspace
from transforms.dedup import DuplicateIndex, KnownDocument, canonical_url, normalised_text_hash, signature
from transforms.documents import SUPPORTED_SUFFIXES, CleanDocument, Payload, RejectedInput, parse_payload
from transforms.ids import stable_id

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAYLOAD_INDEX_COLUMNS = {
    "sha256": "str", "source": "str", "location": "str", "url": "str", "status": "Int64", "headers": "str",
    "fetched_at": "datetime64[us, UTC]", "outcome": "str", "doc_id": "str",
}
DEDUP_INDEX_COLUMNS = {"doc_id": "str", "source_uri": "str", "text_hash": "str", "url": "str", "signature": "object"}


@dataclass
class Incoming:
    """One payload as a source hands it over: bytes and where they came from, or why there are none."""

    source: str
    location: str  # path, URL, or "<warc>#<offset>": the documents' source_uri
    data: bytes | None
    content_type: str | None = None
    metadata: dict | None = None  # the container's title/url/author/published for the payload
    url: str | None = None
    status: int | None = None
    headers: dict | None = None
    fetched_at: datetime | None = None
    reason: str | None = None  # a quarantine reason: the payload cannot be used
    detail: str = ""


@dataclass
class IngestResult:
    documents: list[CleanDocument] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    payloads_read: int = 0
    already_ingested: int = 0
    fetches: int = 0


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
    sha = hashlib.sha256(data).hexdigest()
    path = workspace.raw_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return sha


# -- the workspace's memory: payload index and duplicate index ------------------------------------


def _read_parquet_or_empty(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    if path.exists():
        return pd.read_parquet(path)
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def read_payload_index(workspace: Workspace) -> pd.DataFrame:
    """Every payload read or fetched: sha256, source, location, url, status, headers (JSON),
    fetched_at, and what became of it (document, known, duplicate, quarantined) with its doc_id."""
    return _read_parquet_or_empty(workspace.payload_index_path, PAYLOAD_INDEX_COLUMNS)


def _append_parquet(path: Path, old: pd.DataFrame, rows: list[dict], columns: dict[str, str]) -> None:
    if not rows:
        return
    new = pd.DataFrame(rows, columns=list(columns))
    for name, dtype in columns.items():
        if dtype != "object":
            new[name] = new[name].astype(dtype)
    frame = pd.concat([old, new], ignore_index=True) if len(old) else new
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


def _load_duplicate_index(workspace: Workspace, ledger_ids: set[str], threshold: float) -> tuple[DuplicateIndex, dict[str, str], pd.DataFrame]:
    """The documents already in the ledger, as a duplicate index; also each one's first source_uri."""
    frame = _read_parquet_or_empty(workspace.dedup_index_path, DEDUP_INDEX_COLUMNS)
    index = DuplicateIndex(threshold)
    first_uri: dict[str, str] = {}
    for row in frame.itertuples(index=False):
        if row.doc_id in ledger_ids:  # a document whose run crashed before the ledger is not known
            index.add(KnownDocument(row.doc_id, row.text_hash, row.url, np.frombuffer(row.signature, dtype=np.uint64)))
            first_uri.setdefault(row.doc_id, row.source_uri)
    return index, first_uri, frame


# -- sources: each kind yields Incoming payloads --------------------------------------------------


def _folder_payloads(source: Source, max_bytes: int) -> Iterator[Incoming]:
    path = resolve_path(source.location)
    if not path.exists():
        raise FileNotFoundError(
            f"source {source.location!r} does not exist: give a folder, a .txt/.html/.json file or an http(s) URL"
        )
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")) if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() not in SUPPORTED_SUFFIXES and file.name.lower() in ("readme.md", "license", "licence"):
            continue  # a folder's own documentation is not news input
        uri = str(Path(source.location) / file.relative_to(path)) if path.is_dir() else source.location
        try:
            data = file.read_bytes()
        except OSError as error:
            yield Incoming(source.name, uri, None, reason="unreadable", detail=str(error))
            continue
        name = file.name.lower()
        if name.endswith(WARC_SUFFIXES):
            yield from _warc_payloads(Source(source.name, "warc", str(file), source.options), max_bytes)
            continue
        if name.endswith(".gz"):
            try:
                data = _gunzip(data, max_bytes)
            except (EOFError, OSError, zlib.error) as error:
                yield Incoming(source.name, uri, data, reason="truncated",
                               detail=f"the gzip file is cut off or corrupt: {type(error).__name__}: {error}")
                continue
            name = name.removesuffix(".gz")
            uri_for_kind = uri.removesuffix(".gz")
        else:
            uri_for_kind = uri
        if name.endswith(".jsonl"):
            for number, line in enumerate(data.splitlines(), start=1):
                if line.strip():
                    yield Incoming(source.name, f"{uri}#L{number}", line, content_type="application/json")
            continue
        content_type = _content_type_for(uri_for_kind) if uri_for_kind != uri else None
        yield Incoming(source.name, uri, data, content_type=content_type)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompressed bytes, at most one over the cap (so the size check still sees an oversized file)."""
    decompressor = zlib.decompressobj(wbits=31)
    out = decompressor.decompress(data, max_bytes + 1)
    if len(out) <= max_bytes and not decompressor.eof:
        raise EOFError("compressed stream ended before the end-of-stream marker")
    return out


def _content_type_for(uri: str) -> str | None:
    suffix = Path(uri).suffix.lower()
    return {".txt": "text/plain", ".html": "text/html", ".htm": "text/html", ".json": "application/json"}.get(suffix)


def _from_fetch(source: Source, result: FetchResult, metadata: dict | None = None) -> Incoming:
    return Incoming(
        source.name, result.url, result.body, content_type=result.headers.get("content-type"),
        metadata=metadata, url=result.final_url, status=result.status, headers=result.headers,
        fetched_at=result.fetched_at, reason=result.reason, detail=result.detail,
    )


class WebReader:
    """Fetches pages and feeds for one source, reusing what the raw store already holds."""

    def __init__(self, source: Source, workspace: Workspace, settings: Settings, index: pd.DataFrame):
        self.source, self.workspace, self.settings = source, workspace, settings
        self.fetcher = Fetcher(settings, delay_seconds=source.options.get("delay_seconds"))
        fetched = index[index["status"].fillna(0).astype(int).between(200, 299) & index["sha256"].notna()]
        self.stored = {row.location: row for row in fetched.itertuples(index=False)}  # latest per URL wins

    def close(self) -> None:
        self.fetcher.client.close()

    def page(self, url: str, metadata: dict | None = None) -> Incoming:
        """An article page: from the raw store when it holds the URL already (unless forced)."""
        known = self.stored.get(url)
        if known is not None and not self.settings.force_fetch:
            return self._from_store(known, metadata)
        return _from_fetch(self.source, self.fetcher.fetch(url), metadata)

    def _from_store(self, known, metadata: dict | None) -> Incoming:
        headers = json.loads(known.headers or "{}")
        return Incoming(self.source.name, known.location, self.workspace.raw_path(known.sha256).read_bytes(),
                        content_type=headers.get("content-type"), metadata=metadata, url=known.url,
                        status=int(known.status), headers=headers, fetched_at=known.fetched_at)

    def feed(self, url: str) -> Iterator[Incoming]:
        """The feed itself (conditional request), then each item's article page."""
        import feedparser

        known = self.stored.get(url)
        validators = Validators()
        if known is not None and not self.settings.force_fetch:
            headers = json.loads(known.headers or "{}")
            validators = Validators(headers.get("etag"), headers.get("last-modified"))
        result = self.fetcher.fetch(url, validators)
        if result.not_modified and known is not None:
            feed_payload = self._from_store(known, None)
        else:
            feed_payload = _from_fetch(self.source, result)
        if feed_payload.data is None:
            yield feed_payload  # the fetch failed: a quarantine row
            return
        parsed = feedparser.parse(feed_payload.data)
        linked = [entry for entry in parsed.entries if entry.get("link")]
        if parsed.bozo and not linked:  # broken XML that yields no article links
            error = parsed.bozo_exception
            feed_payload.reason = "malformed_feed"
            feed_payload.detail = f"not a usable RSS/Atom feed ({type(error).__name__}: {error})"
            yield feed_payload
            return
        feed_payload.reason, feed_payload.detail = "feed", ""  # kept and indexed, not a document
        yield feed_payload
        for entry in linked:
            link = entry.get("link")
            hints = {"title": entry.get("title"), "author": entry.get("author"), "url": link,
                     "published": entry.get("published") or entry.get("updated")}
            yield self.page(link, hints)


def _url_list(source: Source) -> list[str]:
    path = resolve_path(source.location)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def _warc_payloads(source: Source, max_bytes: int) -> Iterator[Incoming]:
    """Response and resource records of a WARC file, streamed record by record (local or fsspec URL)."""
    import fsspec
    from warcio.archiveiterator import ArchiveIterator

    location = source.location
    if "://" not in location:
        location = str(resolve_path(location))
    last_good = "start"
    with fsspec.open(location, "rb") as stream:
        records = ArchiveIterator(stream)
        try:
            for record in records:
                if record.rec_type not in ("response", "resource"):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                http = record.http_headers
                status = int(http.get_statuscode()) if http is not None and http.get_statuscode() else None
                headers = {k.lower(): v for k, v in http.headers} if http is not None else {}
                content_type = headers.get("content-type") or record.rec_headers.get_header("Content-Type")
                reason, detail, body = None, "", None
                if status is not None and status >= 400:
                    reason, detail = "http_error", f"archived HTTP {status}"
                elif not (content_type or "").lower().startswith(HTML_TYPES):
                    reason, detail = "unsupported", f"archived {content_type or 'unknown type'}, not HTML"
                else:
                    body = record.content_stream().read(max_bytes + 1)
                    if len(body) > max_bytes:
                        reason, detail, body = "too_large", f"over {max_bytes} bytes", None
                    elif getattr(record.raw_stream, "limit", 0) > 0:  # the file ended inside the record
                        missing = record.raw_stream.limit
                        reason, detail, body = "truncated", f"the archive ends {missing} bytes into this record", None
                offset = records.get_record_offset()  # reads the rest of the record
                last_good = str(offset)
                fetched_at = pd.Timestamp(record.rec_headers.get_header("WARC-Date") or utc_now()).to_pydatetime()
                yield Incoming(source.name, f"{source.location}#{offset}", body, content_type=content_type,
                               metadata={"url": url}, url=url, status=status, headers=headers,
                               fetched_at=fetched_at, reason=reason, detail=detail)
                if reason == "truncated":
                    return
        except Exception as error:  # noqa: BLE001 - a broken record ends the file; what came before is kept
            text = f"{type(error).__name__}: {error}"[:300]
            reason = "truncated" if isinstance(error, (EOFError, zlib.error)) or "compress" in text.lower() else "malformed"
            yield Incoming(source.name, f"{source.location}#after-{last_good}", None, reason=reason,
                           detail=f"broken record after the record at offset {last_good}; the rest of the file "
                           f"is unread: {text}")


def source_payloads(source: Source, workspace: Workspace, settings: Settings, index: pd.DataFrame) -> Iterator[Incoming]:
    """Every payload of one source, whatever its kind; the source's declared language is the
    fallback for payloads that do not state theirs."""
    language = source.options.get("language")
    for item in _payloads_of_kind(source, workspace, settings, index):
        if language and item.data is not None:
            item.metadata = {"language": language, **(item.metadata or {})}
        yield item


def _payloads_of_kind(source: Source, workspace: Workspace, settings: Settings, index: pd.DataFrame) -> Iterator[Incoming]:
    if source.kind == "folder":
        yield from _folder_payloads(source, settings.max_document_bytes)
    elif source.kind == "warc":
        yield from _warc_payloads(source, settings.max_document_bytes)
    elif source.kind in ("feed", "urls", "page"):
        reader = WebReader(source, workspace, settings, index)
        try:
            if source.kind == "feed":
                yield from reader.feed(source.location)
            elif source.kind == "urls":
                for url in _url_list(source):
                    yield reader.page(url)
            else:
                yield reader.page(source.location)
        finally:
            reader.close()
    else:
        raise ValueError(f"source {source.name!r}: unknown kind {source.kind!r}")


# -- the stage ------------------------------------------------------------------------------------


class Ingestion:
    """One run's ingestion state: what is known, and the rows it adds."""

    def __init__(self, workspace: Workspace, settings: Settings):
        self.workspace, self.settings = workspace, settings
        self.ledger_ids = set(read_ledger(workspace)["doc_id"])
        self.index = read_payload_index(workspace)
        handled = self.index[self.index["sha256"].notna()
                             & (self.index["outcome"].isin(["known", "duplicate", "quarantined", "feed"])
                                | self.index["doc_id"].isin(self.ledger_ids))]
        self.handled = set(zip(handled["sha256"], handled["location"]))
        self.duplicates, self.first_uri, self.dedup_frame = _load_duplicate_index(
            workspace, self.ledger_ids, settings.near_duplicate_threshold)
        self.result = IngestResult()
        self.index_rows: list[dict] = []
        self.dedup_rows: list[dict] = []

    def take(self, item: Incoming) -> None:
        sha = store_raw(self.workspace, item.data) if item.data is not None else None
        if item.data is not None:
            self.result.payloads_read += 1
        if item.status is not None:
            self.result.fetches += 1
        if sha and (sha, item.location) in self.handled:
            self.result.already_ingested += 1  # handled on an earlier night
            return
        outcome, doc_id = self._outcome(item, sha)
        self.index_rows.append({
            "sha256": sha, "source": item.source, "location": item.location, "url": item.url,
            "status": item.status, "headers": json.dumps(item.headers or {}, sort_keys=True),
            "fetched_at": item.fetched_at or utc_now(), "outcome": outcome, "doc_id": doc_id,
        })
        if sha:
            self.handled.add((sha, item.location))

    def _outcome(self, item: Incoming, sha: str | None) -> tuple[str, str | None]:
        if item.reason == "feed":
            return "feed", None
        if item.reason:
            self.result.quarantine.append(_quarantine_row(item.source, item.location, item.reason, item.detail, sha))
            return "quarantined", None
        payload = Payload(item.source, item.location, item.data, item.content_type, item.metadata)
        try:
            document = parse_payload(payload, self.settings.max_document_bytes)
        except RejectedInput as rejection:
            self.result.quarantine.append(_quarantine_row(item.source, item.location, rejection.reason, rejection.detail, sha))
            return "quarantined", None
        return self._deduplicate(document)

    def _deduplicate(self, document: CleanDocument) -> tuple[str, str]:
        if document.doc_id in self.ledger_ids or document.doc_id in self.first_uri:
            if self.first_uri.get(document.doc_id, document.source_uri) != document.source_uri:
                self._duplicate_row(document, document.doc_id, "exact_text", 1.0)
                return "duplicate", document.doc_id
            self.result.already_ingested += 1
            return "known", document.doc_id
        text_hash = normalised_text_hash(document.text)
        url = canonical_url(document.url)
        sig = signature(document.text)
        match = self.duplicates.match(document.doc_id, text_hash, url, sig)
        if match is not None:
            self._duplicate_row(document, match.duplicate_of, match.method, match.similarity)
            return "duplicate", match.duplicate_of
        self.duplicates.add(KnownDocument(document.doc_id, text_hash, url, sig))
        self.first_uri[document.doc_id] = document.source_uri
        self.dedup_rows.append({"doc_id": document.doc_id, "source_uri": document.source_uri,
                                "text_hash": text_hash, "url": url, "signature": sig.tobytes()})
        text_path = self.workspace.text_path(document.doc_id)
        text_path.parent.mkdir(parents=True, exist_ok=True)
        text_path.write_text(document.text, encoding="utf-8")
        self.result.documents.append(document)
        return "document", document.doc_id

    def _duplicate_row(self, document: CleanDocument, original: str, method: str, similarity: float) -> None:
        self.result.duplicates.append({
            "duplicate_id": stable_id("dup", document.source_uri, document.doc_id),
            "source": document.source, "source_uri": document.source_uri, "url": document.url,
            "title": document.title, "text_sha256": document.text_sha256, "duplicate_of": original,
            "method": method, "similarity": float(similarity), "detected_at": utc_now(),
        })

    def save(self) -> None:
        """Payload index, duplicate index and duplicate rows, written once per run."""
        _append_parquet(self.workspace.payload_index_path, self.index, self.index_rows, PAYLOAD_INDEX_COLUMNS)
        _append_parquet(self.workspace.dedup_index_path, self.dedup_frame, self.dedup_rows, DEDUP_INDEX_COLUMNS)
        if self.result.duplicates:
            frame = rows_to_frame("duplicates", self.result.duplicates)
            name = stable_id("b", *sorted(r["duplicate_id"] for r in self.result.duplicates))[2:]
            write_frame(frame, "duplicates", self.workspace.staging_path("duplicates", f"ingest_{name}"))


@task(retries=2, retry_delay_seconds=[10, 60], task_run_name="ingest")
def ingest_sources(sources: list[Source | str], workspace: Workspace, settings: Settings) -> IngestResult:
    """Read, store and clean every source; known payloads are counted, not processed again."""
    logger = get_run_logger()
    ingestion = Ingestion(workspace, settings)
    for source in sources:
        source = source if isinstance(source, Source) else source_from_location(str(source))
        for item in source_payloads(source, workspace, settings, ingestion.index):
            ingestion.take(item)
    ingestion.save()
    result = ingestion.result
    logger.info(
        "read %d payloads: %d new documents, %d already ingested, %d duplicates, %d quarantined",
        result.payloads_read, len(result.documents), result.already_ingested, len(result.duplicates),
        len(result.quarantine),
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
