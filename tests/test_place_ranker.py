"""Choosing an event's place among the names of its sentence: the learned ranker, its evidence
rule where the rules found no place, and the shipped model kept in step with the code."""

import pytest

from tests.test_events import events, only


def test_patrol_is_placed_in_the_town_whose_centre_it_patrols(extract_text):
    e = only(extract_text("Soldiers armed with assault rifles patrolled the center of Colombo on Sunday."), "MOBILIZE")
    assert (e["location_text"], e["country_iso3"]) == ("Colombo", "LKA")


def test_place_inside_a_named_region_is_the_place_not_the_region(extract_text):
    rows = extract_text("A suicide bomber killed eight people in Hotan Prefecture in the Chinese region of Xinjiang on Friday.")
    assert {(e["location_text"], e["country_iso3"], e["geo_precision"]) for e in events(rows, "ASSAULT")} \
        == {("Hotan Prefecture", "CHN", 3)}


def test_nationality_of_a_victim_is_not_a_place(extract_text):
    e = only(extract_text("Amadou Diallo, a Guinea immigrant, was shot 41 times by four officers."), "ASSAULT")
    assert e["location_text"] is None


def test_only_material_events_are_offered_to_the_ranker(models):
    """Where a demand or a denial was made is the rules' call; where an attack happened, the ranker's."""
    from transforms.events import PlaceResolver, place_choices
    from transforms.extract import extract_objects

    doc = models.nlp("The rebels demanded that the government release prisoners held in Aleppo. "
                     "Government aircraft bombed rebel positions in Aleppo.")
    extracted = extract_objects(doc, None, models)
    offered = place_choices(extracted.events, extracted.actors, PlaceResolver(models.gazetteer, extracted.actors.context_iso3))
    assert {e.rule.event_type for e in extracted.events} >= {"REQUEST", "ASSAULT"}
    assert [c.event.rule.event_type for c in offered] == ["ASSAULT"]


def test_named_site_is_placed_by_the_town_it_is_in(extract_text):
    rows = extract_text("Police said a car bomb detonated near a pharmacy close to the Yarmouk Hospital "
                        "in western Baghdad on Wednesday.")
    e = only(rows, "ASSAULT")
    assert e["location_text"] == "Yarmouk Hospital"
    assert (e["location_name"], e["geo_precision"]) == ("Baghdad", 2)  # not al-Yarmuk, a town elsewhere


def test_sentence_that_names_no_place_gives_none(extract_text):
    # "Stoltenberg" is also a German village: a name the gazetteer knows is not evidence enough.
    e = only(extract_text("NATO head Stoltenberg says Russian airstrikes are undermining the peace process."), "ASSAULT")
    assert e["location_text"] is None and e["latitude"] is None


def test_name_the_gazetteer_lacks_is_placed_as_the_document_places_it(extract_text):
    rows = extract_text("Government troops retook Ratyan on the northern outskirts of Aleppo on Friday. "
                        "Very heavy battles in Ratyan continued on Saturday.")
    at_ratyan = [e for e in events(rows, "ASSAULT") if e["location_text"] == "Ratyan"]
    assert {e["event_mode"] for e in at_ratyan} == {"capture", "firearms"}
    assert {(e["country_iso3"], e["latitude"], e["geo_precision"]) for e in at_ratyan} == {("SYR", at_ratyan[0]["latitude"], 2)}


@pytest.fixture(scope="module")
def emitted_features(models):
    """Every feature name the code computes over sentences with many kinds of place."""
    from transforms.events import PlaceResolver, place_choices
    from transforms.extract import extract_objects

    texts = [
        "Israeli aircraft bombed a Hamas training camp near Khan Younis on Tuesday.",
        "Gunmen attacked the house of a local official in the village of Marin Gubay near Barawe, Lower Shabelle.",
        "Thousands of people demonstrated in the California capital Sacramento on Tuesday, police said.",
        "Syrian troops shelled Gagrian and Sawjian area in Poonch district from 1730 hours to 2130 hours Sunday.",
        "The Baltic port city of Szczecin sent troops who were shot during an ambush 30 kilometers northeast of Karbala.",
        "Hundreds of Palestinians demonstrated near the Rafah border terminal, calling on Egypt to open Gaza's crossing.",
        "U.S. forces captured the fugitive in a raid on a farm outside Tikrit, officials told Reuters.",
    ]
    names = set()
    for text in texts:
        extracted = extract_objects(models.nlp(text), None, models)
        for choice in place_choices(extracted.events, extracted.actors, PlaceResolver(models.gazetteer, extracted.actors.context_iso3)):
            names.update(name for row in choice.features for name in row)
    return names


def test_shipped_model_uses_only_features_the_code_computes(models, emitted_features):
    """A feature renamed or dropped in the code without training the model again would be read as 0."""
    families = {name.split("__")[0] for name in emitted_features if "__" in name}
    unknown = [name for name in models.place_ranker.feature_names
               if name not in emitted_features and name.split("__")[0] not in families]
    assert not unknown, f"retrain the place ranker (evaluation/train_place_ranker.py): it reads {unknown}"


def test_every_plain_feature_the_code_computes_is_in_the_model(models, emitted_features):
    """A feature added to the code is wasted until the model is trained with it."""
    plain = {name for name in emitted_features if "__" not in name}
    missing = sorted(plain - set(models.place_ranker.feature_names))
    assert not missing, f"retrain the place ranker (evaluation/train_place_ranker.py): it lacks {missing}"


def test_ranker_scores_every_candidate_and_ignores_unknown_features(models):
    rows = [{"rule_choice": 1.0, "known": 1.0}, {"known": 0.0, "a_feature_no_model_has": 5.0}]
    scores = models.place_ranker.scores(rows)
    assert len(scores) == 2 and scores == models.place_ranker.scores(rows)
    assert scores[0] != scores[1]
