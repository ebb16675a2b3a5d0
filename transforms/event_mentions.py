"""One event, several mentions: the sentences of one document that report the same event.

``extract_events`` reads one event per trigger; a news story names its main event in the lede,
again in the body, and again in a quote. ``merge_event_mentions`` turns one document's mention
rows (rows in the events table's shape, one per trigger) into event rows and ``event_mentions``
rows. ``event_cluster_id`` groups events of different documents without cross-document state.

The merge is conservative: mentions in different sentences are one event only when nothing they
say contradicts (same PLOVER type, mode and modality; source, target, place and date equal or
unsaid on one side) and at least two things they say agree (the source, the target, the place,
the trigger word, which counts for material events only). A mention that would fit more than one
event stays its own event: choosing one would be a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from transforms.ids import stable_id

SOURCE_COLUMNS = ("source_actor_id", "source_actor_text", "source_actor_ids")
TARGET_COLUMNS = ("target_actor_id", "target_actor_text", "target_actor_ids")
PLACE_COLUMNS = ("location_text", "location_char_start", "location_char_end", "location_name", "geonames_id",
                 "latitude", "longitude", "country_iso3", "admin1", "geo_precision")
DATE_COLUMNS = ("event_date", "date_precision", "date_text", "year", "month")
ACLED_COLUMNS = ("acled_event_type", "acled_sub_event_type")

MENTION_COLUMNS = ("sentence_index", "char_start", "char_end", "sentence_text", "trigger", "trigger_char_start",
                   "trigger_char_end", "trigger_lemma", "source_actor_text", "target_actor_text", "location_text",
                   "location_char_start", "location_char_end", "date_text", "modality", "confidence",
                   "extractor_version")
"""What each mention says in its own sentence, copied from its row into ``event_mentions``."""

PRECISION_ORDER = ("day", "week", "month", "year")


class Agreement(Enum):
    SAME = "same"
    UNSAID = "unsaid"  # one side (or both) does not say
    CONFLICT = "conflict"


def actor_ids(row: dict, side: str) -> frozenset[str]:
    """The resolved actors of one side (compound actors included); unresolved text counts as unsaid."""
    ids = row.get(f"{side}_actor_ids") or []
    first = row.get(f"{side}_actor_id")
    return frozenset([*ids, first] if first else ids)


def place_key(row: dict) -> tuple[str, Any] | None:
    """The place an event is at: its GeoNames ID, else its place name as written, else None."""
    if row.get("geonames_id") is not None:
        return ("geonames", int(row["geonames_id"]))
    if row.get("location_text"):
        return ("text", " ".join(str(row["location_text"]).casefold().split()))
    return None


def _has_stated_date(row: dict) -> bool:
    """A date the text gives; the publication-date fallback (no date_text) says nothing."""
    return row.get("event_date") is not None and row.get("date_text") is not None


def date_key(value: date, precision: str) -> str:
    """``value`` truncated to ``precision``: the same key means the same day, week, month or year."""
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if precision == "week":
        iso = value.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return value.isoformat()


def _agree_actors(a: dict, b: dict, side: str) -> Agreement:
    mine, theirs = actor_ids(a, side), actor_ids(b, side)
    if not mine or not theirs:
        return Agreement.UNSAID
    return Agreement.SAME if mine == theirs else Agreement.CONFLICT


def _agree_places(a: dict, b: dict) -> Agreement:
    mine, theirs = place_key(a), place_key(b)
    if mine is None or theirs is None:
        return Agreement.UNSAID
    if mine[0] != theirs[0]:
        # One place is in the gazetteer, the other is not: the same place only if written the same.
        same = " ".join(str(a.get("location_text") or "").casefold().split()) == \
            " ".join(str(b.get("location_text") or "").casefold().split())
        return Agreement.SAME if same else Agreement.CONFLICT
    return Agreement.SAME if mine == theirs else Agreement.CONFLICT


def _agree_dates(a: dict, b: dict) -> Agreement:
    if not (_has_stated_date(a) and _has_stated_date(b)):
        return Agreement.UNSAID
    coarser = max(a["date_precision"] or "day", b["date_precision"] or "day", key=PRECISION_ORDER.index)
    same = date_key(a["event_date"], coarser) == date_key(b["event_date"], coarser)
    return Agreement.SAME if same else Agreement.CONFLICT


def compatible(event: dict, mention: dict) -> bool:
    """Nothing the two say contradicts: same type, mode and modality; source, target, place and date
    each equal or unsaid on one side."""
    if (event["event_type"], event["event_mode"], event["modality"]) != \
            (mention["event_type"], mention["event_mode"], mention["modality"]):
        return False
    agreements = (_agree_actors(event, mention, "source"), _agree_actors(event, mention, "target"),
                  _agree_places(event, mention), _agree_dates(event, mention))
    return Agreement.CONFLICT not in agreements


MATERIAL_QUAD_CLASSES = frozenset({2, 4})


def evidence(event: dict, mention: dict, trigger_lemmas: set[str]) -> int:
    """How many things the two say alike: the source, the target, the place, the trigger word.

    A date is left out: most events of a story share the publication date or the day of the story.
    The trigger word counts only for material events: a speaker who "called for" or "accused" twice
    in a story usually said two things, while a town "shelled" twice in one story is one shelling.
    """
    same = (_agree_actors(event, mention, "source"), _agree_actors(event, mention, "target"),
            _agree_places(event, mention))
    same_word = mention["trigger_lemma"] in trigger_lemmas and mention.get("quad_class") in MATERIAL_QUAD_CLASSES
    return same.count(Agreement.SAME) + same_word


MIN_EVIDENCE = 2
"""Things two mentions must say alike to be one event: one is too weak ("Cruz endorsed Trump" and
"Cruz urged Republicans to vote their conscience" share only their source)."""


def _specificity(row: dict) -> int:
    """How many of source, target, place and a stated date a mention gives."""
    return (bool(actor_ids(row, "source")) + bool(actor_ids(row, "target")) + (place_key(row) is not None)
            + _has_stated_date(row))


def _text_order(row: dict) -> tuple:
    return (row["sentence_index"], row["trigger_char_start"] if row["trigger_char_start"] is not None else -1,
            row["location_char_start"] if row["location_char_start"] is not None else -1, row["event_id"])


@dataclass
class _Group:
    """Mentions read as one event so far, and what they say together."""

    members: list[dict]
    known: dict = field(default_factory=dict)
    sentences: set = field(default_factory=set)
    trigger_lemmas: set = field(default_factory=set)

    @classmethod
    def of(cls, row: dict) -> "_Group":
        group = cls(members=[], known=dict(row))
        group.add(row)
        return group

    def add(self, row: dict) -> None:
        self.members.append(row)
        self.sentences.add(row["sentence_index"])
        self.trigger_lemmas.add(row["trigger_lemma"])
        _fill_unsaid(self.known, row)

    def admits(self, row: dict) -> bool:
        # One sentence's triggers of one type are several events ("shot and killed by police this
        # year, and the fourth shot and killed by a Charlotte officer"), or one trigger the extractor
        # split by place; the extractor already folds a sentence's restatements ("launched attacks").
        if row["sentence_index"] in self.sentences:
            return False
        return compatible(self.known, row) and evidence(self.known, row, self.trigger_lemmas) >= MIN_EVIDENCE


def _fill_unsaid(event: dict, mention: dict) -> None:
    """Take each group of columns the event does not say from the mention, as a whole (an actor's
    ID with its text, a place's name with its coordinates, a date with its precision)."""
    if not actor_ids(event, "source") and actor_ids(mention, "source"):
        event.update({c: mention[c] for c in SOURCE_COLUMNS})
    if not actor_ids(event, "target") and actor_ids(mention, "target"):
        event.update({c: mention[c] for c in TARGET_COLUMNS})
    if place_key(event) is None and place_key(mention) is not None:
        event.update({c: mention[c] for c in PLACE_COLUMNS})
    if not _has_stated_date(event) and _has_stated_date(mention):
        event.update({c: mention[c] for c in DATE_COLUMNS})
    if event.get("acled_event_type") is None and mention.get("acled_event_type") is not None:
        event.update({c: mention[c] for c in ACLED_COLUMNS})


def event_cluster_id(event: dict) -> str:
    """The same ID for events of any document with the same type, mode, modality, actors, place
    and date; an event without a date, or with neither a place nor a target, is its own cluster."""
    place = place_key(event)
    targets = actor_ids(event, "target")
    if event.get("event_date") is None or (place is None and not targets):
        return stable_id("evc", event["event_id"])
    return stable_id(
        "evc", event["event_type"], event["event_mode"] or "", event["modality"],
        ",".join(sorted(actor_ids(event, "source"))), ",".join(sorted(targets)),
        f"{place[0]}:{place[1]}" if place else "",
        date_key(event["event_date"], event["date_precision"] or "day"),
    )


def mention_id_for(row: dict) -> str:
    """Content-derived: the mention's document, trigger offsets, event type and place text."""
    return stable_id("evm", row["doc_id"], row["trigger_char_start"], row["event_type"], row["location_text"] or "")


def merge_event_mentions(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """One document's event mention rows in; (event rows, event_mentions rows) out.

    Mentions are grouped most specific first, so that a bare mention ("retook two towns") meets
    every fuller event it could belong to and, fitting several, stays apart. An event row is its
    first mention in text order (its ID, sentence, offsets and trigger: the lede is usually the
    fullest report, and the ID does not move when a later mention is found or a confidence
    changes), with what that mention does not say filled from the others in text order; its
    confidence is its most confident mention's.
    """
    doc_ids = {r["doc_id"] for r in rows}
    if len(doc_ids) > 1:
        raise ValueError(f"merge_event_mentions works on one document's rows, got {sorted(doc_ids)}")
    groups: list[_Group] = []
    for row in sorted(rows, key=lambda r: (-_specificity(r), _text_order(r))):
        fitting = [g for g in groups if g.admits(row)]
        if len(fitting) == 1:
            fitting[0].add(row)
        else:
            groups.append(_Group.of(row))
    events, mentions = [], []
    for group in sorted(groups, key=lambda g: min(_text_order(m) for m in g.members)):
        members = sorted(group.members, key=_text_order)
        event = dict(members[0])
        for other in members[1:]:
            _fill_unsaid(event, other)
        event["confidence"] = max(m["confidence"] for m in members)
        event["mention_count"] = len(members)
        event["event_cluster_id"] = event_cluster_id(event)
        events.append(event)
        for index, member in enumerate(members):
            mentions.append({
                "mention_id": mention_id_for(member),
                "event_id": event["event_id"],
                "doc_id": member["doc_id"],
                "mention_index": index,
                **{c: member[c] for c in MENTION_COLUMNS},
            })
    return events, mentions
