"""Scoring rules for event typing and event location, kept pure so tests and commands share them.

Event typing follows the CASE 2021 Task 2 convention: each snippet has one gold label; labels
outside ACLED's 25 sub-event types (DIPLO, ATTRIB, ORG_CRIME, disasters) count as "no ACLED
event". Precision, recall and F1 are computed per ACLED class; the weighted F1 averages them by
gold support over the 25 classes, the macro F1 averages them unweighted over the classes that
occur in gold or predictions. A predicted class for a non-ACLED snippet is a false positive of
that class; no prediction for an ACLED snippet is a false negative.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

CASE2021_TO_ACLED = {
    "GOV_REGAINS_TERIT": "Government regains territory",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "ARMED_CLASH": "Armed clash",
    "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "PROTEST_WITH_INTER": "Protest with intervention",
    "PEACE_PROTEST": "Peaceful protest",
    "VIOL_DEMONSTR": "Violent demonstration",
    "MOB_VIOL": "Mob violence",
    "CHEM_WEAP": "Chemical weapon",
    "AIR_STRIKE": "Air/drone strike",
    "SUIC_BOMB": "Suicide bomb",
    "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "REM_EXPLOS": "Remote explosive/landmine/IED",
    "GRENADE": "Grenade",
    "SEX_VIOL": "Sexual violence",
    "ATTACK": "Attack",
    "ABDUCT_DISSAP": "Abduction/forced disappearance",
    "AGREEMENT": "Agreement",
    "ARREST": "Arrests",
    "CHANGE_TO_GROUP_ACT": "Change to group/activity",
    "DISR_WEAP": "Disrupted weapons use",
    "HQ_ESTABLISHED": "Headquarters or base established",
    "PROPERTY_DISTRUCT": "Looting/property destruction",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory",
    "OTHER": "Other",
}
"""CASE 2021 label codes to ACLED's own sub-event type names (the 25 scored classes)."""
ACLED_CLASSES = tuple(CASE2021_TO_ACLED.values())


def share(part: float, whole: float) -> float:
    """part / whole, and 0 when there is nothing to divide by (no gold, no predictions)."""
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class ClassScore:
    label: str
    support: int
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float:
        return share(self.true_positives, self.predicted)

    @property
    def recall(self) -> float:
        return share(self.true_positives, self.support)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return share(2 * p * r, p + r)


@dataclass(frozen=True)
class TypingScore:
    per_class: tuple[ClassScore, ...]
    confusion: Counter  # (gold, predicted) -> count; None stands for "no ACLED event"
    n: int

    @property
    def weighted_f1(self) -> float:
        total = sum(c.support for c in self.per_class)
        return share(sum(c.f1 * c.support for c in self.per_class), total)

    @property
    def macro_f1(self) -> float:
        seen = [c for c in self.per_class if c.support or c.predicted]
        return share(sum(c.f1 for c in seen), len(seen))

    @property
    def accuracy(self) -> float:
        return share(sum(v for (g, p), v in self.confusion.items() if g == p), self.n)


def acled_label(case2021_label: str) -> str | None:
    """The ACLED name of a CASE 2021 label, or None for the labels outside ACLED's 25."""
    return CASE2021_TO_ACLED.get(case2021_label.strip())


def score_typing(gold: Sequence[str | None], predicted: Sequence[str | None]) -> TypingScore:
    """Per-class and averaged F1 over the 25 ACLED classes (None = no ACLED event)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    for label in (*gold, *predicted):
        if label is not None and label not in ACLED_CLASSES:
            raise ValueError(f"not an ACLED sub-event type: {label!r}")
    confusion = Counter(zip(gold, predicted))
    per_class = tuple(
        ClassScore(
            label,
            support=sum(1 for g in gold if g == label),
            predicted=sum(1 for p in predicted if p == label),
            true_positives=sum(1 for g, p in zip(gold, predicted) if g == p == label),
        )
        for label in ACLED_CLASSES
    )
    return TypingScore(per_class, confusion, len(gold))


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass(frozen=True)
class LocationScore:
    sentences: int
    event_found: int
    correct: int

    @property
    def accuracy(self) -> float:
        """Share of scored sentences whose event (trigger over the gold VERB) is placed at the gold LOCATION."""
        return share(self.correct, self.sentences)

    @property
    def accuracy_when_found(self) -> float:
        return share(self.correct, self.event_found)


def is_location_span(text: str, span: tuple[int, int]) -> bool:
    """A usable gold LOCATION span: at least two non-space characters (a few gold spans are empty
    or a single letter, offsets gone wrong; they cannot be matched by anything and are not scored)."""
    return len(text[span[0]:span[1]].strip()) >= 2


def location_outcome(
    verb: tuple[int, int],
    locations: Iterable[tuple[int, int]],
    events: Iterable[tuple[tuple[int, int], tuple[int, int] | None]],
) -> tuple[bool, bool]:
    """(an event's trigger overlaps the gold verb, that event's location overlaps a gold location).

    ``events`` are (trigger span, location_text span or None) in character offsets of the sentence.
    """
    locations = list(locations)
    found = False
    for trigger, place in events:
        if not spans_overlap(trigger, verb):
            continue
        found = True
        if place is not None and any(spans_overlap(place, loc) for loc in locations):
            return True, True
    return found, False


# CAMEO crosswalk against PETRARCH's coded sentences (``newsevents evaluate cameo``).

CAMEO_ROOTS = frozenset(f"{i:02d}" for i in range(1, 21))


@dataclass(frozen=True)
class CodedSentence:
    id: str
    text: str
    roots: frozenset[str]  # expected CAMEO roots, "01" to "20"


@dataclass(frozen=True)
class CameoScore:
    sentences: int
    gold_roots: int
    found_roots: int
    predicted_roots: int
    right_predictions: int
    quad_agreements: int

    @property
    def recall(self) -> float:
        return share(self.found_roots, self.gold_roots)

    @property
    def precision(self) -> float:
        return share(self.right_predictions, self.predicted_roots)

    @property
    def quad_agreement(self) -> float:
        return share(self.quad_agreements, self.sentences)


def quad_class_of_root(root: str) -> int:
    """CAMEO's quad classes: 01-05 verbal and 06-08 material cooperation, 09-13 verbal and 14-20 material conflict."""
    n = int(root)
    return 1 if n <= 5 else 2 if n <= 8 else 3 if n <= 13 else 4


def score_cameo(records: list[CodedSentence], predicted: list[list[dict]]) -> CameoScore:
    """Root-code recall and precision per sentence, and whether the sentence's first event has the gold quad class."""
    gold_roots = found = predicted_roots = right = quads = 0
    for record, events in zip(records, predicted):
        roots = {e["cameo_root"] for e in events}
        gold_roots += len(record.roots)
        found += len(record.roots & roots)
        predicted_roots += len(roots)
        right += len(roots & record.roots)
        gold_quads = {quad_class_of_root(r) for r in record.roots}
        quads += bool(events) and events[0]["quad_class"] in gold_quads
    return CameoScore(len(records), gold_roots, found, predicted_roots, right, quads)
