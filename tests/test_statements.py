"""Who said what: one case per attribution pattern, a paragraph in, the statements that must come out."""

import pytest


def statements(rows):
    return [(s["speaker_text"], s["quote_kind"], s["quote_text"], s["cue"], s["medium"], s["speaker_resolution"])
            for s in rows["statements"]]


def find(rows, fragment):
    hits = [s for s in rows["statements"] if fragment in s["quote_text"]]
    assert hits, f"no statement quoting {fragment!r}; got {statements(rows)}"
    return hits[0]


def test_apposition_speaker_and_news_agency_medium(extract_text):
    rows = extract_text(
        '"The water supply will be restored by the end of the month," the director of the city utility, '
        'Maria Gonzalez, told the Efe news agency.'
    )
    st = find(rows, "water supply will be restored")
    assert st["speaker_text"] == "Maria Gonzalez"
    assert st["speaker_title"] == "director of the city utility"
    assert st["medium"] == "Efe"
    assert st["cue"] == "tell"
    assert st["quote_kind"] == "direct"


def test_title_before_name_is_an_attribute_not_the_name(extract_text):
    rows = extract_text('"We will not accept these terms," Finance Minister Pedro Alvarez said.')
    st = find(rows, "not accept these terms")
    assert st["speaker_text"] == "Pedro Alvarez"
    assert st["speaker_title"] == "Finance Minister"


def test_possessive_role_keeps_the_speaker_not_the_boss(extract_text):
    rows = extract_text('"The talks were constructive and will continue," the president\'s spokeswoman Anna Berg said.')
    assert find(rows, "talks were constructive")["speaker_text"] == "Anna Berg"


def test_inverted_order_said_name(extract_text):
    rows = extract_text('"Prices will fall next year as supply recovers," said Tomas Lindqvist, an economist at the bank.')
    assert find(rows, "Prices will fall")["speaker_text"] == "Tomas Lindqvist"


def test_he_added_carries_the_last_named_speaker(extract_text):
    rows = extract_text(
        'Opposition leader Karen Holt criticised the budget on Tuesday.\n\n'
        '"This budget abandons the regions that need help most," Holt told reporters.\n\n'
        '"We will vote against it in parliament next week," she added.'
    )
    assert find(rows, "abandons the regions")["speaker_text"] == "Karen Holt"
    added = find(rows, "vote against it")
    assert added["speaker_text"] == "Karen Holt"
    assert added["speaker_resolution"] == "pronoun"
    assert find(rows, "abandons the regions")["medium"] == "reporters"


def test_no_statement_is_attributed_to_a_bare_pronoun(extract_text):
    rows = extract_text(
        'Mayor Lena Fischer opened the new station on Monday.\n\n'
        '"It took ten years to build and it will serve a million people," she said.'
    )
    assert all(s["speaker_text"] not in ("he", "she", "they") for s in rows["statements"])
    assert find(rows, "ten years to build")["speaker_text"] == "Lena Fischer"


def test_paragraph_of_quotation_carries_the_previous_speaker(extract_text):
    rows = extract_text(
        '"The harvest was the worst in twenty years," farmer Ahmed Karimi told the BBC.\n\n'
        '"Without rain in spring, many families in the valley will have to leave their land."'
    )
    carried = find(rows, "Without rain in spring")
    assert carried["speaker_text"] == "Ahmed Karimi"
    assert carried["speaker_resolution"] == "carry_over"


def test_quote_spanning_two_paragraphs(extract_text):
    rows = extract_text(
        'Union leader Sam Okafor addressed the strikers.\n\n'
        '"We have waited three years for a fair offer and the company has ignored every proposal.\n\n'
        '"We will stay out until they come back to the table," Okafor said.'
    )
    assert find(rows, "come back to the table")["speaker_text"] == "Sam Okafor"


