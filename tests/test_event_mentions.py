"""One event, several mentions: given one document's mention rows, the events and mentions expected."""

from __future__ import annotations

import random
from datetime import date

import pytest

from schemas import load_tables
from transforms.event_mentions import event_cluster_id, merge_event_mentions
from transforms.ids import stable_id

DOC = "doc_00000000000000aa"
OTHER_DOC = "doc_00000000000000bb"
PUBLISHED = date(2024, 3, 16)


def mention(sentence: int, trigger_start: int, doc_id: str = DOC, **overrides) -> dict:
    """A mention row as extraction gives it: 'Russian forces shelled Kharkiv', placed and dated by default."""
    row = {
        "doc_id": doc_id,
        "sentence_index": sentence,
        "char_start": sentence * 100,
        "char_end": sentence * 100 + 60,
        "sentence_text": f"Sentence {sentence}.",
        "trigger": "shelled",
        "trigger_char_start": trigger_start,
        "trigger_char_end": trigger_start + 7,
        "trigger_lemma": "shell",
        "event_type": "ASSAULT",
        "event_mode": "artillery",
        "quad_class": 4,
        "cameo_root": "19",
        "acled_event_type": "Explosions/Remote violence",
        "acled_sub_event_type": "Shelling/artillery/missile attack",
        "source_actor_id": "state:RUS",
        "source_actor_text": "Russian forces",
        "target_actor_id": None,
        "target_actor_text": None,
        "source_actor_ids": ["state:RUS"],
        "target_actor_ids": [],
        "location_text": "Kharkiv",
        "location_char_start": trigger_start + 8,
        "location_char_end": trigger_start + 15,
        "location_name": "Kharkiv",
        "geonames_id": 706483,
        "latitude": 49.98,
        "longitude": 36.25,
        "country_iso3": "UKR",
        "admin1": "Kharkivska",
        "geo_precision": 1,
        "event_date": date(2024, 3, 15),
        "date_precision": "day",
        "date_text": "on Friday",
        "negated": False,
        "modality": "asserted",
        "confidence": 0.8,
        "extractor_version": "test",
        "year": 2024,
        "month": 3,
    }
    row.update(overrides)
    if "date_text" in overrides and overrides["date_text"] is None and "event_date" not in overrides:
        row["event_date"] = PUBLISHED  # no date expression: extraction falls back on the publication date
    row["event_id"] = stable_id("evt", doc_id, row["trigger_char_start"], row["event_type"], row["location_text"] or "")
    return row


UNPLACED = {"location_text": None, "location_char_start": None, "location_char_end": None, "location_name": None,
            "geonames_id": None, "latitude": None, "longitude": None, "country_iso3": None, "admin1": None,
            "geo_precision": None}
NO_SOURCE = {"source_actor_id": None, "source_actor_text": None, "source_actor_ids": []}
UNDATED = {"date_text": None}
DARAA = {"location_text": "Daraa", "location_name": "Daraa", "geonames_id": 170903, "latitude": 32.6,
         "longitude": 36.1, "country_iso3": "SYR", "admin1": "Daraa"}
UKRAINE_TARGET = {"target_actor_id": "state:UKR", "target_actor_text": "Ukraine", "target_actor_ids": ["state:UKR"]}
NATO_TARGET = {"target_actor_id": "igo:nato", "target_actor_text": "NATO", "target_actor_ids": ["igo:nato"]}


def grouping(rows: list[dict]) -> list[list[int]]:
    """The events as lists of their mentions' sentence indexes, in text order."""
    events, mentions = merge_event_mentions(rows)
    return [[m["sentence_index"] for m in mentions if m["event_id"] == e["event_id"]] for e in events]


