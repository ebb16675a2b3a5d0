"""The accuracy card: the `newsevents evaluate` figures of the extractor that coded a release.

Gold sets are listed in a TOML file (``NEWSEVENTS_EVALUATION_FILE``), each with what it measures:

    [[gold]]
    name = "PolNeAR dev"
    measure = "statements"          # statements | people | events | locations | cameo
    gold = "gold_dev.jsonl"         # relative paths are read from the TOML file's folder
    texts = "dev_texts"             # statements and people only: folder of <doc>.txt articles
    half = "all"                    # events and locations: all | tune | held

Each nightly run measures them with the models it codes with and publishes the result as the
release's ``evaluation.json`` and the "Accuracy" section of its data card. A card depends only
on the extractor version and the gold files' contents, so it is cached in the workspace and a
run whose extractor and gold sets did not change measures nothing.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import typer
from pydantic import BaseModel, ValidationError

from flows.evaluate.app import evaluate_app
from transforms.score_events import share

Measure = Literal["statements", "people", "events", "locations", "cameo"]
EVALUATION_FILE = "evaluation.json"
CARD_FORMAT = 1
HEADLINES: dict[str, tuple[tuple[str, str], ...]] = {
    "statements": (("quote_P", "quote precision"), ("quote_R", "quote recall"), ("quote_F1", "quote F1"),
                   ("speaker_acc", "speaker accuracy")),
    "people": (("P", "people precision"), ("R", "people recall"), ("F1", "people F1")),
    "events": (("weighted_f1", "ACLED sub-event type weighted F1"), ("macro_f1", "macro F1")),
    "locations": (("accuracy", "event location accuracy"), ("event_found_share", "event found at the verb")),
    "cameo": (("root_recall", "CAMEO root recall"), ("root_precision", "CAMEO root precision")),
}
UNITS = {"statements": "docs", "people": "docs", "events": "snippets", "locations": "sentences", "cameo": "sentences"}


class GoldSet(BaseModel):
    name: str
    measure: Measure
    gold: Path
    texts: Path | None = None
    half: Literal["all", "tune", "held"] = "all"

    def check(self) -> None:
        """Fail early, with what to fix, on a gold set that cannot be measured."""
        if not self.gold.is_file():
            raise FileNotFoundError(f"gold set {self.name!r}: gold file {self.gold} does not exist")
        if self.measure in ("statements", "people"):
            if self.texts is None or not self.texts.is_dir():
                raise FileNotFoundError(f"gold set {self.name!r}: {self.measure} needs `texts`, a folder of "
                                        f"<doc>.txt articles ({self.texts} is not one)")

    def fingerprint(self) -> dict[str, str]:
        """SHA-256 of the gold file and of the article texts: what the figures were measured on."""
        out = {"gold_sha256": _sha256_files([self.gold])}
        if self.texts is not None:
            out["texts_sha256"] = _sha256_files(sorted(self.texts.glob("*.txt")))
        return out


def _sha256_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_gold_sets(path: Path) -> list[GoldSet]:
    """The gold sets a TOML file lists, with paths resolved against its folder and checked."""
    if not path.is_file():
        raise FileNotFoundError(f"evaluation file {path} does not exist: create it (see flows/evaluate/accuracy.py) "
                                "or unset NEWSEVENTS_EVALUATION_FILE")
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("gold", [])
        gold_sets = [GoldSet(**entry) for entry in entries]
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as error:
        raise ValueError(f"{path}: not a list of [[gold]] tables with name, measure, gold (and texts): {error}") from error
    base = path.resolve().parent
    resolved = []
    for g in gold_sets:
        g = g.model_copy(update={"gold": base / g.gold, "texts": base / g.texts if g.texts is not None else None})
        g.check()
        resolved.append(g)
    return resolved


def measure(gold_set: GoldSet) -> dict[str, Any]:
    """The figures of one gold set, measured with the installed extractor."""
    from flows.evaluate.cameo import measure_cameo
    from flows.evaluate.events import measure_event_types, measure_locations
    from flows.evaluate.statements import measure_people, measure_statements

    if gold_set.measure == "statements":
        return measure_statements(gold_set.gold, gold_set.texts)
    if gold_set.measure == "people":
        return measure_people(gold_set.gold, gold_set.texts)
    if gold_set.measure == "events":
        score = measure_event_types(gold_set.gold, gold_set.half)
        return {"snippets": score.n, "weighted_f1": round(score.weighted_f1, 3), "macro_f1": round(score.macro_f1, 3),
                "accuracy": round(score.accuracy, 3),
                "per_class": [{"label": c.label, "support": c.support, "predicted": c.predicted,
                               "P": round(c.precision, 3), "R": round(c.recall, 3), "F1": round(c.f1, 3)}
                              for c in score.per_class if c.support or c.predicted]}
    if gold_set.measure == "cameo":
        cameo = measure_cameo(gold_set.gold)
        return {"sentences": cameo.sentences, "root_recall": round(cameo.recall, 3),
                "root_precision": round(cameo.precision, 3), "quad_agreement": round(cameo.quad_agreement, 3)}
    score = measure_locations(gold_set.gold, gold_set.half)
    return {"sentences": score.sentences, "event_found": score.event_found, "correct": score.correct,
            "accuracy": round(score.accuracy, 3),
            "event_found_share": round(share(score.event_found, score.sentences), 3)}


def accuracy_card(gold_sets: list[GoldSet], extractor_version: str, cache_dir: Path | None = None,
                  progress: Any = None) -> dict[str, Any]:
    """Every gold set's figures for ``extractor_version``; entries already in ``cache_dir`` are reused."""
    entries = []
    for gold_set in gold_sets:
        entry = {"name": gold_set.name, "measure": gold_set.measure, "half": gold_set.half,
                 "gold_file": gold_set.gold.name, **gold_set.fingerprint()}
        key = hashlib.sha256(json.dumps([extractor_version, entry], sort_keys=True).encode()).hexdigest()[:24]
        cached = cache_dir / f"{key}.json" if cache_dir is not None else None
        if cached is not None and cached.is_file():
            entry["metrics"] = json.loads(cached.read_text(encoding="utf-8"))
        else:
            if progress is not None:
                progress(f"measuring {gold_set.measure} on gold set {gold_set.name!r}")
            entry["metrics"] = measure(gold_set)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(json.dumps(entry["metrics"], sort_keys=True), encoding="utf-8")
        entries.append(entry)
    return {"format": CARD_FORMAT, "extractor_version": extractor_version, "gold_sets": entries}


