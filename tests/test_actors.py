"""Names, descriptions and metonyms resolved to one canonical actor each."""

import pytest


def actor_of(rows, text):
    ids = {m["actor_id"] for m in rows["actor_mentions"] if m["text"] == text}
    assert len(ids) == 1, f"{text!r} -> {ids}; mentions: {[(m['text'], m['actor_id']) for m in rows['actor_mentions']]}"
    return ids.pop()


@pytest.mark.parametrize(
    "sentence, surface, actor_id",
    [
        ("The Kremlin rejected the proposal.", "Kremlin", "state:RUS"),
        ("Moscow accused Kyiv of shelling the plant.", "Moscow", "state:RUS"),
        ("Talks were held in Moscow on Monday.", None, None),
        ("Turkish troops crossed the border.", "Turkish troops", "military:TUR"),
        ("The Iranian Revolutionary Guards seized a tanker.", "Iranian Revolutionary Guards", "military:IRN_IRGC"),
        ("NATO held an emergency meeting.", "NATO", "igo:nato"),
        ("Hezbollah fired rockets at northern Israel.", "Hezbollah", "armed_group:hezbollah"),
    ],
)
def test_dictionary_and_metonyms(extract_text, sentence, surface, actor_id):
    rows = extract_text(sentence)
    if surface is None:
        assert not [m for m in rows["actor_mentions"] if m["text"] == "Moscow"], "a capital as a place is no actor"
    else:
        assert actor_of(rows, surface) == actor_id


def test_generic_force_references_resolve_to_the_context_country_military(extract_text):
    rows = extract_text(
        "Fighting continued around Mosul and Kirkuk in Iraq. The Iraqi army said government troops advanced, "
        "while pro-government forces and Baghdad's troops held the bridges. Regime forces were not mentioned."
    )
    for surface in ("Iraqi army", "government troops", "pro-government forces", "Baghdad's troops"):
        assert actor_of(rows, surface) == "military:IRQ"


def test_surname_resolves_to_the_full_name_used_earlier(extract_text):
    rows = extract_text("Foreign Minister Ana Lobo arrived in Lisbon. Lobo met the press later.")
    assert actor_of(rows, "Ana Lobo") == actor_of(rows, "Lobo") == "person:ana-lobo"
    person = [a for a in rows["actors"] if a["actor_id"] == "person:ana-lobo"][0]
    assert person["actor_type"] == "person" and "Lobo" in person["aliases"]


def test_short_reference_to_an_organisation_named_earlier(extract_text):
    rows = extract_text("The International Crisis Group published a report. According to the Group, talks stalled.")
    assert actor_of(rows, "International Crisis Group") == actor_of(rows, "the Group")


def test_dictionary_actors_carry_wikidata_ids(extract_text):
    rows = extract_text("Russia and NATO traded accusations.")
    by_id = {a["actor_id"]: a for a in rows["actors"]}
    assert by_id["state:RUS"]["wikidata_id"] == "Q159"
    assert by_id["state:RUS"]["country_iso3"] == "RUS"


def test_same_name_gives_the_same_id_in_every_document(extract_text):
    first = extract_text("Senator Maya Ortiz spoke first.")
    second = extract_text("Later, Maya Ortiz left the chamber.")
    assert actor_of(first, "Maya Ortiz") == actor_of(second, "Maya Ortiz") == "person:maya-ortiz"


def test_generational_suffix_is_not_the_surname(extract_text):
    rows = extract_text("Vice President Joseph R. Biden Jr. spoke in Ohio. Biden then flew to Washington.")
    assert actor_of(rows, "Biden") == "person:joseph-r-biden"