CASES = {
    "two sentences reporting the same attack are one event": (
        [mention(0, 15), mention(3, 320, **UNDATED, **UNPLACED)], [[0, 3]]),
    "same type but a different place is another event": (
        [mention(0, 15), mention(3, 320, **DARAA)], [[0], [3]]),
    "negated and asserted mentions are not merged": (
        [mention(0, 15), mention(3, 320, modality="negated", negated=True)], [[0], [3]]),
    "future and asserted mentions are not merged": (
        [mention(0, 15), mention(3, 320, modality="future")], [[0], [3]]),
    "different targets are different events": (
        [mention(0, 15, **UKRAINE_TARGET), mention(3, 320, **NATO_TARGET)], [[0], [3]]),
    "a target said on one side only is compatible": (
        [mention(0, 15), mention(3, 320, **UKRAINE_TARGET)], [[0, 3]]),
    "different sources are different events": (
        [mention(0, 15), mention(3, 320, source_actor_id="state:UKR", source_actor_ids=["state:UKR"])], [[0], [3]]),
    "another mode is another event": (
        [mention(0, 15), mention(3, 320, event_mode="aerial")], [[0], [3]]),
    "another type is another event": (
        [mention(0, 15), mention(3, 320, event_type="COERCE")], [[0], [3]]),
    "dates that differ at the day are different events": (
        [mention(0, 15), mention(3, 320, event_date=date(2024, 3, 13), date_text="on Wednesday")], [[0], [3]]),
    "a day inside a stated month is compatible at the month": (
        [mention(0, 15), mention(3, 320, event_date=date(2024, 3, 1), date_precision="month", date_text="in March")],
        [[0, 3]]),
    "the publication-date fallback does not contradict a stated date": (
        [mention(0, 15), mention(3, 320, **UNDATED)], [[0, 3]]),
    "mentions in one sentence are different events": (
        [mention(0, 15), mention(0, 40)], [[0], [0]]),
    "one shared participant in other words is not enough": (
        [mention(0, 15), mention(3, 320, trigger="bombarded", trigger_lemma="bombard", **UNPLACED)], [[0], [3]]),
    "a shared participant and place in other words is enough": (
        [mention(0, 15), mention(3, 320, trigger="bombarded", trigger_lemma="bombard")], [[0, 3]]),
    "the same word without a shared participant or place is not evidence": (
        [mention(0, 15, **NO_SOURCE, **UNPLACED), mention(3, 320, **NO_SOURCE, **UNPLACED)], [[0], [3]]),
    "a speaker's two demands in the same word are two statements, not one event": (
        [mention(0, 15, event_type="REQUEST", event_mode=None, quad_class=1, trigger="called for",
                 trigger_lemma="call", **UNPLACED),
         mention(3, 320, event_type="REQUEST", event_mode=None, quad_class=1, trigger="called for",
                 trigger_lemma="call", **UNPLACED)], [[0], [3]]),
    "a speaker's two demands of the same target are one event": (
        [mention(0, 15, event_type="REQUEST", event_mode=None, quad_class=1, trigger="called on",
                 trigger_lemma="call", **UNPLACED, **NATO_TARGET),
         mention(3, 320, event_type="REQUEST", event_mode=None, quad_class=1, trigger="urged",
                 trigger_lemma="urge", **UNPLACED, **NATO_TARGET)], [[0, 3]]),
    "a bare mention fitting two events stays its own event": (
        [mention(0, 15, **UNPLACED), mention(2, 215), mention(2, 240, **DARAA)], [[0], [2], [2]]),
    "one trigger split by place stays two events": (
        [mention(2, 215), mention(2, 215, location_text="Kharkiv district")], [[2], [2]]),
    "compound sources are compared as sets": (
        [mention(0, 15, source_actor_ids=["state:RUS", "state:SYR"]),
         mention(3, 320, source_actor_ids=["state:SYR", "state:RUS"], source_actor_id="state:SYR")], [[0, 3]]),
    "a compound source is not the same as one of its actors": (
        [mention(0, 15, source_actor_ids=["state:RUS", "state:SYR"]), mention(3, 320)], [[0], [3]]),
    "an unknown place written the same way agrees": (
        [mention(0, 15, **{**UNPLACED, "location_text": "Hill 204"}),
         mention(3, 320, **{**UNPLACED, "location_text": "hill 204"})], [[0, 3]]),
}


@pytest.mark.parametrize(("rows", "expected"), list(CASES.values()), ids=list(CASES))
def test_mentions_merge_into_events(rows: list[dict], expected: list[list[int]]) -> None:
    assert grouping(rows) == expected


def test_event_keeps_its_first_mention_and_fills_what_it_does_not_say() -> None:
    first = mention(0, 15, **UNPLACED, **UNDATED, confidence=0.6)
    later = mention(3, 320, **UKRAINE_TARGET, confidence=0.9)
    [event], mentions = merge_event_mentions([later, first])
    assert event["event_id"] == first["event_id"]
    assert (event["sentence_index"], event["char_start"], event["trigger_char_start"]) == (0, 0, 15)
    assert (event["location_text"], event["geonames_id"], event["location_char_start"]) == ("Kharkiv", 706483, 328)
    assert (event["event_date"], event["date_text"]) == (date(2024, 3, 15), "on Friday")
    assert event["target_actor_ids"] == ["state:UKR"] and event["target_actor_id"] == "state:UKR"
    assert event["source_actor_ids"] == ["state:RUS"]
    assert event["confidence"] == 0.9 and event["mention_count"] == 2
    assert [(m["mention_index"], m["sentence_index"], m["location_text"], m["date_text"]) for m in mentions] == [
        (0, 0, None, None), (1, 3, "Kharkiv", "on Friday")]
    assert all(m["event_id"] == event["event_id"] for m in mentions)


