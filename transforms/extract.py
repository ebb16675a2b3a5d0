"""The normalise stage's pure core: cleaned documents in, rows for every table out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc

from transforms.actors import ActorDictionary, DocumentActors, resolve_actors
from transforms.event_mentions import merge_event_mentions
from transforms.events import ACLED_EVENT_TYPE_OF, Event, EventLexicon, extract_events
from transforms.geo import Gazetteer
from transforms.place_ranker import PlaceRanker
from transforms.ids import stable_id
from transforms.statements import SpeechCue, Statement, StatementExtractor

TABLES = ("documents", "actors", "actor_mentions", "events", "event_mentions", "statements")


@dataclass(frozen=True)
class ExtractionModels:
    """Everything extraction needs, loaded once by the caller."""

    nlp: Language
    actors: ActorDictionary
    cues: dict[tuple[str, str], SpeechCue]
    events: EventLexicon
    gazetteer: Gazetteer
    extractor_version: str
    place_ranker: PlaceRanker | None = None


@dataclass(frozen=True)
class DocumentForExtraction:
    doc_id: str
    text: str
    published_at: datetime | None


Rows = dict[str, list[dict]]


def empty_rows() -> Rows:
    return {name: [] for name in TABLES if name != "documents"}


def _sentence_index(doc: Doc) -> list[int]:
    index = [0] * len(doc)
    for i, sent in enumerate(doc.sents):
        for t in sent:
            index[t.i] = i
    return index


def _place_votes(doc: Doc, gazetteer: Gazetteer) -> list[str]:
    votes = []
    for ent in doc.ents:
        if ent.label_ in ("GPE", "LOC"):
            place = gazetteer.lookup(ent.text, None, fuzzy=False)
            if place is not None and not place.is_country and place.population >= 10_000:
                votes.append(place.country_iso3)
    return votes


@dataclass(frozen=True)
class DocumentExtraction:
    """One parsed document's actors, statements and events, before they become rows."""

    actors: DocumentActors
    statements: list[Statement]
    events: list[Event]


def extract_objects(doc: Doc, published: date | None, models: ExtractionModels) -> DocumentExtraction:
    """Actors, statements and events of one parsed document."""
    sentence_of_token = _sentence_index(doc)
    actors = resolve_actors(
        doc, models.actors, sentence_of_token, _place_votes(doc, models.gazetteer),
        is_place=lambda text: models.gazetteer.lookup(text, None, fuzzy=False) is not None,
    )
    statement_extractor = StatementExtractor(doc, actors, models.cues, sentence_of_token)
    statements = statement_extractor.statements()
    in_quote = statement_extractor.in_quote  # events inside quotation marks are reported, not narrated
    events = extract_events(doc, actors, models.events, models.gazetteer, published, sentence_of_token, in_quote,
                            models.place_ranker)
    return DocumentExtraction(actors, statements, events)


def extract_parsed(doc: Doc, item: DocumentForExtraction, models: ExtractionModels) -> Rows:
    """Rows for one parsed document."""
    text = doc.text  # joined from every token on each access: read it once
    published = item.published_at.date() if item.published_at else None
    extracted = extract_objects(doc, published, models)
    actors, statements, events = extracted.actors, extracted.statements, extracted.events
    event_rows, event_mention_rows = merge_event_mentions(
        [_event_row(item.doc_id, e, text, models.extractor_version) for e in events]
    )
    return {
        "actors": [_actor_row(actors, actor_id) for actor_id in sorted(actors.actors)
                   if any(m.actor_id == actor_id for m in actors.mentions)],
        "actor_mentions": [_mention_row(item.doc_id, m) for m in actors.mentions],
        "events": event_rows,
        "event_mentions": event_mention_rows,
        "statements": [_statement_row(item.doc_id, s, published, doc, models.extractor_version) for s in statements],
    }


def extract_documents(items: Iterable[DocumentForExtraction], models: ExtractionModels, batch_size: int = 32) -> Iterable[tuple[DocumentForExtraction, Rows]]:
    """Parse documents in batches (spaCy's fast path) and yield each with its rows."""
    items = list(items)
    docs = models.nlp.pipe((i.text for i in items), batch_size=batch_size)
    for item, doc in zip(items, docs):
        yield item, extract_parsed(doc, item, models)


def _actor_row(actors: DocumentActors, actor_id: str) -> dict:
    a = actors.actors[actor_id]
    return {
        "actor_id": a.actor_id,
        "name": a.name,
        "actor_type": a.actor_type,
        "country_iso3": a.country_iso3,
        "sector": a.sector,
        "aliases": sorted(set(a.aliases)),
        "wikidata_id": a.wikidata_id,
        "source": a.source,
    }


