"""The accuracy card: configured gold sets measured with the real extractor and published with the release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.evaluate.accuracy import accuracy_card, load_gold_sets, render_card
from flows.resources import extractor_version
from flows.settings import Settings

ARTICLE = (
    "Ministers met in Brussels on Monday to discuss the budget.\n\n"
    "\"We will not accept any cuts to the health service,\" said the health minister, Maria Lopez.\n\n"
    "Finance minister Peter Olsen told reporters that the deficit had to fall by next year.\n"
)
GOLD_STATEMENTS = [
    {"doc": "a1", "quote": "We will not accept any cuts to the health service", "speaker": "Maria Lopez"},
    {"doc": "a1", "quote": "the deficit had to fall by next year", "speaker": "Peter Olsen"},
    {"doc": "a1", "quote": "the talks would go on until Friday", "speaker": "Anna Berg"},  # not in the text
]
GOLD_PEOPLE = [{"doc": "a1", "people": ["Maria Lopez", "Peter Olsen", "Anna Berg"]}]
LOCATION_SENTENCE = "Rebels attacked an army post in Mosul on Sunday, officials said."


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture()
def gold_config(tmp_path: Path) -> Path:
    """An evaluation file with relative paths: statements, people and locations gold sets."""
    gold = tmp_path / "gold"
    (gold / "texts").mkdir(parents=True)
    (gold / "texts" / "a1.txt").write_text(ARTICLE, encoding="utf-8")
    _write_jsonl(gold / "statements.jsonl", GOLD_STATEMENTS)
    _write_jsonl(gold / "people.jsonl", GOLD_PEOPLE)
    verb = LOCATION_SENTENCE.index("attacked")
    place = LOCATION_SENTENCE.index("Mosul")
    _write_jsonl(gold / "locations.jsonl", [{"text": LOCATION_SENTENCE, "spans": [
        {"label": "VERB", "start": verb, "end": verb + len("attacked")},
        {"label": "LOCATION", "start": place, "end": place + len("Mosul")}]}])
    config = gold / "evaluation.toml"
    config.write_text(
        '[[gold]]\nname = "tiny quotes"\nmeasure = "statements"\ngold = "statements.jsonl"\ntexts = "texts"\n\n'
        '[[gold]]\nname = "tiny people"\nmeasure = "people"\ngold = "people.jsonl"\ntexts = "texts"\n\n'
        '[[gold]]\nname = "tiny places"\nmeasure = "locations"\ngold = "locations.jsonl"\n',
        encoding="utf-8",
    )
    return config


def test_gold_sets_resolve_relative_paths(gold_config: Path) -> None:
    gold_sets = load_gold_sets(gold_config)
    assert [g.measure for g in gold_sets] == ["statements", "people", "locations"]
    assert gold_sets[0].gold == gold_config.parent / "statements.jsonl"
    assert gold_sets[0].texts == gold_config.parent / "texts"


@pytest.mark.parametrize("config_text, message", [
    ('[[gold]]\nname = "x"\nmeasure = "statements"\ngold = "missing.jsonl"\ntexts = "."\n', "does not exist"),
    ('[[gold]]\nname = "x"\nmeasure = "people"\ngold = "e.toml"\n', "needs `texts`"),
    ('[[gold]]\nname = "x"\nmeasure = "sentiment"\ngold = "e.toml"\n', "not a list of [[gold]] tables"),
])
def test_a_gold_set_that_cannot_be_measured_is_named(tmp_path: Path, config_text: str, message: str) -> None:
    config = tmp_path / "e.toml"
    config.write_text(config_text, encoding="utf-8")
    with pytest.raises((FileNotFoundError, ValueError), match=message.replace("[", r"\[").replace("]", r"\]")):
        load_gold_sets(config)


def test_card_measures_each_gold_set_with_the_extractor(gold_config: Path, models, tmp_path: Path) -> None:
    card = accuracy_card(load_gold_sets(gold_config), "test-extractor", cache_dir=tmp_path / "cache")
    by_name = {entry["name"]: entry for entry in card["gold_sets"]}
    quotes = by_name["tiny quotes"]["metrics"]
    assert (quotes["gold"], quotes["pred"]) == (3, 2)
    assert (quotes["quote_P"], quotes["quote_R"], quotes["quote_F1"], quotes["speaker_acc"]) == (1.0, 0.667, 0.8, 1.0)
    people = by_name["tiny people"]["metrics"]
    assert (people["P"], people["R"]) == (1.0, 0.667)
    places = by_name["tiny places"]["metrics"]
    assert (places["sentences"], places["event_found"], places["correct"]) == (1, 1, 1)
    assert len(by_name["tiny quotes"]["gold_sha256"]) == 64 and "texts_sha256" in by_name["tiny quotes"]
    lines = render_card(card)
    assert "| tiny quotes | statements | 1 docs | quote F1 | 0.800 |" in lines
    assert "| tiny places | locations | 1 sentences | event location accuracy | 1.000 |" in lines


def test_card_figures_are_cached_per_extractor_and_gold_contents(gold_config: Path, models, tmp_path: Path) -> None:
    gold_sets = load_gold_sets(gold_config)[:1]
    cache = tmp_path / "cache"
    first = accuracy_card(gold_sets, "v1", cache_dir=cache)
    [cached] = list(cache.glob("*.json"))
    cached.write_text(json.dumps({**first["gold_sets"][0]["metrics"], "quote_F1": 0.123}), encoding="utf-8")
    assert accuracy_card(gold_sets, "v1", cache_dir=cache)["gold_sets"][0]["metrics"]["quote_F1"] == 0.123
    assert accuracy_card(gold_sets, "v2", cache_dir=cache)["gold_sets"][0]["metrics"]["quote_F1"] == 0.8
    _write_jsonl(gold_sets[0].gold, GOLD_STATEMENTS[:2])  # the gold changed: measured again
    assert accuracy_card(gold_sets, "v1", cache_dir=cache)["gold_sets"][0]["metrics"]["quote_R"] == 1.0


@pytest.mark.slow
def test_release_carries_the_accuracy_card(prefect_harness, gold_config: Path, tmp_path: Path, monkeypatch) -> None:
    from flows.nightly import nightly
    from tests.conftest import SEED_DIR

    monkeypatch.setenv("NEWSEVENTS_EVALUATION_FILE", str(gold_config))
    summary = nightly(sources=[str(SEED_DIR)], data_dir=str(tmp_path / "data"))
    release = Path(summary.release_dir)
    card = json.loads((release / "evaluation.json").read_text(encoding="utf-8"))
    assert card["extractor_version"] == extractor_version(Settings().spacy_model)
    assert [entry["name"] for entry in card["gold_sets"]] == ["tiny quotes", "tiny people", "tiny places"]
    readme = (release / "README.md").read_text(encoding="utf-8")
    assert "## Accuracy" in readme and "| tiny quotes | statements | 1 docs | quote F1 | 0.800 |" in readme
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert "evaluation.json" in {entry["path"] for entry in manifest["files"]}


def test_a_release_without_gold_sets_has_no_card(prefect_harness, tmp_path: Path) -> None:
    from flows.nightly import nightly
    from tests.conftest import SEED_DIR

    summary = nightly(sources=[str(SEED_DIR)], data_dir=str(tmp_path / "data"))
    assert not (Path(summary.release_dir) / "evaluation.json").exists()
    assert "## Accuracy" not in (Path(summary.release_dir) / "README.md").read_text(encoding="utf-8")


def test_the_shipped_gold_set_list_is_well_formed() -> None:
    import tomllib

    from flows.evaluate.accuracy import GoldSet
    from tests.conftest import PROJECT_ROOT

    entries = tomllib.loads((PROJECT_ROOT / "evaluation" / "accuracy.toml").read_text(encoding="utf-8"))["gold"]
    assert {GoldSet(**entry).measure for entry in entries} == {"statements", "people", "events", "locations", "cameo"}