def test_split_quote_around_the_attribution_is_one_statement(extract_text):
    rows = extract_text('"The bridge is safe," engineer Paula Reyes said, "but the approach roads need repairs before winter."')
    merged = [s for s in rows["statements"] if "bridge is safe" in s["quote_text"]]
    assert len(merged) == 1 and "approach roads" in merged[0]["quote_text"]
    assert merged[0]["speaker_text"] == "Paula Reyes"


def test_reported_speech_with_that_clause(extract_text):
    rows = extract_text("Health Minister Olga Petrova said that the vaccination campaign would start in April.")
    st = find(rows, "vaccination campaign would start")
    assert (st["speaker_text"], st["quote_kind"], st["cue"]) == ("Olga Petrova", "indirect", "say")
    assert not st["quote_text"].startswith("that")


def test_according_to_names_the_source(extract_text):
    rows = extract_text("According to the World Health Organization, more than 300 cases were reported in the province.")
    st = find(rows, "300 cases were reported")
    assert st["cue"] == "according to"
    assert "World Health Organization" in st["speaker_text"]


def test_partial_quote_inside_reported_speech_is_mixed(extract_text):
    rows = extract_text('Central bank governor Ivan Horvat says inflation is "under control" despite the rise in fuel prices.')
    st = find(rows, "under control")
    assert st["quote_kind"] == "mixed"
    assert st["speaker_text"] == "Ivan Horvat"


def test_participle_saying_takes_the_main_clause_subject(extract_text):
    rows = extract_text(
        "Environment Commissioner Jana Novak criticised the plan on Friday, saying it would damage the wetlands."
    )
    assert find(rows, "would damage the wetlands")["speaker_text"] == "Jana Novak"


def test_unbalanced_quote_does_not_spoil_later_paragraphs(extract_text):
    rows = extract_text(
        'Residents called the decision "a betrayal of the town.\n\n'
        '"We have asked the council for a meeting every month since January," resident Clara Moss told the Guardian.'
    )
    st = find(rows, "asked the council for a meeting")
    assert st["speaker_text"] == "Clara Moss"
    assert st["medium"] == "Guardian"


def test_speaker_resolves_to_the_same_actor_as_other_mentions(extract_text):
    rows = extract_text(
        'Prime Minister Elena Marsh visited the flooded districts on Sunday.\n\n'
        '"The state will pay for every damaged home," Marsh said.'
    )
    st = find(rows, "pay for every damaged home")
    mention_actors = {m["actor_id"] for m in rows["actor_mentions"] if m["text"] in ("Elena Marsh", "Marsh")}
    assert mention_actors == {st["speaker_actor_id"]}


def test_trailing_attribution_after_a_comma(extract_text):
    rows = extract_text(
        "Rebel fighters have retaken the airport on the edge of the city, and two villages in the south, "
        "the Regional Monitoring Network said on Friday."
    )
    st = find(rows, "retaken the airport")
    assert st["cue"] == "say" and st["quote_kind"] == "indirect"
    assert "Regional Monitoring Network" in st["speaker_text"]


def test_quote_resuming_after_the_attribution_sentence_is_one_statement(extract_text):
    rows = extract_text('"The budget is balanced for the first time," said Lena Brandt. "Nobody expected it this year."')
    merged = [s for s in rows["statements"] if "budget is balanced" in s["quote_text"]]
    assert len(merged) == 1 and "Nobody expected it" in merged[0]["quote_text"]
    assert merged[0]["speaker_text"] == "Lena Brandt"
    assert not [s for s in rows["statements"] if s["quote_text"].startswith("Nobody expected")]


def test_two_apostrophes_are_quotation_marks(extract_text):
    rows = extract_text("''The reform will hurt small farmers more than anyone,'' said Omar Haddad, an agronomist.")
    st = find(rows, "reform will hurt small farmers")
    assert st["quote_kind"] == "direct" and st["speaker_text"] == "Omar Haddad"
    assert not st["quote_text"].startswith("'")