def _mention_row(doc_id: str, m) -> dict:
    return {
        "mention_id": stable_id("men", doc_id, m.char_start, m.char_end, m.actor_id),
        "actor_id": m.actor_id,
        "doc_id": doc_id,
        "sentence_index": m.sentence_index,
        "char_start": m.char_start,
        "char_end": m.char_end,
        "text": m.text,
        "mention_kind": m.kind,
    }


def _event_row(doc_id: str, e: Event, text: str, version: str) -> dict:
    """One mention's row in the events table's shape; ``merge_event_mentions`` makes events of them."""
    loc = e.location
    place = loc.place if loc else None
    location_offsets = e.location_offsets(text)
    event_date = e.event_date.value if e.event_date else None
    sentence = e.sentence
    text = sentence.text.rstrip()
    return {
        "event_id": stable_id("evt", doc_id, e.trigger.idx, e.rule.event_type, e.location_text or ""),
        "doc_id": doc_id,
        "sentence_index": e.sentence_index,
        "char_start": sentence.start_char,
        "char_end": sentence.start_char + len(text),
        "sentence_text": text,
        "trigger": e.trigger_text,
        "trigger_char_start": e.trigger.idx,
        "trigger_char_end": e.trigger.idx + len(e.trigger),
        "trigger_lemma": e.rule.lemma,
        "event_type": e.rule.event_type,
        "event_mode": e.rule.event_mode,
        "quad_class": e.plover.quad_class,
        "cameo_root": (e.rule.cameo_code[:2] if e.rule.cameo_code else e.plover.cameo_root),
        "acled_event_type": ACLED_EVENT_TYPE_OF.get(e.acled_sub_event_type or "", e.rule.acled_event_type),
        "acled_sub_event_type": e.acled_sub_event_type,
        "source_actor_id": e.source.actor_id if e.source else None,
        "source_actor_text": e.source.text if e.source else None,
        "target_actor_id": e.target.actor_id if e.target else None,
        "target_actor_text": e.target.text if e.target else None,
        "source_actor_ids": [m.actor_id for m in e.sources],
        "target_actor_ids": [m.actor_id for m in e.targets],
        "location_text": e.location_text,
        "location_char_start": location_offsets[0] if location_offsets else None,
        "location_char_end": location_offsets[1] if location_offsets else None,
        "location_name": place.name if place else None,
        "geonames_id": place.geonames_id if place else None,
        "latitude": place.latitude if place else None,
        "longitude": place.longitude if place else None,
        "country_iso3": place.country_iso3 if place else None,
        "admin1": loc.admin1 if loc else None,
        "geo_precision": loc.precision if loc else None,
        "event_date": event_date,
        "date_precision": e.event_date.precision if e.event_date else None,
        "date_text": e.event_date.text if e.event_date else None,
        "negated": e.negated,
        "modality": e.modality,
        "confidence": e.confidence,
        "extractor_version": version,
        "year": event_date.year if event_date else None,
        "month": event_date.month if event_date else None,
    }


def _statement_row(doc_id: str, s: Statement, published: date | None, doc: Doc, version: str) -> dict:
    from transforms.dates import resolve_date_expression

    statement_date = published
    if published is not None and s.cue_token is not None:
        cue = doc[s.cue_token]
        for ent in cue.sent.ents:
            if ent.label_ == "DATE" and ent.root.head.i == cue.i or (ent.label_ == "DATE" and ent.root.head.head.i == cue.i):
                resolved = resolve_date_expression(ent.text, published)
                if resolved is not None:
                    statement_date = resolved.value
                    break
    return {
        "statement_id": stable_id("stm", doc_id, s.char_start, s.char_end),
        "doc_id": doc_id,
        "sentence_index": s.sentence_index,
        "speaker_actor_id": s.speaker.actor_id,
        "speaker_text": s.speaker.text,
        "speaker_title": s.speaker.title,
        "speaker_phrase": s.speaker.phrase,
        "speaker_resolution": s.speaker.resolution,
        "quote_text": s.quote_text,
        "quote_kind": s.quote_kind,
        "cue": s.cue,
        "medium": s.medium,
        "char_start": s.char_start,
        "char_end": s.char_end,
        "statement_date": statement_date,
        "confidence": s.confidence,
        "extractor_version": version,
    }
