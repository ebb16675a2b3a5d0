"""`newsevents evaluate events` and `newsevents evaluate locations`: event typing and event placing
against labelled news, by the rules in ``transforms/score_events.py``.

Both commands run each gold text as one document through the same extraction as the pipeline.
``--half tune|held`` picks a fixed half of the gold rows (by a hash of the row's id or text), so
rules can be tuned on one half and reported on the other.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from flows.evaluate.app import evaluate_app, extract_gold_documents

if TYPE_CHECKING:
    from transforms.score_events import LocationScore, TypingScore

HALVES = ("all", "tune", "held")


def in_half(key: str, half: str) -> bool:
    """A fixed split of gold rows: 'tune' and 'held' are complementary halves of 'all'."""
    if half == "all":
        return True
    even = hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0
    return even if half == "tune" else not even


def _check_half(half: str) -> None:
    if half not in HALVES:
        raise typer.BadParameter(f"--half must be one of {', '.join(HALVES)}")


def _extract_texts(texts: list[str]) -> list[dict]:
    """Rows of every table for each text, each text one undated document."""
    from transforms.extract import DocumentForExtraction
    from transforms.ids import doc_id_for, sha256_text

    items = [DocumentForExtraction(doc_id_for(sha256_text(t)), t, None) for t in texts]
    return [rows for _, rows in extract_gold_documents(items)]


def top_event_label(events: list[dict]) -> str | None:
    """The ACLED sub-event type of a document's highest-confidence event (first in text order on ties)."""
    best = None
    for e in events:
        if best is None or e["confidence"] > best["confidence"]:
            best = e
    return best["acled_sub_event_type"] if best is not None else None


def read_case2021(gold: Path, half: str = "all") -> list[dict]:
    """The rows of a CASE 2021 Task 2 TSV (id, EventSnippet, SubType) in the chosen half."""
    _check_half(half)
    with gold.open(encoding="utf-8", newline="") as f:
        records = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if in_half(r["id"], half)]
    if not records:
        raise typer.BadParameter(f"{gold}: no rows with id, EventSnippet, SubType")
    return records


def predict_event_types(records: list[dict]) -> list[str | None]:
    """The ACLED sub-event type the extractor gives each snippet (its top event's), None for no event."""
    return [top_event_label(doc_rows["events"]) for doc_rows in _extract_texts([r["EventSnippet"] for r in records])]


def measure_event_types(gold: Path, half: str = "all") -> "TypingScore":
    from transforms.score_events import acled_label, score_typing

    records = read_case2021(gold, half)
    return score_typing([acled_label(r["SubType"]) for r in records], predict_event_types(records))


def read_location_gold(gold: Path, half: str = "all", limit: int = 0) -> list[tuple[str, tuple[int, int], list]]:
    """(text, first VERB span, usable LOCATION spans) of each gold sentence that has both, in the half."""
    from transforms.score_events import is_location_span

    _check_half(half)
    records = []
    with gold.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise typer.BadParameter(f"{gold}:{line_no}: not JSON ({error})") from error
            spans = record.get("spans") or []
            verbs = [(s["start"], s["end"]) for s in spans if s.get("label") == "VERB"]
            places = [(s["start"], s["end"]) for s in spans
                      if s.get("label") == "LOCATION" and is_location_span(record["text"], (s["start"], s["end"]))]
            if verbs and places and in_half(record["text"], half):
                records.append((record["text"], verbs[0], places))
    return records[:limit] if limit else records


def measure_locations(gold: Path, half: str = "all", limit: int = 0) -> "LocationScore":
    """How often the event at each gold VERB is placed at the gold LOCATION."""
    from transforms.score_events import LocationScore, location_outcome

    records = read_location_gold(gold, half, limit)
    rows = _extract_texts([text for text, _, _ in records])
    found = correct = 0
    for (text, verb, places), doc_rows in zip(records, rows):
        # Each mention with the place its own sentence gives: an event's place may come from another mention.
        events = [
            ((e["trigger_char_start"], e["trigger_char_end"]),
             (e["location_char_start"], e["location_char_end"]) if e["location_char_start"] is not None else None)
            for e in doc_rows["event_mentions"]
        ]
        has_event, placed = location_outcome(verb, places, events)
        found += has_event
        correct += placed
    return LocationScore(len(records), found, correct)


@evaluate_app.command("events")
def evaluate_events(
    gold: Path = typer.Option(..., "--gold", "--case2021", exists=True, dir_okay=False,
                              help="CASE 2021 Task 2 TSV: id, EventSnippet, SubType."),
    half: str = typer.Option("all", help="all, or the fixed half 'tune' / 'held' of the rows."),
    errors: bool = typer.Option(False, "--errors", help="Also print each misclassified snippet's id."),
) -> None:
    """Weighted and macro F1 over ACLED's 25 sub-event types, per class, and a confusion table."""
    from transforms.score_events import ACLED_CLASSES, acled_label, score_typing

    records = read_case2021(gold, half)
    gold_labels = [acled_label(r["SubType"]) for r in records]
    predicted = predict_event_types(records)
    score = score_typing(gold_labels, predicted)
    typer.echo(f"snippets: {score.n} ({half}); with an ACLED label: {sum(g is not None for g in gold_labels)}")
    typer.echo(f"weighted F1 (25 ACLED classes): {score.weighted_f1:.3f}")
    typer.echo(f"macro F1: {score.macro_f1:.3f}   accuracy (all snippets, none = no ACLED event): {score.accuracy:.3f}")
    typer.echo(f"{'class':<36} {'support':>7} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for c in score.per_class:
        if c.support or c.predicted:
            typer.echo(f"{c.label:<36} {c.support:>7} {c.predicted:>5} {c.precision:>6.2f} {c.recall:>6.2f} {c.f1:>6.2f}")
    typer.echo("confusions (gold -> predicted: count):")
    order = {label: i for i, label in enumerate(ACLED_CLASSES)}
    for (g, p), count in sorted(score.confusion.items(), key=lambda kv: (-kv[1], order.get(kv[0][0], 99))):
        if g != p:
            typer.echo(f"  {g or '(none)'} -> {p or '(none)'}: {count}")
    if errors:
        for r, g, p in zip(records, gold_labels, predicted):
            if g != p:
                typer.echo(f"  id {r['id']}: {g or '(none)'} -> {p or '(none)'}")


@evaluate_app.command("locations")
def evaluate_locations(
    gold: Path = typer.Option(..., "--gold", exists=True, dir_okay=False,
                              help="JSON lines {text, spans: [{label: VERB|LOCATION, start, end}]}."),
    half: str = typer.Option("all", help="all, or the fixed half 'tune' / 'held' of the sentences."),
    limit: int = typer.Option(0, help="Score only the first N sentences of the half (0: all)."),
) -> None:
    """Share of sentences (with a VERB and a LOCATION span) whose event at the VERB is placed at the LOCATION."""
    score = measure_locations(gold, half, limit)
    typer.echo(f"sentences with a VERB and a LOCATION span: {score.sentences} ({half})")
    typer.echo(f"an event at the VERB: {score.event_found} ({score.event_found / max(score.sentences, 1):.3f})")
    typer.echo(f"location accuracy: {score.accuracy:.3f}   (among sentences with an event at the VERB: {score.accuracy_when_found:.3f})")