def test_transcript_turn_label_names_the_speaker(extract_text):
    rows = extract_text(
        "Host Carla Diaz interviewed Senator Paul Moreno on Sunday.\n\n"
        '"DIAZ: Will you support the bill when it comes to the floor next week?\n\n'
        '"MORENO: I will vote for it, because the families in my state cannot wait any longer.'
    )
    st = find(rows, "vote for it")
    assert st["speaker_text"] == "Paul Moreno" and st["speaker_phrase"] == "MORENO"
    assert not st["quote_text"].startswith("MORENO")


def test_speaker_phrase_keeps_the_apposition_but_not_what_follows(extract_text):
    rows = extract_text('"Prices will fall next year as supply recovers," said Tomas Lindqvist, an economist at the bank.')
    st = find(rows, "Prices will fall")
    assert st["speaker_text"] == "Tomas Lindqvist"
    assert st["speaker_phrase"] == "Tomas Lindqvist, an economist at the bank"


def test_speaker_heading_a_role_phrase_is_the_named_person_not_the_boss(extract_text):
    rows = extract_text("Campaign spokesman for Senator Ruth Adler, Mark Olsen, said the senator would not debate again.")
    assert find(rows, "would not debate again")["speaker_text"] == "Mark Olsen"


def test_relative_clause_speaker_is_the_noun_it_modifies(extract_text):
    rows = extract_text("The decision was welcomed by Maria Lopez, who said the court had protected the rights of tenants.")
    assert find(rows, "court had protected the rights")["speaker_text"] == "Maria Lopez"


def test_stance_verb_object_is_a_statement(extract_text):
    rows = extract_text("Senator Hanna Berg criticized the new pension reform during a radio interview on Tuesday.")
    st = find(rows, "new pension reform")
    assert (st["speaker_text"], st["cue"], st["quote_kind"]) == ("Hanna Berg", "criticize", "indirect")


def test_vowed_to_is_a_statement(extract_text):
    rows = extract_text("Mayor Ines Kovac vowed to rebuild every school damaged by the flood before winter.")
    st = find(rows, "rebuild every school")
    assert st["speaker_text"] == "Ines Kovac" and st["cue"] == "vow"


def test_no_statement_from_a_stance_verb_without_anyone_holding_it(extract_text):
    rows = extract_text("The new data supports the view that the economy is slowing down this year.")
    assert rows["statements"] == []


def test_no_statement_from_verbs_that_are_not_speech(extract_text):
    rows = extract_text("Defence Minister Ivo Petrov visited the flooded villages on Monday and met local officials.")
    assert rows["statements"] == []


def test_no_statement_when_nothing_said_is_reported(extract_text):
    rows = extract_text("Asked about the plan, Governor Ana Ruiz said nothing. Her deputy denied it.")
    assert rows["statements"] == []


def test_short_quoted_words_are_not_direct_statements(extract_text):
    rows = extract_text('The minister called the report "biased" and left the room.')
    assert all(s["quote_kind"] != "direct" for s in rows["statements"])


def test_seed_indirect_statements_and_no_pronoun_speakers(extract_text):
    from tests.conftest import SEED_DIR

    text = (SEED_DIR / "000_52e44b1cb5316e8c.txt").read_text(encoding="utf-8")
    rows = extract_text(text)
    haj_ali = find(rows, "regime forces were still not in control of the town")
    assert (haj_ali["speaker_text"], haj_ali["quote_kind"]) == ("Hassan Haj Ali", "indirect")
    kremlin = find(rows, "criticism as")
    assert kremlin["speaker_actor_id"] == "state:RUS" and kremlin["cue"] == "dismiss"
    observatory = [s for s in rows["statements"] if "Observatory" in (s["speaker_text"] or "")]
    assert any("Damascus' troops were backed" in s["quote_text"] for s in observatory)
    assert all((s["speaker_text"] or "").lower() not in ("he", "she", "they", "it", "we") for s in rows["statements"])


