"""What happened, where and when: one sentence in, the event rows that must (and must not) come out."""

import pytest


def events(rows, event_type=None):
    return [e for e in rows["events"] if event_type is None or e["event_type"] == event_type]


def only(rows, event_type):
    found = events(rows, event_type)
    assert len(found) == 1, f"expected one {event_type}; got {[(e['event_type'], e['trigger']) for e in rows['events']]}"
    return found[0]


def test_aerial_bombing_with_source_target_and_place(extract_text):
    e = only(extract_text("Israeli aircraft bombed a Hamas training camp near Khan Younis on Tuesday."), "ASSAULT")
    assert e["source_actor_id"] == "state:ISR"
    assert e["target_actor_id"] == "armed_group:hamas"
    assert e["country_iso3"] == "PSE" and e["geo_precision"] in (1, 2)
    assert str(e["event_date"]) == "2024-03-12"  # the Tuesday before publication (Fri 15 March 2024)


def test_noun_trigger_takes_its_demonym_as_source(extract_text):
    e = only(extract_text("Russian airstrikes hit several villages in the region on Sunday."), "ASSAULT")
    assert (e["event_mode"], e["source_actor_id"]) == ("aerial", "state:RUS")
    assert e["acled_event_type"] == "Explosions/Remote violence" and e["acled_sub_event_type"] == "Air/drone strike"


def test_government_regains_territory_one_event_per_place(extract_text):
    rows = extract_text("Ukrainian forces recaptured Kupiansk and Izium, the defence ministry said.")
    taken = [e for e in events(rows, "ASSAULT") if e["acled_sub_event_type"] == "Government regains territory"]
    assert sorted(e["location_text"] for e in taken) == ["Izium", "Kupiansk"]
    assert {e["source_actor_id"] for e in taken} == {"military:UKR"}
    assert all(e["country_iso3"] == "UKR" and e["geo_precision"] == 1 for e in taken)


def test_unknown_village_is_placed_by_its_region_with_coarser_precision(extract_text):
    rows = extract_text("Ukrainian forces recaptured Zarichnevka in the Kharkiv region on Monday.")
    e = [e for e in events(rows, "ASSAULT") if e["location_text"] == "Zarichnevka"][0]
    assert e["country_iso3"] == "UKR" and e["geo_precision"] == 3 and e["admin1"] == "Kharkiv"


def test_arrest_by_police_is_coerce(extract_text):
    e = only(extract_text("Police arrested 40 protesters in Nairobi on Monday."), "COERCE")
    assert e["event_mode"] == "arrest" and e["location_name"] == "Nairobi"
    assert e["source_actor_id"].startswith("police:")
    assert e["acled_sub_event_type"] == "Arrests"


def test_sanctions_target_is_not_their_location(extract_text):
    e = only(extract_text("The European Union imposed sanctions on Iran on Friday."), "SANCTION")
    assert (e["source_actor_id"], e["target_actor_id"]) == ("igo:eu", "state:IRN")
    assert e["location_name"] is None


def test_negated_event_is_marked_not_asserted(extract_text):
    rows = extract_text("The rebels said they would not negotiate with the government.")
    e = only(rows, "CONSULT")
    assert e["negated"] is True and e["modality"] == "negated"


def test_future_event_is_marked(extract_text):
    e = only(extract_text("The foreign ministers will meet in Geneva next week."), "CONSULT")
    assert e["modality"] == "future"


def test_criticism_is_accuse_with_target(extract_text):
    e = only(extract_text("Germany criticised Turkey over the arrest of journalists."), "ACCUSE")
    assert (e["source_actor_id"], e["target_actor_id"]) == ("state:DEU", "state:TUR")


def test_dismissal_is_reject(extract_text):
    e = only(extract_text("The Kremlin dismissed the report as false."), "REJECT")
    assert e["source_actor_id"] == "state:RUS"


def test_no_event_is_dated_after_publication(extract_text):
    rows = extract_text("The Security Council is due to discuss the ceasefire later on Friday, with talks on hold until March 25.")
    assert all(e["event_date"] is None or str(e["event_date"]) <= "2024-03-15" for e in rows["events"])


def test_headings_are_not_events(extract_text):
    rows = extract_text("Protesters demanding more jobs\n\nThe city council met on Monday to discuss the budget.")
    assert not [e for e in rows["events"] if e["trigger"].lower().startswith("demand")]


def test_description_is_not_an_event(extract_text):
    rows = extract_text("The US-backed coalition held a press conference.")
    assert not [e for e in rows["events"] if e["trigger"] == "backed"]


