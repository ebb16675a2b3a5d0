"""Place names to gazetteer entries: spelling variants, the document's country, countries first."""

import pytest

from transforms.geo import Gazetteer, Place, consonant_skeleton, normalise_place

NUBL = Place(170794, "Nubl", 36.37, 37.0, "SYR", "09", 15000)
NAWA = Place(166365, "Nawá", 32.89, 36.04, "SYR", "08", 40000)
NABUL = Place(999001, "Nabul", 10.0, 10.0, "NGA", "01", 90000)
ZAHRA = Place(999002, "Az Zahra", 36.38, 37.02, "SYR", "09", 8000)
SYRIA = Place(163843, "Syria", 35.0, 38.0, "SYR", None, 22_000_000, is_country=True)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    towns = [(NUBL, ["Nubl", "Nubbul"]), (NAWA, ["Nawa"]), (NABUL, ["Nabul"]), (ZAHRA, ["Az Zahra"])]
    return Gazetteer.from_records(towns, [(SYRIA, ["Syria"])])


@pytest.mark.parametrize("written, skeleton", [("Nubul", "nbl"), ("Nubl", "nbl"), ("Zahraa", "zhr"),
                                               ("Az Zahra", "zhr"), ("Al-Zahraa", "zhr"), ("az-Zahrā’", "zhr")])
def test_transliteration_variants_share_a_consonant_skeleton(written, skeleton):
    assert consonant_skeleton(written) == skeleton


def test_accents_and_apostrophes_are_ignored():
    assert normalise_place("Dar‘ā") == normalise_place("Dara") == "dara"


def test_spelling_variant_is_found_within_the_context_country(gazetteer):
    assert gazetteer.lookup("Nubul", "SYR") == NUBL
    assert gazetteer.lookup("Al-Zahraa", "SYR") == ZAHRA


def test_spelling_variant_is_not_guessed_without_a_context_country(gazetteer):
    assert gazetteer.lookup("Zahraa", None) is None


def test_exact_name_prefers_the_context_country(gazetteer):
    assert gazetteer.lookup("Nabul", "NGA") == NABUL
    assert gazetteer.lookup("Nubul", "TUR") is None  # the skeleton is only tried inside the context country


def test_country_names_resolve_to_the_country(gazetteer):
    place = gazetteer.lookup("Syria", "SYR")
    assert place is not None and place.is_country