def test_coordinated_speech_verb_is_a_statement_of_its_own(extract_text):
    rows = extract_text("Her lawyer said Maria Lopez promised to keep supporting the campaign and said she would "
                        "stand up to the attacks.")
    promised = find(rows, "promised to keep supporting the campaign")
    assert "stand up" not in promised["quote_text"]
    assert promised["speaker_phrase"] == "Her lawyer"
    assert find(rows, "she would stand up to the attacks")["speaker_text"] == "Maria Lopez"


def test_coordinated_verb_that_is_not_speech_stays_in_the_content(extract_text):
    rows = extract_text("The minister said the new road plan failed and cost the city millions.")
    assert [s["quote_text"] for s in rows["statements"]] == ["the new road plan failed and cost the city millions"]


def test_relative_clause_after_a_comma_is_not_the_speaker_phrase(extract_text):
    rows = extract_text("Mary Walsh, who chairs the committee, said the bill had stalled again.")
    assert find(rows, "the bill had stalled again")["speaker_phrase"] == "Mary Walsh"


def test_restrictive_relative_clause_stays_in_the_speaker_phrase(extract_text):
    rows = extract_text("The economists I interviewed said the tax plan would fail.")
    assert find(rows, "the tax plan would fail")["speaker_phrase"] == "economists I interviewed"


def test_saying_after_a_comma_quotes_the_subject_of_the_clause(extract_text):
    rows = extract_text('Donald Trump attacked Hillary Clinton over the war in Iraq, saying: '
                        '"She is trigger-happy and very unstable."')
    assert find(rows, "trigger-happy")["speaker_text"] == "Donald Trump"


def test_saying_right_after_an_object_quotes_the_object(extract_text):
    rows = extract_text('A new advertisement shows Hillary Clinton saying: "Why aren\'t I fifty points ahead, '
                        'you might ask?"')
    assert find(rows, "fifty points ahead")["speaker_text"] == "Hillary Clinton"


def test_labelled_headline_gives_the_line_to_the_named_label(extract_text):
    rows = extract_text("Mike Pence: Gennifer Flowers Won't Be at the Debate on Monday\n\nThe governor spoke on Sunday.")
    st = find(rows, "Gennifer Flowers Won't Be at the Debate")
    assert st["speaker_text"] == "Mike Pence"
    assert st["quote_kind"] == "indirect"


def test_no_statement_from_a_label_naming_no_one(extract_text):
    rows = extract_text("Update: The meeting of the council was moved to Friday afternoon.")
    assert rows["statements"] == []


def test_cue_verbs_with_high_annotation_rates(extract_text):
    rows = extract_text("Senator Mary Walsh lamented that the bill had stalled again. "
                        "Governor Tom Reyes cautioned that prices could rise.")
    assert find(rows, "the bill had stalled again")["cue"] == "lament"
    assert find(rows, "prices could rise")["cue"] == "caution"


def test_speaker_phrase_keeps_one_apposition(extract_text):
    rows = extract_text('"The rules overstep the law," said Scott Pruitt, the attorney general of Oklahoma, '
                        'one of the states suing the agency.')
    assert find(rows, "The rules overstep the law")["speaker_phrase"] == "Scott Pruitt, the attorney general of Oklahoma"


def test_speaker_phrase_keeps_a_state_after_a_town_and_a_party_in_brackets(extract_text):
    rows = extract_text("Johnnie Wilson, a veteran from Springfield, Va., said the war had changed him forever. "
                        "Rep. Joseph Crowley (D-N.Y.), a leading advocate for human rights, said the bill would pass.")
    assert find(rows, "the war had changed him")["speaker_phrase"] == "Johnnie Wilson, a veteran from Springfield, Va."
    assert find(rows, "the bill would pass")["speaker_phrase"] == \
        "Rep. Joseph Crowley (D-N.Y.), a leading advocate for human rights"