@pytest.mark.parametrize("column", ["quad_class", "cameo_root", "extractor_version", "sentence_text", "confidence"])
def test_every_event_has_its_crosswalk_and_provenance(extract_text, column):
    rows = extract_text("Protesters clashed with police in Santiago, and troops fired tear gas at the crowd.")
    assert rows["events"] and all(e[column] is not None for e in rows["events"])


def test_negated_attack_is_not_asserted(extract_text):
    e = only(extract_text("Government troops did not attack the village on Monday, officials said."), "ASSAULT")
    assert e["negated"] is True and e["modality"] == "negated"


def test_future_assault_is_marked(extract_text):
    e = only(extract_text("The army will launch an offensive on the town next month."), "ASSAULT")
    assert e["modality"] == "future" and e["negated"] is False


def test_talks_on_hold_until_a_date_are_not_a_plain_event(extract_text):
    e = only(extract_text("Peace talks on Yemen in Geneva are on hold until April 2, the UN envoy said."), "CONSULT")
    assert e["modality"] == "future"


def test_suspended_talks_are_negated(extract_text):
    e = only(extract_text("Peace talks on Yemen were put on hold this week."), "CONSULT")
    assert e["modality"] == "negated" and e["negated"] is True


def test_background_event_in_past_perfect_is_historical(extract_text):
    rows = extract_text("Warplanes bombed the town on Wednesday, where Russia had declared a ceasefire a day earlier.")
    assert only(rows, "ASSAULT")["modality"] == "asserted"
    assert only(rows, "CONCEDE")["modality"] == "historical"


def test_event_reported_inside_a_statement_keeps_its_speaker_out_of_the_event(extract_text):
    rows = extract_text('"Government forces shelled Idlib on Sunday," the Syrian Observatory for Human Rights said.')
    e = only(rows, "ASSAULT")
    assert e["modality"] == "asserted" and e["location_name"] == "Idlib"
    assert e["acled_sub_event_type"] == "Shelling/artillery/missile attack"
    assert e["source_actor_text"] != "Syrian Observatory for Human Rights"
    assert rows["statements"], "the report itself is a statement"


def test_sentence_naming_three_places_is_placed_at_the_event(extract_text):
    rows = extract_text("Officials in Baghdad said a car bomb exploded in a market in Mosul, "
                        "100 km from the Syrian border town of Qaim.")
    e = only(rows, "ASSAULT")
    assert e["location_text"] == "Mosul" and e["location_name"] == "Mosul"
    assert rows["text"][e["location_char_start"]:e["location_char_end"]] == "Mosul"


def test_place_missing_from_the_gazetteer_keeps_its_text(extract_text):
    e = only(extract_text("Gunmen attacked a checkpoint in Qaryat al-Hawsh on Tuesday."), "ASSAULT")
    assert e["location_text"] == "Qaryat al-Hawsh" and e["geonames_id"] is None


def test_compound_source_is_one_event_with_an_actor_list(extract_text):
    rows = extract_text("Syrian and Russian forces bombed Aleppo on Monday.")
    e = only(rows, "ASSAULT")
    assert sorted(e["source_actor_ids"]) == ["military:RUS", "state:SYR"]
    assert e["source_actor_id"] in e["source_actor_ids"]


def test_weapons_found_are_disrupted_weapons_not_explosions(extract_text):
    rows = extract_text("Police found grenades and a large amount of ammunition in a house in Mombasa.")
    assert [e["acled_sub_event_type"] for e in rows["events"]] == ["Disrupted weapons use"]


def test_killing_in_an_airstrike_takes_the_strike_as_its_means(extract_text):
    rows = extract_text("Five civilians were killed in an airstrike on a market in Idlib province.")
    assert {e["acled_sub_event_type"] for e in events(rows, "ASSAULT")} == {"Air/drone strike"}


def test_protest_dispersed_with_tear_gas_is_protest_with_intervention(extract_text):
    rows = extract_text("Police fired tear gas to disperse hundreds of protesters who rallied in Nairobi.")
    assert {e["acled_sub_event_type"] for e in rows["events"] if e["acled_event_type"] == "Protests"} == {"Protest with intervention"}


def test_rioters_clashing_with_police_are_a_violent_demonstration(extract_text):
    rows = extract_text("Rioters clashed with police in Belfast on Wednesday.")
    assert {e["acled_sub_event_type"] for e in rows["events"]} == {"Violent demonstration"}


