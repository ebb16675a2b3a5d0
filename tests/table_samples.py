"""Small, valid DataFrames for every table, consistent so every foreign key resolves.

Shared by tests that need real tables (publishing, querying) without running the extractors.
Every call returns fresh DataFrames, so tests may modify them.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd

from flows.frames import empty_frame
from schemas import load_tables


def content_id(prefix: str, seed: str) -> str:
    """An ID of the project's ``<prefix>_<16 hex>`` form, derived from ``seed``."""
    return f"{prefix}_{hashlib.sha256(seed.encode()).hexdigest()[:16]}"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


TEXT_KYIV = "Russian forces shelled Kharkiv on Friday. NATO condemned the attack."
TEXT_BRUSSELS = '"We will support Ukraine," Jens Stoltenberg told reporters in Brussels.'
DOC_KYIV = content_id("doc", sha256_hex(TEXT_KYIV))
DOC_BRUSSELS = content_id("doc", sha256_hex(TEXT_BRUSSELS))

RUSSIA, UKRAINE = "state:RUS", "state:UKR"
NATO, STOLTENBERG = "international_org:NATO", "person:jens-stoltenberg"
EXTRACTOR = "0.1.0+test"


def _documents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": [DOC_KYIV, DOC_BRUSSELS],
            "source": ["seeds", "seeds"],
            "source_uri": ["seeds/kharkiv.txt", "https://example.org/news/stoltenberg"],
            "url": [None, "https://example.org/news/stoltenberg"],
            "title": ["Kharkiv shelled", "NATO pledges support"],
            "author": [None, "A. Reporter"],
            "published_at": pd.to_datetime(["2024-03-16T08:30:00Z", "2024-04-02T00:00:00Z"], utc=True),
            "language": ["en", "en"],
            "word_count": pd.array([11, 10], dtype="int64"),
            "text_sha256": [sha256_hex(TEXT_KYIV), sha256_hex(TEXT_BRUSSELS)],
            "ingested_at": pd.to_datetime(["2024-04-03T10:00:00Z", "2024-04-03T10:00:01Z"], utc=True),
        }
    )


def _actors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "actor_id": [RUSSIA, UKRAINE, NATO, STOLTENBERG],
            "name": ["Russia", "Ukraine", "NATO", "Jens Stoltenberg"],
            "actor_type": ["state", "state", "international_org", "person"],
            "country_iso3": ["RUS", "UKR", None, "NOR"],
            "sector": ["government", "government", "igo", None],
            "aliases": [["Russia", "Russian forces"], ["Ukraine", "Kharkiv"], ["NATO"], []],
            "wikidata_id": ["Q159", "Q212", "Q7184", None],
            "source": ["dictionary", "dictionary", "dictionary", "named_entity"],
        }
    )


def _actor_mentions() -> pd.DataFrame:
    rows = [
        (RUSSIA, DOC_KYIV, 0, 0, 15, "Russian forces", "nominal"),
        (UKRAINE, DOC_KYIV, 0, 23, 30, "Kharkiv", "metonym"),
        (NATO, DOC_KYIV, 1, 42, 46, "NATO", "name"),
        (STOLTENBERG, DOC_BRUSSELS, 0, 27, 43, "Jens Stoltenberg", "name"),
    ]
    return pd.DataFrame(
        {
            "mention_id": [content_id("men", f"{doc}:{start}:{end}") for _, doc, _, start, end, _, _ in rows],
            "actor_id": [r[0] for r in rows],
            "doc_id": [r[1] for r in rows],
            "sentence_index": pd.array([r[2] for r in rows], dtype="int32"),
            "char_start": pd.array([r[3] for r in rows], dtype="int32"),
            "char_end": pd.array([r[4] for r in rows], dtype="int32"),
            "text": [r[5] for r in rows],
            "mention_kind": [r[6] for r in rows],
        }
    )