# Given a paragraph, the (speaker, cue, quote fragment) rows that must come out; speaker None means the
# text names no one who says it (a speaker may carry a title before the name). One case per pattern, named after it.
GIVEN_EXPECTED = [
    pytest.param("Senator Ruth Adler seemed hopeful that the talks would resume in March.",
                 [("Ruth Adler", "seem", "the talks would resume in March")], id="seemed hopeful is the person's stance"),
    pytest.param("The new tax plan appears to favour large landowners over tenant farmers.",
                 [(None, "appear", "new tax plan appears to favour large landowners")], id="appears to is the writer's view of the subject"),
    pytest.param("Asked whether he would run again, Governor Tom Reyes smiled and left the stage.",
                 [(None, "ask", "whether he would run again")], id="asked whether reports the question, asker unnamed"),
    pytest.param('Joe Gray spoke after the vote. "You would be generous to a loser and civil to everyone," Mr. Gray continued.',
                 [("Joe Gray", "continue", "generous to a loser")], id="any verb of a named speaker right after a quote"),
    pytest.param('Governor Ana Ruiz ended the evening on a sombre note: "We offer our condolences to the families of the victims."',
                 [("Ana Ruiz", "end", "our condolences to the families")], id="clause ending in a colon introduces the quote"),
    pytest.param('Governor Ana Ruiz released the following statement: "We offer our condolences to the families of the victims."',
                 [("Ana Ruiz", "statement", "our condolences to the families")], id="speech noun before a colon"),
    pytest.param('"Loved the show on Netflix and wish they had another season coming!" Mayor Lena Fischer said.',
                 [("Lena Fischer", "say", "wish they had another season")], id="cue in the sentence after an exclamation"),
    pytest.param('In other words, explained moderator Nancy Cordes: "What does that have to do with taking big donations?"',
                 [("Nancy Cordes", "explain", "taking big donations")], id="inverted cue before a colon"),
    pytest.param("In the long run, many economists say, this effect could ripple through the rest of the health system.",
                 [("many economists", "say", "this effect could ripple through")], id="parenthetical cue quotes the clause around it"),
    pytest.param("Alarmed by the unrest in Nevada, Senator Harry Reid, the minority leader, said that he spoke with "
                 "the organisers on Tuesday.",
                 [("Harry Reid", "say", "he spoke with the organisers")], id="noun phrase before a cue the parser gave no subject"),
    pytest.param("About 4 in 10 say they want the next president to have more liberal policies.",
                 [("About 4 in 10", "say", "they want the next president")], id="a share of people is a speaker"),
    pytest.param("Most said they were worried about the economy.",
                 [("Most", "say", "they were worried about the economy")], id="a quantifier is a speaker"),
    pytest.param("Senator Ruth Adler's view that the wall would pay for itself was widely mocked.",
                 [("Ruth Adler", "view", "the wall would pay for itself")], id="possessive holder of a stance noun"),
    pytest.param("Senator Ruth Adler spoke in Ohio. She repeated her call for a ban on assault weapons.",
                 [("Ruth Adler", "call", "a ban on assault weapons")], id="possessive pronoun holder resolves to the person"),
    pytest.param("House leader Nancy Pelosi renewed a demand that the bill include tax breaks for the working poor.",
                 [("Nancy Pelosi", "demand", "the bill include tax breaks")], id="speech noun object of a verb takes its subject"),
    pytest.param('Pollster Geoff Garin spoke first. Campaign manager Jeff Weaver appeared on television and outlined '
                 'how he thinks the campaign could still close the gap. "We have a path," he said.',
                 [("Jeff Weaver", "say", "We have a path")], id="pronoun resolves to the nearer subject, not the last speaker"),
    pytest.param("Senator Ruth Adler's plan to cut the sales tax for small shops drew applause.",
                 [("Ruth Adler", "plan", "to cut the sales tax")], id="plan noun with its infinitive"),
    pytest.param("Governor Tom Reyes raised the question of whether the dam can be repaired before spring.",
                 [("Tom Reyes", "question", "whether the dam can be repaired")], id="question noun object of a verb"),
    pytest.param("A growing number of Democratic senators support a reform of the party's superdelegate system.",
                 [("growing number of Democratic senators", "support", "a reform of the party")],
                 id="a stance held by a group of people"),
    pytest.param("Critics call it the enforcement of political correctness.",
                 [("Critics", "call", "it the enforcement of political correctness")],
                 id="a pronoun object with what it is called is content"),
    pytest.param("Mayor Lena Fischer is expected to announce a new budget later tonight.",
                 [(None, "expect", "Lena Fischer to announce a new budget")], id="passive belief with an infinitive"),
    pytest.param("A new poll shows Mayor Lena Fischer with an eight-point lead over her rival.",
                 [("new poll", "show", "Lena Fischer with an eight-point lead")], id="object with a with-phrase"),
    pytest.param("Mayor Lena Fischer said she would sit the contractors down and tell them to finish the bridge.",
                 [("Lena Fischer", "say", "sit the contractors down and tell them to finish the bridge")],
                 id="a coordinated speech verb without a clause of its own stays in the content"),
    pytest.param("Mayor Lena Fischer said the council would do the same next year, saying that it supports equal pay.",
                 [("Lena Fischer", "say", "the council would do the same next year"),
                  ("Lena Fischer", "say", "it supports equal pay")],
                 id="a set-off saying clause is a statement of its own"),
    pytest.param("Senator Ruth Adler said the mayor had ''steady hands, but most of all, she has a good heart.''",
                 [("Ruth Adler", "say", "she has a good heart")], id="a quotation opened in the content runs to its close"),
    pytest.param('Senator Ruth Adler was asked about the plan. "Absolutely," she said.',
                 [("Ruth Adler", "say", "Absolutely")], id="a short quote with its cue beside it"),
    pytest.param("Mayor Ines Kovac thanked the volunteers who rebuilt the school after the flood.",
                 [("Ines Kovac", "thank", "the volunteers who rebuilt the school")], id="stance verb from the wider lexicon"),
    pytest.param("Economist Tomas Lindqvist doubted that the central bank would cut rates this year.",
                 [("Tomas Lindqvist", "doubt", "the central bank would cut rates")], id="belief verb from the wider lexicon"),
    pytest.param("Senator Ruth Adler criticized the State Department more broadly.",
                 [("Ruth Adler", "criticize", "the State Department more broadly")],
                 id="an object runs on over what the verb says of it"),
    pytest.param("Governor Tom Reyes said the bridge was safe, and the approach roads would reopen in May.",
                 [("Tom Reyes", "say", "the bridge was safe, and the approach roads would reopen in May")],
                 id="a clause coordinated with the cue goes on with what was said"),
    pytest.param("Governor Tom Reyes said the bridge was safe, and Mayor Lena Fischer agreed that the roads would reopen.",
                 [("Tom Reyes", "say", "the bridge was safe"), ("Lena Fischer", "agree", "the roads would reopen")],
                 id="a coordinated clause with a cue of its own is a statement of its own"),
    pytest.param('Mayor Ines Kovac, speaking on Tuesday, said of the council\'s latest request: "The city has answered '
                 'all the questions. We are done."',
                 [("Ines Kovac", "say", "The city has answered all the questions")],
                 id="a speech noun inside the phrase of a speech verb before a quote is not its cue"),
    pytest.param('"It is a very sad day," Governor Tom Reyes told reporters in Dayton. "This is the result of years of '
                 'neglect. It has no place in our state." Mayor Lena Fischer said she would have closed the bridge sooner.',
                 [("Tom Reyes", "tell", "This is the result of years of neglect"),
                  ("Lena Fischer", "say", "she would have closed the bridge sooner")],
                 id="a verb after a quote reporting a clause of its own does not introduce the quote"),
    pytest.param('Senator Ruth Adler spoke first.\n\nAdler continued:\n\n"You look at the questions. Are you a comic '
                 'book villain? Can you do math?"',
                 [("Ruth Adler", "continue", "Are you a comic book villain")],
                 id="a paragraph ending in a colon introduces the quote paragraph after it"),
    pytest.param("As Politico first reported, the party agreed to share its voter file with the campaign.",
                 [("Politico", "report", "the party agreed to share its voter file")],
                 id="an as-clause cue reports the clause it is set in"),
    pytest.param("A majority of voters say they are paying attention to the campaign; 26 percent of Democrats say they "
                 "have not been paying much attention.",
                 [("Democrats", "say", "they have not been paying much attention")],
                 id="the clause after the cue, not one the parser hung on it before"),
    pytest.param("Mayor Lena Fischer opened the debate by criticizing the council for its delays.",
                 [("Lena Fischer", "criticize", "the council for its delays")],
                 id="a gerund after by takes the subject of the verb"),
    pytest.param("Mayor Lena Fischer spoke on Monday. Governor Tom Reyes criticized her for the delays.",
                 [("Tom Reyes", "criticize", "her for the delays")], id="a pronoun object with a for-phrase is content"),
    pytest.param("By 58 to 33 percent, those surveyed said the funding should stay.",
                 [("those surveyed", "say", "the funding should stay")], id="those surveyed is a speaker"),
    pytest.param("Do you think a socialist can win a general election?",
                 [(None, "think", "a socialist can win a general election")], id="you is the one addressed, unnamed"),
    pytest.param("Presidential candidates promise they will stand by Israel.",
                 [("Presidential candidates", "promise", "they will stand by Israel")], id="promise with a clause"),
    pytest.param("Governor Tom Reyes denied the charges through his lawyer.",
                 [("Tom Reyes", "deny", "the charges")], id="a noun object of a speech verb is what was said"),
    pytest.param("Mayor Lena Fischer ran for the council. Governor Tom Reyes opposed her from the start.",
                 [("Tom Reyes", "oppose", "her")], id="a pronoun object of a stance verb is its target"),
    pytest.param("The campaign rejected the offer of a third debate.",
                 [("campaign", "reject", "the offer of a third debate")], id="a body of people holds a stance"),
    pytest.param("Governor Tom Reyes pledged to visit every county in the state.",
                 [("Tom Reyes", "pledge", "to visit every county")], id="pledged to is a statement"),
    pytest.param("For Jonathan Chait, Williamson is exposing the perverse moral logic of hardline libertarianism.",
                 [("Jonathan Chait", "for", "Williamson is exposing the perverse moral logic")],
                 id="for a named person before the clause makes it their view"),
    pytest.param("Governor Tom Reyes spoke on Monday. In his view, the bridge will reopen before the winter.",
                 [("Tom Reyes", "in", "the bridge will reopen before the winter")],
                 id="in his view before the clause makes it the holder's"),
]


