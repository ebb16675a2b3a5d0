"""`newsevents evaluate cameo`: the CAMEO crosswalk against PETRARCH's coded test sentences.

PETRARCH-2's unit-test records and its GSR validation file give, per sentence, the CAMEO event
codes a coder expects. Each sentence runs as one document; a gold code counts as found when one
of the sentence's events (of any modality) cross-walks to the same CAMEO root (its first two
digits). This is a regression yardstick for the crosswalk, not a benchmark of PLOVER coding:
PETRARCH codes one sentence at a time with a different ontology.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import typer

from flows.evaluate.app import evaluate_app

RECORD = re.compile(r"<Sentence\b[^>]*\bid=\"(?P<id>[^\"]+)\"[^>]*>(?P<body>.*?)(?=<Sentence\b|</Sentences>|\Z)", re.DOTALL)
EVENT_CODE = re.compile(r"<EventCoding\b[^>]*\beventcode=\"(?P<code>\d{2,4})\"")
TEXT = re.compile(r"<Text>(?P<text>.*?)</Text>", re.DOTALL)
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
        return self.found_roots / self.gold_roots if self.gold_roots else 0.0

    @property
    def precision(self) -> float:
        return self.right_predictions / self.predicted_roots if self.predicted_roots else 0.0

    @property
    def quad_agreement(self) -> float:
        return self.quad_agreements / self.sentences if self.sentences else 0.0


def quad_class_of_root(root: str) -> int:
    """CAMEO's quad classes: 01-05 verbal and 06-08 material cooperation, 09-13 verbal and 14-20 material conflict."""
    n = int(root)
    return 1 if n <= 5 else 2 if n <= 8 else 3 if n <= 13 else 4


def read_petrarch_records(path: Path) -> list[CodedSentence]:
    """Sentences with at least one CAMEO-coded event, from a PETRARCH validation or unit-test XML file."""
    records = []
    for match in RECORD.finditer(path.read_text(encoding="utf-8")):
        body = match["body"]
        text = TEXT.search(body)
        roots = frozenset(code[:2] for code in EVENT_CODE.findall(body) if code[:2] in CAMEO_ROOTS)
        if text and roots:
            records.append(CodedSentence(match["id"], " ".join(html.unescape(text["text"]).split()), roots))
    if not records:
        raise typer.BadParameter(f"{path}: no <Sentence> records with a CAMEO <EventCoding eventcode=…> and <Text>")
    return records


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


def measure_cameo(gold: Path) -> CameoScore:
    from flows.evaluate.events import _extract_texts

    records = read_petrarch_records(gold)
    return score_cameo(records, [rows["events"] for rows in _extract_texts([r.text for r in records])])


@evaluate_app.command("cameo")
def evaluate_cameo(
    gold: Path = typer.Option(..., "--gold", exists=True, dir_okay=False,
                              help="PETRARCH XML: PETR2_GSR_validation.xml or PETR.UnitTest.records.xml."),
) -> None:
    """CAMEO root-code recall and precision, and quad-class agreement, on PETRARCH's coded sentences."""
    score = measure_cameo(gold)
    typer.echo(f"sentences with a CAMEO-coded event: {score.sentences}")
    typer.echo(f"CAMEO root recall: {score.recall:.3f} ({score.found_roots}/{score.gold_roots})   "
               f"precision: {score.precision:.3f} ({score.right_predictions}/{score.predicted_roots})")
    typer.echo(f"quad class of the first event agrees: {score.quad_agreement:.3f}")