def test_ids_are_stable_across_runs_and_input_orders() -> None:
    rows = [mention(0, 15, **UNPLACED), mention(2, 215), mention(2, 240, **DARAA), mention(3, 320, **UNDATED),
            mention(5, 520, **NATO_TARGET, **UNPLACED)]
    first_events, first_mentions = merge_event_mentions(rows)
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert merge_event_mentions(shuffled) == (first_events, first_mentions)
    assert len({m["mention_id"] for m in first_mentions}) == len(rows)
    assert all(e["event_id"] in {r["event_id"] for r in rows} for e in first_events)


def test_rows_of_two_documents_are_refused() -> None:
    with pytest.raises(ValueError, match="one document"):
        merge_event_mentions([mention(0, 15), mention(0, 15, doc_id=OTHER_DOC)])


def test_every_mention_column_is_an_event_mentions_column() -> None:
    _, [row] = merge_event_mentions([mention(0, 15)])
    assert list(row) == load_tables()["event_mentions"].column_names
    [event], _ = merge_event_mentions([mention(0, 15)])
    assert set(load_tables()["events"].column_names) == set(event)


# --- clusters across documents ------------------------------------------------------------------


def cluster_of(**overrides) -> str:
    [event], _ = merge_event_mentions([mention(0, 15, doc_id=overrides.pop("doc_id", OTHER_DOC), **overrides)])
    return event["event_cluster_id"]


def test_events_of_two_documents_with_the_same_keys_share_a_cluster() -> None:
    [event], _ = merge_event_mentions([mention(0, 15)])
    # Another document, another sentence, trigger and wording of the same place, actor and day.
    [other], _ = merge_event_mentions([mention(4, 433, doc_id=OTHER_DOC, trigger="shelling", confidence=0.5,
                                               location_text="the city of Kharkiv")])
    assert event["event_id"] != other["event_id"]
    assert event["event_cluster_id"] == other["event_cluster_id"] == event_cluster_id(event)


CLUSTER_CHANGES = {
    "another place": DARAA,
    "another day": {"event_date": date(2024, 3, 14), "date_text": "on Thursday"},
    "another source": {"source_actor_id": "state:UKR", "source_actor_ids": ["state:UKR"]},
    "a target": UKRAINE_TARGET,
    "another mode": {"event_mode": "aerial"},
    "another modality": {"modality": "negated", "negated": True},
    "the same day at week precision": {"date_precision": "week"},
}


@pytest.mark.parametrize("change", list(CLUSTER_CHANGES.values()), ids=list(CLUSTER_CHANGES))
def test_events_that_differ_in_a_key_are_in_different_clusters(change: dict) -> None:
    assert cluster_of(doc_id=DOC) != cluster_of(**change)


@pytest.mark.parametrize(
    "missing",
    [{"event_date": None, "date_text": None, "date_precision": None, "year": None, "month": None}, UNPLACED],
    ids=["no date", "neither place nor target"],
)
def test_events_without_enough_keys_are_their_own_cluster(missing: dict) -> None:
    [event], _ = merge_event_mentions([mention(0, 15, **missing)])
    [other], _ = merge_event_mentions([mention(0, 15, doc_id=OTHER_DOC, **missing)])
    assert event["event_cluster_id"] == stable_id("evc", event["event_id"])
    assert event["event_cluster_id"] != other["event_cluster_id"]


def test_unplaced_events_with_a_target_cluster() -> None:
    assert cluster_of(doc_id=DOC, **UNPLACED, **UKRAINE_TARGET) == cluster_of(**UNPLACED, **UKRAINE_TARGET)


# --- real extraction ------------------------------------------------------------------------------


def test_extraction_reports_each_event_once_with_all_its_mentions(extract_text) -> None:
    rows = extract_text(
        "Police arrested ten protesters in Nairobi on Monday. "
        "The police arrested the protesters outside parliament in Nairobi, witnesses said. "
        "Police also arrested five protesters in Mombasa. "
        "Police did not arrest anyone in Kisumu."
    )
    text = rows["text"]
    events, mentions = rows["events"], rows["event_mentions"]
    expected_ids = [e["event_id"] for e in events for _ in range(e["mention_count"])]
    assert sorted(m["event_id"] for m in mentions) == sorted(expected_ids)
    for m in mentions:
        assert text[m["char_start"]:m["char_end"]] == m["sentence_text"]
        assert text[m["trigger_char_start"]:m["trigger_char_end"]] in m["trigger"].split()
    arrests = {(e["location_name"], e["modality"]): e for e in events if e["event_mode"] == "arrest"}
    assert set(arrests) == {("Nairobi", "asserted"), ("Mombasa", "asserted"), ("Kisumu", "negated")}
    nairobi = arrests[("Nairobi", "asserted")]
    assert nairobi["mention_count"] == 2 and nairobi["date_text"] == "Monday"
    assert [m["sentence_index"] for m in mentions if m["event_id"] == nairobi["event_id"]] == [0, 1]
    assert arrests[("Mombasa", "asserted")]["mention_count"] == arrests[("Kisumu", "negated")]["mention_count"] == 1