def test_source_phrase_before_a_cue_leaves_the_statement_to_the_cue(extract_text):
    rows = extract_text("In his view, the bridge is safe, Governor Tom Reyes said.")
    assert [(s["speaker_text"], s["cue"]) for s in rows["statements"]] == [("Tom Reyes", "say")], statements(rows)


def test_gerund_after_for_is_not_the_subject_s_statement(extract_text):
    """"criticized the mayor for saying X": the mayor said X, not the one criticizing."""
    rows = extract_text("Governor Tom Reyes criticized the mayor for saying the bridge was safe.")
    assert not [s for s in rows["statements"] if s["cue"] == "say" and s["speaker_text"] == "Tom Reyes"], statements(rows)

def test_object_content_stops_before_a_phrase_set_off_by_a_comma(extract_text):
    rows = extract_text("Senator Ruth Adler praised the rescue teams, in a statement on Tuesday.")
    assert find(rows, "the rescue teams")["quote_text"] == "the rescue teams"


def test_coordinated_clause_with_a_cue_of_its_own_stays_out_of_the_content(extract_text):
    rows = extract_text("Governor Tom Reyes said the bridge was safe, and Mayor Lena Fischer agreed that the roads would reopen.")
    assert find(rows, "the bridge was safe")["quote_text"] == "the bridge was safe"