def test_deaths_in_an_accident_are_not_political_violence(extract_text):
    rows = extract_text("Nineteen people were killed when their bus plunged off a bridge in the accident.")
    assert all(e["acled_sub_event_type"] is None for e in rows["events"])


def test_typing_score_counts_non_acled_predictions_as_false_positives():
    from transforms.score_events import acled_label, score_typing

    gold = [acled_label(x) for x in ("AIR_STRIKE", "AIR_STRIKE", "DIPLO", "ARREST")]
    score = score_typing(gold, ["Air/drone strike", None, "Air/drone strike", "Arrests"])
    air = next(c for c in score.per_class if c.label == "Air/drone strike")
    assert (air.support, air.predicted, air.true_positives) == (2, 2, 1)
    assert round(score.weighted_f1, 3) == round((2 * 0.5 + 1 * 1.0) / 3, 3)


def test_location_outcome_needs_the_event_at_the_verb_and_an_overlapping_place():
    from transforms.score_events import is_location_span, location_outcome

    events = [((10, 15), (30, 36)), ((40, 45), None)]
    assert location_outcome((10, 15), [(30, 36)], events) == (True, True)
    assert location_outcome((40, 45), [(30, 36)], events) == (True, False)
    assert location_outcome((50, 55), [(30, 36)], events) == (False, False)
    assert not is_location_span("in a town", (3, 3)) and is_location_span("in Mosul", (3, 8))


PLACEMENT_CASES = {
    # pattern: (sentence, trigger, words the location_text must contain)
    "a district's name beats the city it is 'of'": (
        "A car bomb exploded in the Zafaraniyah district of southern Baghdad on Monday.", "exploded", "Zafaraniyah"),
    "a city's 'of' names it, its compound is the region": (
        "Israeli soldiers shot dead two Palestinians in the West Bank city of Nablus on Friday.", "shot", "Nablus"),
    "a possessor contains the place": (
        "A roadside bomb killed six people in Baghdad's western Amriya district on Thursday.", "killed", "Amriya"),
    "a reference point is not the place": (
        "Elsewhere north of Baghdad, three soldiers were killed in a bomb attack in Yathrib.", "killed", "Yathrib"),
    "an area's name beats its city": (
        "Gunmen shot dead a trader outside his shop in Eidgah area of Karachi.", "shot", "Eidgah"),
    "another clause's place is not the event's": (
        "Officials in Abuja said gunmen killed five villagers in Gwoza on Sunday.", "killed", "Gwoza"),
    "a verb of doing reports its object event": (
        "The army continued its offensive in the Hama countryside on Tuesday.", "continued", "Hama"),
    "a verb of happening reports its subject event": (
        "The attack occurred in Potiskum on Friday.", "occurred", "Potiskum"),
    "there was an event": (
        "There was an attack in Wukari early in the morning.", "was", "Wukari"),
    "a march through a place is placed there": (
        "A colorful mixture of students and veterans marched through Midtown Manhattan, chanting slogans.", "marched", "Manhattan"),
    "a patrol along a road is placed there": (
        "Government troops patrolled along Haifa Street on Sunday.", "patrolled", "Haifa"),
    "a bomb detonated after a fronted place is the verb's event": (
        "In neighboring South Waziristan, a remotely-controlled bomb detonated on Sunday, wounding two policemen.",
        "detonated", "Waziristan"),
    "a town's name tagged as a person is a place only as the trigger's object": (
        "A roadside bomb detonated near a passing police patrol in western Samarra, the source told Xinhua.",
        "detonated", "Samarra"),
    "a name resolved as an organisation names the district it modifies": (
        "Gunmen shot dead a trader in the al-Tarikh area of Jiddah on Monday.", "shot", "Tarikh"),
    "a region 'of' a city is a part of the city": (
        "Government forces launched an offensive in the East Ghouta region of rural Damascus on Monday.", "launched", "Ghouta"),
    "the name a town is 'of' is a place whatever actor it was read as": (
        "The army launched a powerful assault in the southern countryside of the Aleppo Governorate on Tuesday, targeting the important town of Al-Qarassi that is located directly east of Khan Touman.",
        "targeting", "Qarassi"),
    "the slums or streets a patrol covers are a place noun's": (
        "Dozens of police carrying metal detectors patrolled Jerusalem's main thoroughfares on Friday.", "patrolled", "Jerusalem"),
    "a country's consulate is a site in the city named with it": (
        "Hundreds of students protested outside the United States Consulate in Sao Paulo on Friday.", "protested", "Sao Paulo"),
    "a conjunct of the subject is an actor like the subject": (
        "The United States and Britain have patrolled the skies over northern Iraq since 1991.", "patrolled", "Iraq"),
    "the one a harming verb is done to is not its place, whatever the tagger calls the name": (
        "Kezina was shot in a Moscow hotel Dec. 9.", "shot", "Moscow"),
    "a building yields to the town it is in": (
        "A bomb exploded outside the Palace Hotel in Mombasa on Sunday.", "exploded", "Mombasa"),
    "a bare adverbial name is not a place": (
        "Gunmen shot dead a shopkeeper near a bus station in central Peshawar, police Lt. Col.", "shot", "Peshawar"),
    "another act's object is that act's patient": (
        "Fighters stormed a police post in central Mali, forcing Mopti into a curfew.", "stormed", "Mali"),
    "with no place named, a town named as whose the actor is": (
        "Chicago police shot and killed a man on Sunday.", "shot", "Chicago"),
    "where a move starts is a place": (
        "Four soldiers were killed before the rebels withdrew from Tal Hamis.", "killed", "Tal Hamis"),
    "a quantity subject reports what it is made of": (
        "Dozens of airstrikes hit Idlib on Monday.", "hit", "Idlib"),
    "a participle after 'be' is a verb however it is attached": (
        "Thousands of police officers in Ohio are patrolling crowded markets.", "patrolling", "Ohio"),
    "in a sentence without a main verb, a participle parsed as a modifier is the verb": (
        "Serb forces on Monday captured Srebrenica, the last enclave held by the Bosnians.", "captured", "Srebrenica"),
    "a town's 'capital of' region is its container, not its name": (
        "Meanwhile, a roadside bomb detonated near a checkpoint in central Tikrit city, the capital of Salahuddin province, "
        "wounding two soldiers.", "detonated", "Tikrit"),
    "a relative clause's verb reports the event noun it describes": (
        "Suicide bombings that ripped through a market in Maiduguri killed ten people.", "ripped through", "Maiduguri"),
}


