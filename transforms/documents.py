"""Raw payloads (plain text, HTML, JSON) to clean documents, or a quarantine reason.

Pure functions: the flow reads the bytes and hands them over with where they came from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from dateutil import parser as date_parser

from transforms.clean import clean_article_text, parse_date_line
from transforms.ids import doc_id_for, sha256_text

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".json")
JSON_TEXT_FIELDS = ("text", "body", "content", "article", "maintext", "articleBody")
JSON_DATE_FIELDS = ("published_at", "published", "date_publish", "datePublished", "date", "pubDate")
ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to a in is that for on it with as was he said by at from his be an are have has were "
    "but not they their this which or its who had been will would".split()
)
MIN_WORDS = 20
HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Payload:
    source: str
    source_uri: str
    data: bytes
    content_type: str | None = None  # MIME type when fetched; else inferred from the suffix
    # What the container said about the payload (a feed item's title, a WARC record's URL):
    # used where the payload itself says nothing.
    metadata: dict | None = None


@dataclass(frozen=True)
class CleanDocument:
    doc_id: str
    text: str
    text_sha256: str
    source: str
    source_uri: str
    url: str | None
    title: str | None
    author: str | None
    published_at: datetime | None
    language: str
    word_count: int


@dataclass(frozen=True)
class Rejection:
    source: str
    source_uri: str
    reason: str  # one of the quarantine table's allowed reasons
    detail: str


class RejectedInput(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _kind(payload: Payload) -> str:
    ctype = (payload.content_type or "").lower()
    uri = payload.source_uri.lower().split("?")[0]
    if "json" in ctype or uri.endswith(".json"):
        return "json"
    if "html" in ctype or uri.endswith((".html", ".htm")):
        return "html"
    if "text/plain" in ctype or uri.endswith(".txt"):
        return "text"
    if payload.content_type is None and not any(uri.endswith(s) for s in SUPPORTED_SUFFIXES):
        raise RejectedInput("unsupported", f"not a {', '.join(SUPPORTED_SUFFIXES)} file")
    return "html" if payload.data.lstrip()[:1] == b"<" else "text"


def decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise RejectedInput("binary", "the file contains NUL bytes: not text")
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            raise RejectedInput("undecodable", f"not valid UTF-8 ({error.reason} at byte {error.start})") from error
    raise AssertionError("unreachable")


def parse_published(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = date_parser.parse(str(value))
    except (ValueError, OverflowError):
        return parse_date_line(str(value))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def looks_english(text: str) -> bool:
    words = re.findall(r"[a-z']+", text.lower())
    if len(words) < 50:
        return True  # too short to judge; let it through
    share = sum(w in ENGLISH_FUNCTION_WORDS for w in words) / len(words)
    return share >= 0.12


def decode_html(data: bytes) -> str:
    """Web pages come in many charsets: let trafilatura's detection (meta tags, then guessing) decide."""
    from trafilatura.utils import decode_file

    return decode_file(data)


def html_language(html: str) -> str | None:
    """The page's declared language (``<html lang="en-GB">`` -> "en"), when it declares one."""
    match = HTML_LANG.search(html[:5000])
    return match.group(1).lower() if match else None


def _from_html(html: str) -> dict:
    import trafilatura

    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    if extracted is None:
        return {"text": "", "language": html_language(html)}
    doc = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    return {
        "text": doc.get("text") or "",
        "title": doc.get("title"),
        "url": doc.get("url"),
        "author": doc.get("author"),
        "published": doc.get("date"),
        "language": doc.get("language") or html_language(html),
    }


def article_text_from_html(data: bytes) -> str:
    """The cleaned article text of a web page: what the pipeline keeps (used by the evaluation)."""
    fields = _from_html(decode_html(data))
    return clean_article_text(fields["text"], take_title=False).text


def _from_json(raw: str) -> dict:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as error:
        raise RejectedInput("malformed", f"invalid JSON: {error.msg} at line {error.lineno}") from error
    if not isinstance(record, dict):
        raise RejectedInput("malformed", "a JSON document must be one object with a text field")
    text = next((record[f] for f in JSON_TEXT_FIELDS if isinstance(record.get(f), str)), None)
    if text is None:
        raise RejectedInput("malformed", f"no text field (one of {', '.join(JSON_TEXT_FIELDS)})")
    fields = {
        "title": record.get("title") or record.get("headline"),
        "url": record.get("url") or record.get("link"),
        "author": record.get("author") or record.get("byline"),
        "published": next((record[f] for f in JSON_DATE_FIELDS if record.get(f)), None),
        "language": record.get("language") or record.get("lang"),
    }
    if text.lstrip().startswith("<"):
        parsed = _from_html(text)
        return {**parsed, **{k: v for k, v in fields.items() if v}}
    return {"text": text, **fields}


def parse_payload(payload: Payload, max_bytes: int) -> CleanDocument:
    """Clean one payload into a document; raises RejectedInput with a quarantine reason."""
    if not payload.data.strip():
        raise RejectedInput("empty", "the input is empty")
    if len(payload.data) > max_bytes:
        raise RejectedInput("too_large", f"{len(payload.data)} bytes is over the {max_bytes}-byte limit")
    kind = _kind(payload)
    if b"\x00" in payload.data[:4096]:
        raise RejectedInput("binary", "the file contains NUL bytes: not text")
    raw = decode_html(payload.data) if kind == "html" else decode(payload.data)
    fields = {"text": raw}
    if kind == "json":
        fields = _from_json(raw)
    elif kind == "html":
        fields = _from_html(raw)
    hints = payload.metadata or {}
    fields = {**{k: v for k, v in hints.items() if v}, **{k: v for k, v in fields.items() if v}}
    fields.setdefault("text", "")
    cleaned = clean_article_text(fields["text"], take_title=not fields.get("title"))
    text = cleaned.text
    words = len(re.findall(r"\w+", text))
    if words < MIN_WORDS:
        raise RejectedInput("empty", f"only {words} words of article text after cleaning")
    language = (fields.get("language") or "en").lower()[:2]
    if language != "en" or not looks_english(text):
        raise RejectedInput("not_english", f"language {language!r}; only English is processed for now")
    sha = sha256_text(text)
    return CleanDocument(
        doc_id=doc_id_for(sha),
        text=text,
        text_sha256=sha,
        source=payload.source,
        source_uri=payload.source_uri,
        url=fields.get("url") or (payload.source_uri if payload.source_uri.startswith(("http://", "https://")) else None),
        title=fields.get("title") or cleaned.title,
        author=fields.get("author"),
        published_at=parse_published(fields.get("published")) or cleaned.published_at,
        language="en",
        word_count=words,
    )