GIVEN_NOTHING = [
    pytest.param("Senator Ruth Adler appeared at the rally in Springfield on Saturday.", id="appeared without a complement"),
    pytest.param('The room fell silent at once: "Closed for the holidays until the second of January."',
                 id="a quote beside a clause naming no one has no speaker"),
    pytest.param('The room fell silent.\n\nThen the lights went out:\n\n"Closed for the holidays until the second of '
                 'January, and no deliveries either."', id="a paragraph ending in a colon naming no one gives no speaker"),
    pytest.param("Farmers raised prices for the third time this year.", id="raise is not a speech verb"),
    pytest.param("As predicted, the council approved the budget for the new bus fleet.",
                 id="an as-clause cue with no one saying it"),
    pytest.param("Ministers met in Brussels on Monday to discuss the budget.",
                 id="a stance verb in an infinitive of purpose is what was meant, not a stance"),
    pytest.param("The view that the economy is slowing is common among bankers.", id="a stance noun nobody holds"),
    pytest.param("The farmer was found dead in his barn on Sunday.", id="a passive belief verb without an infinitive"),
    pytest.param("Farmers in the valley need rain before the end of the month.", id="need is not a stance verb"),
    pytest.param("The new budget supports a larger fleet of buses for the city.", id="a stance needs people to hold it"),
]