@pytest.mark.parametrize("sentence, trigger, place", PLACEMENT_CASES.values(), ids=PLACEMENT_CASES.keys())
def test_event_is_placed_at_its_own_place(extract_text, sentence, trigger, place):
    rows = extract_text(sentence)
    at_trigger = [e for e in rows["events"] if e["trigger"] == trigger]
    assert at_trigger, f"no event at {trigger!r}: {[(e['trigger'], e['location_text']) for e in rows['events']]}"
    e = at_trigger[0]
    assert e["location_text"] is not None and place in e["location_text"]
    assert place in rows["text"][e["location_char_start"]:e["location_char_end"]]


def test_a_nationality_is_not_a_place(extract_text):
    e = only(extract_text("U.S. soldiers shot a man on Sunday."), "ASSAULT")
    assert e["location_text"] is None


ONE_EVENT_CASES = {
    # pattern: (sentence, the one trigger its event is reported at)
    "a quantity subject and what it is made of are one event": ("Dozens of airstrikes hit Idlib on Monday.", "hit"),
    "a relative clause's verb and its event noun are one event": (
        "Suicide bombings that ripped through a market in Maiduguri on Friday.", "ripped through"),
    "a purpose clause is not the event it describes": (
        "The rebels' large-scale attack to capture the army positions near the airbase was fended off.", "attack"),
}


@pytest.mark.parametrize("sentence, trigger", ONE_EVENT_CASES.values(), ids=ONE_EVENT_CASES.keys())
def test_one_event_is_reported_once(extract_text, sentence, trigger):
    assert [e["trigger"] for e in events(extract_text(sentence), "ASSAULT")] == [trigger]


MODALITY_PLACEMENT_CASES = {
    "negated event keeps its place": ("Police did not arrest anyone in Nairobi on Monday.", "arrest", "negated", "Nairobi"),
    "future event keeps its place": ("Troops will patrol the streets of Harare on Monday.", "patrol", "future", "Harare"),
    "reported event inside a statement": (
        "Officials in Abuja said gunmen killed five villagers in Gwoza on Sunday.", "killed", "asserted", "Gwoza"),
}


@pytest.mark.parametrize("sentence, trigger, modality, place", MODALITY_PLACEMENT_CASES.values(), ids=MODALITY_PLACEMENT_CASES.keys())
def test_event_place_does_not_depend_on_its_modality(extract_text, sentence, trigger, modality, place):
    e = next(e for e in extract_text(sentence)["events"] if e["trigger"] == trigger)
    assert e["modality"] == modality
    assert e["location_text"] == place and e["location_name"] == place