def render_card(card: dict[str, Any]) -> list[str]:
    """The data card's "Accuracy" section: each gold set's headline figures."""
    lines = [
        f"Measured on the gold sets below with the extractor that coded this release "
        f"(`{card['extractor_version']}`), by the rules of `newsevents evaluate`; all figures, per class "
        f"where there are classes, are in `{EVALUATION_FILE}`.",
        "",
        "| Gold set | Measure | Size | Figure | Value |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for entry in card["gold_sets"]:
        metrics = entry["metrics"]
        size_key = UNITS[entry["measure"]]
        size = f"{metrics.get(size_key, '')} {size_key}"
        half = "" if entry["half"] == "all" else f" ({entry['half']} half)"
        for key, label in HEADLINES[entry["measure"]]:
            lines.append(f"| {entry['name']}{half} | {entry['measure']} | {size} | {label} | {metrics[key]:.3f} |")
    return lines


@evaluate_app.command("card")
def evaluate_card(
    config: Path = typer.Option(..., "--config", exists=True, dir_okay=False,
                                help="TOML file of [[gold]] sets (as NEWSEVENTS_EVALUATION_FILE names)."),
    out: Path | None = typer.Option(None, "--out", help="Also write the card as JSON here."),
) -> None:
    """Measure every configured gold set and print the accuracy card a release would carry."""
    from flows.resources import extractor_version
    from flows.settings import get_settings

    card = accuracy_card(load_gold_sets(config), extractor_version(get_settings().spacy_model),
                         progress=lambda message: typer.echo(message, err=True))
    typer.echo("\n".join(render_card(card)))
    if out is not None:
        out.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        typer.echo(f"card: {out}")