@pytest.mark.parametrize("text,expected", GIVEN_EXPECTED)
def test_given_paragraph_expected_statements(extract_text, text, expected):
    rows = extract_text(text)
    for speaker, cue, fragment in expected:
        hits = [s for s in rows["statements"] if fragment in s["quote_text"] and s["cue"] == cue]
        assert hits, statements(rows)
        st = hits[0]
        assert st["speaker_text"] == speaker or speaker and (st["speaker_text"] or "").endswith(" " + speaker), statements(rows)
        assert (st["speaker_text"] or "").lower() not in ("he", "she", "they", "it", "we", "i")


@pytest.mark.parametrize("text", GIVEN_NOTHING)
def test_given_paragraph_no_attributed_statement(extract_text, text):
    rows = extract_text(text)
    assert all(s["speaker_text"] is None and s["speaker_actor_id"] is None for s in rows["statements"]) \
        if "silent" in text else rows["statements"] == [], statements(rows)


SPEAKER_PHRASES = [
    pytest.param("Marley Anderson, 21, a junior from Las Vegas, said she would caucus for the first time.",
                 "she would caucus", "Marley Anderson, 21, a junior from Las Vegas", id="an age does not end the apposition"),
    pytest.param("Dean Johnson, a salesman from Sumter, South Carolina, says the senator will leave with momentum.",
                 "will leave with momentum", "Dean Johnson, a salesman from Sumter, South Carolina",
                 id="a place name in apposition inside the apposition stays"),
    pytest.param("Senator Ruth Adler and Governor Tom Reyes both said the bridge must be rebuilt.",
                 "the bridge must be rebuilt", "Senator Ruth Adler and Governor Tom Reyes",
                 id="no floating quantifier at the end"),
    pytest.param("Armin Laschet, the leader of the opposition, who called for new elections, said the minister "
                 "should resign.", "the minister should resign", "Armin Laschet, the leader of the opposition",
                 id="a set-off relative clause after the apposition is not the phrase"),
]


@pytest.mark.parametrize("text,fragment,phrase", SPEAKER_PHRASES)
def test_given_paragraph_expected_speaker_phrase(extract_text, text, fragment, phrase):
    assert find(extract_text(text), fragment)["speaker_phrase"] == phrase


def test_two_readings_of_the_same_words_are_one_statement(extract_text):
    """'is believed to' (a stance with no holder) and 'according to' read the same clause: one statement,
    from the more confident reading, so each statement_id (from its offsets) is unique."""
    rows = extract_text("Osman is believed to have been on the flight, according to an interview his brother "
                        "Alastair Osman gave to ITV. The geologist worked for a mining company.")
    statements = rows["statements"]
    assert len({s["statement_id"] for s in statements}) == len(statements)
    [believed] = [s for s in statements if "on the flight" in s["quote_text"]]
    assert believed["cue"] == "according to"
