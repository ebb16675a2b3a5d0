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
from pathlib import Path

import typer

from flows.evaluate.app import evaluate_app
from transforms.score_events import CAMEO_ROOTS, CameoScore, CodedSentence, score_cameo

RECORD = re.compile(r"<Sentence\b[^>]*\bid=\"(?P<id>[^\"]+)\"[^>]*>(?P<body>.*?)(?=<Sentence\b|</Sentences>|\Z)", re.DOTALL)
EVENT_CODE = re.compile(r"<EventCoding\b[^>]*\beventcode=\"(?P<code>\d{2,4})\"")
TEXT = re.compile(r"<Text>(?P<text>.*?)</Text>", re.DOTALL)


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