def _events() -> pd.DataFrame:
    """Three events in two months plus one undated event (null year/month partition)."""
    n = 4
    event_dates = [date(2024, 3, 15), date(2024, 3, 16), date(2024, 4, 2), None]
    return pd.DataFrame(
        {
            "event_id": [content_id("evt", f"event-{i}") for i in range(n)],
            "doc_id": [DOC_KYIV, DOC_KYIV, DOC_BRUSSELS, DOC_BRUSSELS],
            "sentence_index": pd.array([0, 1, 0, 0], dtype="int32"),
            "char_start": pd.array([0, 42, 0, 0], dtype="int32"),
            "char_end": pd.array([41, 69, 71, 71], dtype="int32"),
            "sentence_text": [
                "Russian forces shelled Kharkiv on Friday.",
                "NATO condemned the attack.",
                TEXT_BRUSSELS,
                TEXT_BRUSSELS,
            ],
            "trigger": ["shelled", "condemned", "support", "told"],
            "trigger_lemma": ["shell", "condemn", "support", "tell"],
            "event_type": ["ASSAULT", "ACCUSE", "SUPPORT", "CONSULT"],
            "event_mode": ["artillery", None, "political", None],
            "quad_class": pd.array([4, 3, 1, 1], dtype="int32"),
            "cameo_root": ["19", "11", "05", "04"],
            "acled_event_type": ["Explosions/Remote violence", None, None, None],
            "acled_sub_event_type": ["Shelling/artillery/missile attack", None, None, None],
            "source_actor_id": [RUSSIA, NATO, NATO, STOLTENBERG],
            "source_actor_text": ["Russian forces", "NATO", "We", "Jens Stoltenberg"],
            "target_actor_id": [UKRAINE, RUSSIA, UKRAINE, None],
            "target_actor_text": ["Kharkiv", None, "Ukraine", "reporters"],
            "location_text": ["Kharkiv", None, None, "Brussels"],
            "location_name": ["Kharkiv", None, None, "Brussels"],
            "geonames_id": pd.array([706483, None, None, 2800866], dtype="Int64"),
            "latitude": [49.98081, None, None, 50.85045],
            "longitude": [36.25272, None, None, 4.34878],
            "country_iso3": ["UKR", None, None, "BEL"],
            "admin1": ["Kharkivska", None, None, "Brussels Capital"],
            "geo_precision": pd.array([1, None, None, 1], dtype="Int32"),
            "event_date": event_dates,
            "date_precision": ["day", "day", "day", None],
            "date_text": ["on Friday", None, None, None],
            "negated": [False, False, False, False],
            "modality": ["asserted", "asserted", "future", "asserted"],
            "confidence": [0.9, 0.7, 0.6, 0.4],
            "extractor_version": [EXTRACTOR] * n,
            "mention_count": pd.array([1] * n, dtype="int32"),
            "event_cluster_id": [content_id("evc", f"event-{i}") for i in range(n)],
            "year": pd.array([d.year if d else None for d in event_dates], dtype="Int32"),
            "month": pd.array([d.month if d else None for d in event_dates], dtype="Int32"),
        }
    )


def _event_mentions() -> pd.DataFrame:
    """One mention per event: each event's own sentence and trigger."""
    events = _events()
    mentions = events[["doc_id", "sentence_index", "char_start", "char_end", "sentence_text", "trigger",
                       "trigger_lemma", "source_actor_text", "target_actor_text", "location_text", "modality",
                       "confidence", "extractor_version"]].copy()
    mentions.insert(0, "mention_id", [content_id("evm", f"event-{i}") for i in range(len(events))])
    mentions.insert(1, "event_id", events["event_id"])
    mentions.insert(3, "mention_index", pd.array([0] * len(events), dtype="int32"))
    return mentions


def _statements() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "statement_id": [content_id("stm", "statement-0"), content_id("stm", "statement-1")],
            "doc_id": [DOC_BRUSSELS, DOC_KYIV],
            "sentence_index": pd.array([0, 1], dtype="int32"),
            "speaker_actor_id": [STOLTENBERG, None],
            "speaker_text": ["Jens Stoltenberg", None],
            "speaker_title": ["NATO Secretary-General", None],
            "speaker_resolution": ["named", "unresolved"],
            "quote_text": ["We will support Ukraine,", "condemned the attack"],
            "quote_kind": ["direct", "indirect"],
            "cue": ["tell", None],
            "medium": ["reporters", None],
            "char_start": pd.array([1, 47], dtype="int32"),
            "char_end": pd.array([25, 68], dtype="int32"),
            "statement_date": [date(2024, 4, 2), None],
            "confidence": [0.95, 0.3],
            "extractor_version": [EXTRACTOR, EXTRACTOR],
        }
    )


def _quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quarantine_id": [content_id("qua", "seeds/empty.txt:empty")],
            "source": ["seeds"],
            "source_uri": ["seeds/empty.txt"],
            "reason": ["empty"],
            "detail": ["0 bytes"],
            "payload_sha256": [sha256_hex("")],
            "quarantined_at": pd.to_datetime(["2024-04-03T10:00:02Z"], utc=True),
        }
    )


def _retractions() -> pd.DataFrame:
    """Empty: the samples are a first release; publishing computes retractions from a previous one."""
    return pd.DataFrame(
        {
            "retraction_id": pd.Series([], dtype=object),
            "table_name": pd.Series([], dtype=object),
            "row_id": pd.Series([], dtype=object),
            "change": pd.Series([], dtype=object),
            "changed_columns": pd.Series([], dtype=object),
            "previous_version": pd.Series([], dtype=object),
        }
    )


def sample_tables() -> dict[str, pd.DataFrame]:
    """Fresh DataFrames for every table, in publishing order, with exactly the schema's columns."""
    builders = {
        "documents": _documents,
        "actors": _actors,
        "actor_mentions": _actor_mentions,
        "events": _events,
        "event_mentions": _event_mentions,
        "statements": _statements,
        "quarantine": _quarantine,
        "retractions": _retractions,
    }
    tables = {}
    for name, definition in load_tables().items():
        # Tables without a sample (added by other work) are published empty, with their schema.
        frame = builders[name]() if name in builders else empty_frame(name)
        for column in definition.columns:  # columns added since the samples were written: nulls
            if column.name not in frame.columns and column.nullable:
                frame[column.name] = pd.Series([None] * len(frame), dtype=object)
        frame = frame[[c for c in definition.column_names if c in frame.columns]]
        if list(frame.columns) != definition.column_names:
            raise AssertionError(f"sample {name} columns differ from the schema")
        tables[name] = frame
    return tables
