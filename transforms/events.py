"""Events from parsed sentences: a lexicon trigger, who did it to whom, where, when, and whether it happened.

The trigger lexicon (``lexicons/event_triggers.csv``) maps a lemma, optionally constrained by a
particle or compound modifier ("cut off", "air strike") and by its object's lemma ("launch an
attack", "take the town"), to a PLOVER type and mode with CAMEO and ACLED crosswalks.
"""

from __future__ import annotations

import collections
import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable

from spacy.tokens import Doc, Span, Token

from transforms.actors import DocumentActors, Mention
from transforms.dates import ResolvedDate, resolve_date_expression
from transforms.geo import GeoMatch, Gazetteer
from transforms.place_ranker import PlaceRanker

FUTURE_AUX = frozenset(["will", "shall", "'ll", "wo"])
HYPOTHETICAL_AUX = frozenset(["would", "could", "might", "may", "should", "'d"])
INTENT_HEADS = frozenset(
    "plan intend want threaten vow pledge promise expect hope seek aim prepare due likely set "
    "propose consider offer try attempt decide agree refuse".split()
)
LOCATION_PREPOSITIONS = frozenset(["in", "at", "near", "outside", "around", "across", "inside", "into", "on", "over", "throughout", "within", "through", "along", "beside", "behind"])
MOTION_PREPOSITIONS = frozenset(["from", "to", "toward", "towards"])
"""Where a move starts or ends ("withdrew from Kafr Nabuda", "marched to Trafalgar Square"): a
place of the event when no locative phrase names one."""
NEAR_NOUNS = frozenset("outskirts outskirt suburb suburbs edge edges vicinity countryside environs periphery near outside".split())
REGION_NOUNS = frozenset("province governorate region district state county prefecture oblast department area territory".split())
CITY_NOUNS = frozenset("town city village capital port hamlet settlement municipality commune camp".split())
"""Places whose "of" complement is their name ("the city of Homs"), unlike a district's or a street's."""
DIRECTION_WORDS = frozenset("north south east west northeast northwest southeast southwest".split())
CLOCK_WORD = re.compile(r"^[AaPp]\.?[Mm]\.?$")
LARGE_REGION_NOUNS = REGION_NOUNS - {"district", "area"}
"""Regions that contain towns; a "district" or "area" is as often part of a city."""
SETTLEMENT_NOUNS = frozenset(
    "town city village capital port district neighbourhood neighborhood camp locality hamlet settlement "
    "municipality commune suburb quarter township".split()
)
SITE_NOUNS = frozenset(
    "island peninsula coast coastline border frontier mountain mountains mount hill hills hilltop valley river lake sea "
    "gulf bay plain plains plateau desert airport airbase base station square street streets road highway bridge dam "
    "field fields farm farms front sector flank countryside axis corridor market mosque church temple hospital school "
    "university campus checkpoint compound palace residence home house building prison jail hotel restaurant "
    "crossing junction port harbour harbor wharf yard park stadium embassy ministry headquarters "
    "part end side section waters sky skies slum slums thoroughfare thoroughfares stronghold bastion enclave heart consulate parliament courthouse".split()
)
PLACE_NOUNS = SETTLEMENT_NOUNS | REGION_NOUNS | NEAR_NOUNS | SITE_NOUNS
"""Nouns that name a kind of place, whose proper-noun modifier or "of" complement is a place name."""
ACLED_EVENT_TYPE_OF = {
    **dict.fromkeys(["Government regains territory", "Non-state actor overtakes territory", "Armed clash"], "Battles"),
    **dict.fromkeys(["Excessive force against protesters", "Protest with intervention", "Peaceful protest"], "Protests"),
    **dict.fromkeys(["Violent demonstration", "Mob violence"], "Riots"),
    **dict.fromkeys(["Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
                     "Remote explosive/landmine/IED", "Grenade"], "Explosions/Remote violence"),
    **dict.fromkeys(["Sexual violence", "Attack", "Abduction/forced disappearance"], "Violence against civilians"),
    **dict.fromkeys(["Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
                     "Headquarters or base established", "Looting/property destruction",
                     "Non-violent transfer of territory", "Other"], "Strategic developments"),
}
"""ACLED's 25 sub-event types under their 6 event types, so a row's pair is always consistent."""
PERSON_HARM_MODES = frozenset(["kill", "assassinate", "firearms", "abduct", "arrest", "primitive", "sexual", "capture"])
"""Event modes whose object is a person more often than a place ("Zeevi was shot", "Ocalan was captured")."""
PLACED_BY_TARGET = frozenset(["ASSAULT", "COERCE", "PROTEST", "MOBILIZE"])
CONDUCT_VERBS = frozenset(
    "continue begin start launch resume renew conduct stage mount wage intensify escalate expand end initiate "
    "unleash lead complete execute perpetrate commit claim".split()
)
"""Verbs whose object is the event they report ("began an offensive", "renewed their assault")."""
PHRASAL_CONDUCT_VERBS = frozenset([("carry", "out"), ("step", "up"), ("call", "off")])
HAPPEN_VERBS = frozenset("occur happen erupt begin start continue end intensify escalate resume spread rage unfold "
                         "hit strike rock kill".split())
"""Verbs whose subject is the event they report ("the attack occurred", "an explosion rocked")."""
PHRASAL_HAPPEN_VERBS = frozenset([("break", "out"), ("take", "place"), ("go", "off"), ("flare", "up")])
LIGHT_VERB_IDIOMS = frozenset([("take", "place"), ("take", "part")])
NOT_PLACE_LABELS = frozenset(["DATE", "TIME", "MONEY", "CARDINAL", "ORDINAL", "PERCENT", "QUANTITY"])
PLACE_ENTITY_LABELS = frozenset(["GPE", "LOC", "FAC", "NORP", "PERSON", "ORG"])


@dataclass(frozen=True)
class TriggerRule:
    lemma: str
    pos: str
    particle: str | None
    object_lemmas: frozenset[str]
    event_type: str
    event_mode: str | None
    cameo_code: str
    acled_event_type: str | None
    acled_sub_event_type: str | None
    acled_sub_event_type_if_state: str | None
    confidence: float

    @property
    def specificity(self) -> int:
        return (self.particle is not None) + bool(self.object_lemmas)

    @property
    def harms_people(self) -> bool:
        """Killing, shooting, abducting, arresting, capturing: what the verb is done to is usually a person."""
        return self.event_mode in PERSON_HARM_MODES or self.lemma in ("injure", "wound")

    @property
    def takes_territory(self) -> bool:
        return self.event_mode == "capture" or "territory" in (self.acled_sub_event_type or "")


@dataclass(frozen=True)
class PloverType:
    event_type: str
    quad_class: int
    cameo_root: str


@dataclass
class EventLexicon:
    rules: dict[tuple[str, str], list[TriggerRule]]
    types: dict[str, PloverType]

    @classmethod
    def from_rows(cls, trigger_rows: Iterable[dict], type_rows: Iterable[dict]) -> "EventLexicon":
        rules: dict[tuple[str, str], list[TriggerRule]] = {}
        for r in trigger_rows:
            rule = TriggerRule(
                lemma=r["lemma"].lower(),
                pos=r["pos"].upper(),
                particle=r.get("particle") or None,
                object_lemmas=frozenset(x.strip().lower() for x in (r.get("object_lemmas") or "").split("|") if x.strip()),
                event_type=r["event_type"],
                event_mode=r.get("event_mode") or None,
                cameo_code=r.get("cameo_code") or "",
                acled_event_type=r.get("acled_event_type") or None,
                acled_sub_event_type=r.get("acled_sub_event_type") or None,
                acled_sub_event_type_if_state=r.get("acled_sub_event_type_if_state") or None,
                confidence=float(r.get("confidence") or 0.5),
            )
            rules.setdefault((rule.lemma, rule.pos), []).append(rule)
        types = {
            r["event_type"]: PloverType(r["event_type"], int(r["quad_class"]), r["cameo_root"].zfill(2))
            for r in type_rows
        }
        return cls(rules, types)

    def match(self, token: Token) -> TriggerRule | None:
        pos = "VERB" if token.pos_ in ("VERB", "AUX") else token.pos_
        candidates = self.rules.get((token.lemma_.lower(), pos), [])
        if not candidates and pos == "NOUN":
            candidates = self.rules.get((token.lower_, pos), [])
        if any(c.dep_ == "dobj" and (token.lemma_.lower(), c.lemma_.lower()) in LIGHT_VERB_IDIOMS for c in token.children):
            return None  # "the attack took place in X": no taking
        fitting = [r for r in candidates if _particle_fits(token, r) and _object_fits(token, r)]
        if not fitting:
            return None
        return max(fitting, key=lambda r: (r.specificity, r.confidence))


def _particle_fits(token: Token, rule: TriggerRule) -> bool:
    if rule.particle is None:
        return True
    words = rule.particle.lower().split()
    children = [c.lower_ for c in token.children if c.dep_ in ("prt", "prep", "compound", "amod", "advmod", "dobj", "npadvmod", "nmod")]
    previous = token.doc[token.i - 1].lower_ if token.i > 0 else ""
    return all(w in children or w == previous for w in words)


def _objects(token: Token) -> list[Token]:
    objs = [c for c in token.children if c.dep_ in ("dobj", "attr", "nsubjpass", "oprd")]
    for prep in (c for c in token.children if c.dep_ in ("prep", "prt", "agent") and c.lower_ != "by"):
        objs.extend(c for c in prep.children if c.dep_ == "pobj")
    if token.dep_ == "relcl" and token.head.pos_ in ("NOUN", "PROPN"):
        objs.append(token.head)  # "the towns …, which they recaptured"
    return objs


def _object_fits(token: Token, rule: TriggerRule) -> bool:
    if not rule.object_lemmas:
        return True
    return any(o.lemma_.lower() in rule.object_lemmas or o.lower_ in rule.object_lemmas for o in _objects_and_contents(token))


QUANTITY_NOUNS = frozenset("amount number total dozen dozens hundred hundreds thousand thousands scores score cache caches "
                           "batch lot quantity quantities stockpile haul series couple handful".split())


def _objects_and_contents(token: Token) -> list[Token]:
    """Objects, and what a quantity object is made of ("a large amount of ammunition", "scores of
    terrorists"); a verb without objects shares those of the verb it is coordinated with."""
    objs = _objects(token)
    if not objs and token.dep_ == "conj" and token.head.pos_ == "VERB":
        objs = _objects(token.head)
    if not objs:
        objs = [o for c in token.children if c.dep_ == "conj" and c.pos_ == "VERB" for o in _objects(c)]
    out = list(objs)
    for o in objs:
        if o.lemma_.lower() in QUANTITY_NOUNS or o.pos_ == "NUM":
            out.extend(x for c in o.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children if x.dep_ == "pobj")
    return out


@dataclass
class Event:
    sentence_index: int
    sentence: Span
    trigger: Token
    trigger_text: str
    rule: TriggerRule
    plover: PloverType
    source: Mention | None
    target: Mention | None
    location: GeoMatch | None
    location_text: str | None
    event_date: ResolvedDate | None
    negated: bool
    modality: str
    in_quote: bool
    confidence: float
    acled_sub_event_type: str | None = None
    place_tokens: list[Token] = field(default_factory=list)
    sources: list[Mention] = field(default_factory=list)
    targets: list[Mention] = field(default_factory=list)
    place_taken: bool = False
    """The place is what a verb of taking territory took ("recaptured Zarichnevka"), not a place
    chosen among the sentence's names."""
    event_noun: Token | None = None
    """The noun a verb of doing or happening reports ("began an *offensive*"), whose modifiers
    and objects describe the event as much as the verb's do."""

    @property
    def described_by(self) -> list[Token]:
        return [self.trigger] if self.event_noun is None else [self.trigger, self.event_noun]

    def location_offsets(self, text: str) -> tuple[int, int] | None:
        """Character offsets of ``location_text`` in the document's ``text``: its occurrence nearest the
        place's tokens. The text is passed in because ``Doc.text`` joins every token on each call."""
        if not self.location_text:
            return None
        anchor = self.place_tokens[0].idx if self.place_tokens else self.trigger.idx
        starts = [m.start() for m in re.finditer(re.escape(self.location_text), text)]
        if starts:
            start = min(starts, key=lambda i: abs(i - anchor))
            return start, start + len(self.location_text)
        if self.place_tokens:
            return min(t.idx for t in self.place_tokens), max(t.idx + len(t) for t in self.place_tokens)
        return None


def _subject(token: Token) -> Token | None:
    for c in token.children:
        if c.dep_ in ("nsubj", "csubj"):
            return c
    for c in token.children:
        if c.dep_ == "agent":
            objs = [x for x in c.children if x.dep_ == "pobj"]
            if objs:
                return objs[0]
    if token.dep_ in ("conj", "xcomp", "advcl") and token.head.pos_ in ("VERB", "AUX") and token.head.i != token.i:
        return _subject(token.head)
    if token.dep_ == "acl" and token.head.pos_ in ("NOUN", "PROPN"):
        return token.head
    return None


def _noun_source(token: Token) -> Token | None:
    for c in token.children:
        if c.dep_ in ("poss", "amod", "compound", "nmod") and (c.ent_type_ or c.pos_ == "PROPN"):
            return c
    for c in token.children:
        if c.dep_ == "prep" and c.lower_ == "by":
            objs = [x for x in c.children if x.dep_ == "pobj"]
            if objs:
                return objs[0]
    return None


def _noun_target(token: Token) -> Token | None:
    for c in token.children:
        if c.dep_ == "prep" and c.lower_ in ("on", "against", "at", "targeting", "of"):
            objs = [x for x in c.children if x.dep_ == "pobj"]
            if objs:
                return objs[0]
        if c.dep_ in ("acl", "relcl") and c.lemma_ in ("target", "hit", "strike"):
            objs = [x for x in c.children if x.dep_ == "dobj"]
            if objs:
                return objs[0]
    return None


TARGET_PREPOSITIONS = frozenset("against on at upon into toward towards over".split())


def _verb_target(token: Token) -> Token | None:
    """The one the action is directed at: the passive subject, the direct object, else "against/on/at X"."""
    for c in token.children:
        if c.dep_ == "nsubjpass":
            return c
    for c in token.children:
        if c.dep_ in ("dobj", "dative"):
            return c
    for c in token.children:
        if c.dep_ == "prep" and c.lower_ in TARGET_PREPOSITIONS:
            objs = [x for x in c.children if x.dep_ == "pobj"]
            if objs:
                return objs[0]
    return None


def _core_phrase(token: Token) -> list[Token]:
    """A noun phrase without its prepositional and clausal modifiers ("groups" of "groups in Syria")."""
    out = [token]
    for c in token.children:
        if c.dep_ in ("prep", "relcl", "acl", "advcl", "appos", "punct", "cc", "conj"):
            continue
        out.extend(c.subtree)
    return out


SUSPEND_LEMMAS = frozenset("suspend postpone delay cancel halt adjourn freeze defer shelve".split())


def _suspension(token: Token) -> str | None:
    """Talks "on hold until February 25", "postponed", "called off": the event is not taking place.
    Returns the modality: future when a resumption date follows ("until …"), else negated."""
    holders = [token]
    if token.dep_ in ("nsubjpass", "dobj", "nsubj") and token.head.pos_ in ("VERB", "AUX"):
        holders.append(token.head)
    suspended = False
    for h in holders:
        if h is not token and (h.lemma_.lower() in SUSPEND_LEMMAS or (h.lemma_.lower() == "call" and any(c.lower_ == "off" for c in h.children))):
            suspended = True
        if any(c.dep_ == "prep" and c.lower_ == "on" and any(x.lower_ == "hold" for x in c.children) for c in h.children):
            suspended = True
    if not suspended:
        return None
    resumes = any(c.dep_ == "prep" and c.lower_ in ("until", "till") for h in holders for c in h.children)
    return "future" if resumes else "negated"


def _modality(token: Token) -> tuple[bool, str]:
    suspended = _suspension(token)
    if suspended is not None:
        return suspended == "negated", suspended
    negated = any(c.dep_ == "neg" for c in token.children)
    chain = [token] + [a for a in token.ancestors][:3]
    aux = {c.lower_ for t in chain[:2] for c in t.children if c.dep_ in ("aux", "auxpass")}
    if token.dep_ == "xcomp" and any(c.dep_ == "neg" for c in token.head.children):
        negated = True
    if negated:
        return True, "negated"
    if aux & FUTURE_AUX or any(t.lemma_.lower() in INTENT_HEADS for t in chain[1:3] if t.dep_ != "ROOT" or token.dep_ == "xcomp"):
        return False, "future"
    if aux & HYPOTHETICAL_AUX or any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for t in chain[:2] for c in t.children):
        return False, "hypothetical"
    if token.tag_ == "VBN" and any(c.dep_ == "aux" and c.lower_ == "had" for c in token.children) and token.dep_ != "ROOT":
        return False, "historical"  # "where Russia had declared a ceasefire": background, not the news
    return False, "asserted"


def _entity_span(token: Token) -> Span:
    doc = token.doc
    for ent in doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    start = token.i
    while start > 0 and doc[start - 1].dep_ == "compound" and doc[start - 1].pos_ == "PROPN":
        start -= 1
    return doc[start : token.i + 1]


def _name_with_noun(name: Token, noun: Token) -> str:
    """ "Idlib province" when the words are adjacent; the name alone otherwise ("Manila's financial district")."""
    span = _entity_span(name)
    return f"{span.text} {noun.text}" if span.end == noun.i else span.text


class PlaceResolver:
    """Turn the noun phrase an event points at into a gazetteer match with a precision."""

    def __init__(self, gazetteer: Gazetteer, context_iso3: str | None):
        self.gazetteer = gazetteer
        self.context = context_iso3

    def resolve(self, head: Token, depth: int = 0) -> GeoMatch | None:
        if depth > 3:
            return None
        lemma = head.lemma_.lower()
        if head.ent_type_ in NOT_PLACE_LABELS:
            return None
        if head.pos_ == "PROPN" or head.ent_type_ in ("GPE", "LOC", "FAC"):
            span = _entity_span(head)
            text = span.text
            text = re.sub(r"^(the)\s+", "", text, flags=re.IGNORECASE)
            words = text.split()
            if len(words) > 1 and words[-1].lower() in REGION_NOUNS:
                # "Idlib province": the region, placed by its namesake town, precision 3.
                place = self.gazetteer.lookup(" ".join(words[:-1]), self.context)
                if place is not None:
                    return GeoMatch(place, text, 3, " ".join(words[:-1]))
            place = self.gazetteer.lookup(text, self.context)
            if place is not None:
                precision = 3 if place.is_country else 1
                return GeoMatch(place, text, precision)
            # An unknown village: place it by what the text says it is near or in.
            for child in head.children:
                if child.dep_ in ("prep", "appos", "acl") :
                    for obj in (child.children if child.dep_ == "prep" else [child]):
                        if obj.dep_ in ("pobj", "appos") or child.dep_ == "appos":
                            inner = self.resolve(obj, depth + 1)
                            if inner is not None:
                                return GeoMatch(inner.place, text, max(2, inner.precision), inner.admin1)
            return None
        if lemma in SETTLEMENT_NOUNS:
            for obj in (x for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children if x.dep_ == "pobj"):
                inner = self.resolve(obj, depth + 1)  # "the north Sinai town of El-Arish": El-Arish
                if inner is not None:
                    return inner
        if lemma in NEAR_NOUNS or lemma in REGION_NOUNS or lemma in SETTLEMENT_NOUNS:
            names = sorted((c for c in head.children if c.dep_ in ("compound", "amod", "nmod", "poss") and c.pos_ == "PROPN"),
                           key=lambda c: (c.dep_ == "poss", -c.i))  # "Iraq's Nineveh province": Nineveh
            ofs = [x for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children if x.dep_ == "pobj"]
            for n, name in enumerate(names):
                place = self.gazetteer.lookup(_entity_span(name).text, self.context)
                if place is not None and n > 0:
                    # "Mogadishu's Yaqshid district": an unknown part, placed by the known whole.
                    return GeoMatch(place, _name_with_noun(names[0], head), 2 if place.is_country is False else 3)
                if place is not None:
                    if lemma in REGION_NOUNS:
                        return GeoMatch(place, _name_with_noun(name, head), 3, _entity_span(name).text)
                    return GeoMatch(place, _entity_span(name).text, 2 if lemma in NEAR_NOUNS else 1)
            for obj in ofs:
                inner = self.resolve(obj, depth + 1)
                if inner is not None:
                    if lemma in NEAR_NOUNS:
                        return GeoMatch(inner.place, inner.text, max(2, inner.precision), inner.admin1)
                    return inner
        return None

    def lookup_run(self, tokens: list[Token]) -> GeoMatch | None:
        if any(t.ent_type_ in NOT_PLACE_LABELS for t in tokens):
            return None
        text = re.sub(r"^(the)\s+", "", " ".join(t.text for t in tokens).replace(" - ", "-"), flags=re.IGNORECASE)
        place = self.gazetteer.lookup(text, self.context)
        if place is None:
            return None
        return GeoMatch(place, text, 3 if place.is_country else 1)

    def locate_in_phrase(self, tokens: list[Token]) -> GeoMatch | None:
        """Where a phrase after an unknown place puts it: "on the outskirts of X" (2),
        "in the southern X province" (3, admin1 X), "in X" (the containing place)."""
        runs = _proper_noun_runs(tokens)
        words = {t.lemma_.lower() for t in tokens}
        for run in runs:
            match = self.lookup_run(run)
            if match is None:
                continue
            after = run[-1].i + 1
            next_word = run[-1].doc[after].lemma_.lower() if after < len(run[-1].doc) else ""
            before = {t.lemma_.lower() for t in tokens if t.i < run[0].i}
            if next_word in REGION_NOUNS or before & REGION_NOUNS:
                return GeoMatch(match.place, match.text, 3, match.text)
            if before & NEAR_NOUNS or words & NEAR_NOUNS:
                return GeoMatch(match.place, match.text, 2)
            return GeoMatch(match.place, match.text, max(2, match.precision))
        return None

    def from_prepositions(self, token: Token) -> tuple[GeoMatch | None, list[Token]]:
        """The place a trigger's own prepositional phrases put it in ("… in Aleppo")."""
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ in LOCATION_PREPOSITIONS:
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        match = self.resolve(obj)
                        if match is not None:
                            return match, [obj]
        return None, []


def _proper_noun_runs(tokens: list[Token]) -> list[list[Token]]:
    """Maximal runs of proper nouns (hyphens inside kept): "Deir ez-Zor", "Daraa"."""
    runs, current = [], []
    for t in tokens:
        if t.pos_ == "PROPN" or (current and t.text == "-" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].pos_ == "PROPN"):
            current.append(t)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def places_taken(trigger: Token, actors: DocumentActors, places: "PlaceResolver") -> list[tuple[GeoMatch | None, str, list[Token]]]:
    """Places named right after a verb of taking territory, each with its locating phrase.

    Read linearly, not from the parse: small parsers often attach "…, and Atman in the X
    province, the monitor said" wrongly, while the surface order is reliable. The scan stops
    at the next actor or verb (an attribution such as "the monitor said").
    """
    doc, sent = trigger.doc, trigger.sent
    found: list[tuple[GeoMatch | None, str, list[Token]]] = []
    i = trigger.i + 1
    while i < sent.end:
        tok = doc[i]
        mention = actors.mention_at(tok)
        if tok.pos_ in ("VERB", "AUX") or (mention is not None and actors.actors[mention.actor_id].actor_type != "state"):
            break
        if tok.pos_ != "PROPN" or tok.ent_type_ in ("DATE", "TIME"):
            i += 1
            continue
        run = next(r for r in _proper_noun_runs(list(doc[i:sent.end])) if r[0].i == i)
        if i > 0 and doc[i - 1].lower_ == "by":
            i = run[-1].i + 1
            continue  # "captured by Israel": who took it, not what was taken
        end = run[-1].i + 1
        phrase_end = end
        while phrase_end < sent.end:
            t = doc[phrase_end]
            if t.pos_ in ("VERB", "AUX") or (t.text == "," and phrase_end + 1 < sent.end and doc[phrase_end + 1].lower_ in ("and", "the", "a")) \
                    or t.lower_ == "and" or (actors.mention_at(t) is not None and actors.actors[actors.mention_at(t).actor_id].actor_type != "state"):
                break
            phrase_end += 1
        text = " ".join(t.text for t in run).replace(" - ", "-")
        match = places.lookup_run(run) or places.locate_in_phrase(list(doc[end:phrase_end]))
        found.append((_as_written(match, text), text, run))
        i = phrase_end
    return found


def _date_for(token: Token, sentence: Span, published: date | None) -> ResolvedDate | None:
    if published is None:
        return None
    subtree = {t.i for t in token.subtree}
    dates = [e for e in sentence.ents if e.label_ in ("DATE", "TIME") and e.root.i in subtree]
    for ent in dates:
        # "… two days ago": the DATE entity sometimes misses its preposition; that does not matter.
        resolved = resolve_date_expression(ent.text, published)
        if resolved is not None:
            return resolved
    return ResolvedDate(published, "day", None)


def _is_heading(sentence: Span, text: str) -> bool:
    """A line without final punctuation that another line follows: a heading, caption or sign-off.

    A document's last sentence without final punctuation is kept: that is a truncated excerpt,
    not a heading.
    """
    stripped = sentence.text.strip()
    if not stripped:
        return True
    if re.search(r"[.!?\"”'’]$", stripped):
        return False
    rest = text[sentence.end_char:]
    return bool(rest.strip()) and "\n" in rest[: len(rest) - len(rest.lstrip())] + sentence.text[len(sentence.text.rstrip()):]


def extract_events(
    doc: Doc,
    actors: DocumentActors,
    lexicon: EventLexicon,
    gazetteer: Gazetteer,
    published: date | None,
    sentence_of_token: list[int],
    in_quote: list[bool],
    place_ranker: PlaceRanker | None = None,
) -> list[Event]:
    """Every lexicon trigger in a full sentence, with actors, place, date and modality. With a
    ``place_ranker``, each event's place is the ranker's pick among its sentence's place names."""
    places = PlaceResolver(gazetteer, actors.context_iso3)
    actor_tokens = ActorTokens.of(actors)
    events: list[Event] = []
    text = doc.text
    for sentence in doc.sents:
        if _is_heading(sentence, text):
            continue  # headings, captions and sign-offs are not reports of events
        for token in sentence:
            if token.dep_ == "amod" and token.pos_ == "VERB" and token.tag_ != "VBD" and not _after_be(token) \
                    and sentence.root.pos_ in ("VERB", "AUX"):
                continue  # "US-backed", "rebel-held": a description, not a report of an event
            if token.dep_ == "compound" and token.head.lemma_.lower() in ARMED_NOUNS | EQUIPMENT_NOUNS:
                continue  # "riot police", "riot gear": a kind of force, not an event
            rule, event_noun = lexicon.match(token), None
            if rule is None:
                rule, event_noun = _light_verb_rule(token, lexicon) or (None, None)
            if rule is None or rule.event_type not in lexicon.types:
                continue
            built = _build_events(token, rule, lexicon, actors, actor_tokens, places, sentence, published, sentence_of_token, in_quote)
            for e in built:
                e.event_noun = event_noun
            events.extend(built)
    events = refine_acled(_drop_nested_duplicates(events), actors)
    if place_ranker is not None:
        choose_places(events, actors, actor_tokens, places, place_ranker)
    _geocode_from_document(events)
    return events


def _geocode_from_document(events: list[Event]) -> None:
    """A place name the gazetteer lacks is placed as the document places it elsewhere: "battles
    in Ratyan" takes the match of "retaken Ratyan on the northern outskirts of Aleppo"."""
    known = {}
    for e in events:
        if e.location is not None and e.location_text:
            known.setdefault(e.location_text, e.location)
    for e in events:
        if e.location is None and e.location_text in known:
            e.location = known[e.location_text]


def _after_be(token: Token) -> bool:
    # (A sentence whose root is a noun has no main verb but the participle: "Russian forces on
    # Friday captured Shali" parsed as forces … captured-Shali.)
    """ "Troops have been patrolling Nablus": a participle right after a form of "be" is a verb
    however the parser attached it."""
    return token.i > 0 and token.doc[token.i - 1].lemma_.lower() == "be" and token.tag_ == "VBG"


def _light_verb_rule(token: Token, lexicon: EventLexicon) -> tuple[TriggerRule, Token] | None:
    """ "Continued their assault", "the attack occurred", "clashes broke out", "there was an
    attack": a verb of doing, starting or happening whose object or subject is an event noun
    reports that event; the verb is its trigger and the noun's rule types it."""
    if token.pos_ not in ("VERB", "AUX"):
        return None
    lemma = token.lemma_.lower()
    arguments: list[Token] = []
    if lemma in CONDUCT_VERBS or (lemma, next((c.lower_ for c in token.children if c.dep_ == "prt"), "")) in PHRASAL_CONDUCT_VERBS:
        arguments += [c for c in token.children if c.dep_ == "dobj"]
    if lemma in HAPPEN_VERBS or (lemma, next((c.lower_ for c in token.children if c.dep_ in ("prt", "dobj")), "")) in PHRASAL_HAPPEN_VERBS:
        arguments += [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
    if lemma == "be" and any(c.dep_ == "expl" for c in token.children):
        arguments += [c for c in token.children if c.dep_ in ("attr", "nsubj")]  # "there was an attack"
    # "Dozens of airstrikes hit Aleppo": a quantity reports what it is made of.
    arguments += [x for a in arguments if a.lemma_.lower() in QUANTITY_NOUNS or a.pos_ == "NUM"
                  for c in a.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children if x.dep_ == "pobj"]
    for noun in arguments:
        if noun.pos_ == "NOUN":
            rule = lexicon.match(noun)
            if rule is not None:
                return rule, noun
    return None


def _takes_a_place(token: Token) -> bool:
    """A verb of taking territory whose object is a person ("captured him", "Uighurs were
    captured") reports a capture of people, placed like any other event."""
    taken = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass")]
    def placeish(t: Token) -> bool:
        if t.pos_ == "PRON" or t.tag_ == "NNPS":
            return False  # "him", "Uighurs"
        return t.pos_ == "PROPN" or t.ent_type_ in ("GPE", "LOC", "FAC") or _place_noun(t) \
            or t.lemma_.lower() in ("territory", "land", "control", "ground", "position", "point", "site", "area")
    return not taken or any(placeish(t) for t in taken)


def _build_events(token, rule, lexicon, actors, actor_tokens, places, sentence, published, sentence_of_token, in_quote) -> list[Event]:
    is_noun = token.pos_ in ("NOUN", "PROPN")
    source_token = _noun_source(token) if is_noun else _subject(token)
    target_token = _noun_target(token) if is_noun else _verb_target(token)
    source = _mention_for(source_token, actors, token)
    target = _mention_for(target_token, actors, token) if target_token is not None else None
    if target is None and target_token is not None:
        # "imposed sanctions on Iran", "launched strikes against the group": the object's own target.
        target = _mention_for(_noun_target(target_token), actors, token)
    sources = _compound_mentions(source, source_token, actors, token)
    targets = _compound_mentions(target, target_token, actors, token)
    negated, modality = _modality(token)
    when = _date_for(token, sentence, published)
    plover = lexicon.types[rule.event_type]
    sub_type = rule.acled_sub_event_type
    if rule.acled_sub_event_type_if_state and source is not None:
        source_type = actors.actors[source.actor_id].actor_type
        if source_type in ("state", "government", "military"):
            sub_type = rule.acled_sub_event_type_if_state
    located: list[tuple[GeoMatch | None, str | None, list[Token]]] = []
    if rule.takes_territory and not is_noun and _takes_a_place(token):
        # Taking places: each place taken is its own event, placed where it is.
        passive = any(c.dep_ == "nsubjpass" for c in token.children)
        located = [x for x in _object_places(token, places) if x[0] is not None] if passive else []
        if not located:
            located = [x for x in places_taken(token, actors, places) if x[0] is not None or x[2][0].ent_type_ in ("GPE", "LOC", "FAC")]
        if not located:
            located = [x for x in _object_places(token, places) if x[0] is not None]
        if located:
            target = None
    place_taken = bool(located)
    if not located:
        match, toks = places.from_prepositions(token)
        if match is None and not is_noun:
            for obj in _objects(token):
                match, toks = places.from_prepositions(obj)
                if match is not None:
                    break
        if match is not None and target is not None and any(target.token_start <= t.i < target.token_end for t in toks):
            match, toks = None, []  # "sanctions on Iran": Iran is who it is aimed at, not where it happened
        text = match.text if match else None
        span = nearest_place_span(token, sentence, _actor_tokens(source, _aimed_at(target, rule, actors)), places,
                                  actor_tokens.groups, actor_tokens.states, harms_people=rule.harms_people)
        if span is not None and match is not None and toks and _same_place_text(match.text, _place_text(span)):
            span = None  # the trigger's own locative phrase, already placed
        if span is not None:
            toks, text = list(span), _place_text(span)
            window = list(sentence.doc[span.end:min(span.end + 8, sentence.end)])
            match = _as_written(places.lookup_run(toks) or places.locate_in_phrase(window), text)
        located.append((match, text, toks))
    in_q = in_quote[token.i]
    base = rule.confidence * (1.0 if source is not None else 0.8) * (0.85 if in_q else 1.0)
    if modality != "asserted":
        base *= 0.6  # a denied, expected, conditional or background mention is less likely news of an event
    events = []
    for match, text, toks in located:
        events.append(Event(
            sentence_index=sentence_of_token[token.i],
            sentence=sentence,
            trigger=token,
            trigger_text=_trigger_text(token, rule),
            rule=rule,
            plover=plover,
            source=source,
            target=target,
            location=match,
            location_text=text,
            event_date=when,
            negated=negated,
            modality=modality,
            in_quote=in_q,
            confidence=round(min(base, 1.0), 3),
            acled_sub_event_type=sub_type,
            place_tokens=toks,
            sources=sources,
            targets=targets if target is not None else [],
            place_taken=place_taken,
        ))
    return events


def _aimed_at(target: Mention | None, rule: TriggerRule, actors: DocumentActors) -> Mention | None:
    """The target when it is whom the event is aimed at rather than where it happened: a place
    attacked, raided or protested in is where it happened; a country sanctioned or accused, or a
    group attacked, is whom."""
    if target is None or rule.event_type not in PLACED_BY_TARGET \
            or actors.actors[target.actor_id].actor_type in ("armed_group", "international_org", "media", "organization"):
        return target
    return None


def _as_written(match: GeoMatch | None, text: str) -> GeoMatch | None:
    """A match found for a place by what locates it ("Ratyan on the outskirts of Aleppo" placed
    at Aleppo), under the name the text gives: near the match, so at least precision 2."""
    if match is None or match.text == text:
        return match
    return GeoMatch(match.place, text, max(2, match.precision), match.admin1)


def _same_place_text(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a in b or b in a


def _actor_tokens(*mentions: Mention | None) -> set[int]:
    return {i for m in mentions if m is not None for i in range(m.token_start, m.token_end)}


def _place_text(span: Span) -> str:
    return re.sub(r"^(the)\s+", "", span.text, flags=re.IGNORECASE)


def _tree_distance(a: Token, b: Token) -> int:
    """Number of dependency arcs between two tokens of one sentence."""
    path_a = [a, *a.ancestors]
    depth_in_a = {t.i: n for n, t in enumerate(path_a)}
    for n, t in enumerate([b, *b.ancestors]):
        if t.i in depth_in_a:
            return n + depth_in_a[t.i]
    return len(path_a) + 50


def _place_noun(token: Token) -> bool:
    return token.lemma_.lower() in PLACE_NOUNS or token.lower_ in PLACE_NOUNS


def _phrase_head(root: Token) -> Token:
    """The noun a place name stands for in its phrase: "district" for "Amriya district" and
    "Baghdad's … district", "town" for "the town of Baiji", else the name itself."""
    if root.dep_ in ("compound", "nmod", "amod", "poss") and _place_noun(root.head):
        return root.head
    if root.dep_ == "pobj" and root.head.lower_ == "of" and _place_noun(root.head.head) \
            and not (root.lemma_.lower() in LARGE_REGION_NOUNS and root.head.head.lemma_.lower() in SETTLEMENT_NOUNS):
        return root.head.head
    return root  # (but "the capital of Diyala province": a town's region is its container, not its name)


def _place_distance(trigger: Token, root: Token) -> int:
    """Parse distance from a trigger to the phrase a place name heads or names ("the West Bank
    town of Tulkarm", "Amriya district"), longer for a possessor that contains the place
    ("Baghdad's Amriya district"), a name modifying a non-place noun ("US soldiers") and a
    reference point ("20 km north of Baghdad")."""
    head = _phrase_head(root)
    distance = _tree_distance(trigger, head)
    if trigger not in head.ancestors:
        distance += 1  # outside the trigger's own phrase: another clause's place ("officials in Baghdad said …")
    if root.dep_ == "poss":
        distance += 1
    if root.dep_ in ("compound", "nmod", "amod") and head.i == root.i:
        distance += 2  # "a U.S. patrol", "a Belgrade bus": a place only when nothing better is named
    if root.dep_ == "pobj" and root.head.lower_ in ("of", "from") and root.head.head.lower_ in DIRECTION_WORDS | {"km", "kilometer", "kilometre", "mile", "kilometers", "kilometres", "miles"}:
        distance += 3
    return distance


def _is_clock_word(token: Token) -> bool:
    """ "8:30 A.M.", "10 a.m.": small models tag the suffix as a proper noun."""
    return bool(CLOCK_WORD.match(token.text))


def place_candidates(sentence: Span, is_place: Callable[[str], bool] | None = None) -> list[Span]:
    """Spans of a sentence that name places: GPE/LOC/FAC entities, and any proper name governed
    by a locative preposition ("in Reshimbagh"), naming a place noun ("Amriya district",
    "Bishkek's central streets") or what a place noun is "of" ("the village of Bassima"), since
    small models often mislabel unknown places."""
    found: list[Span] = []
    for ent in sentence.ents:
        if ent.label_ not in ("GPE", "LOC", "FAC") or _is_clock_word(ent.root):
            continue
        thing = ent.root.head
        if ent.root.dep_ in ("compound", "amod", "nmod") and not _place_noun(thing) \
                and thing.pos_ in ("NOUN", "PROPN") and thing.ent_type_ not in ("GPE", "LOC", "FAC") \
                and not (thing.dep_ == "pobj" and thing.head.lower_ in LOCATION_PREPOSITIONS):
            continue  # "US soldiers", "Syrian Arab Army": whose, not where (but "on a Belgrade bus" is where)
        found.append(ent)
    for token in sentence:
        if token.ent_type_ in NOT_PLACE_LABELS or token.ent_type_ == "NORP" or _is_clock_word(token):
            continue
        if token.dep_ == "pobj":
            # Under a locative preposition even a name tagged PERSON is a place ("inside Kafr Sousah").
            prep = token.head.lower_
            noun = token.head.head
            placed_noun = _place_noun(noun) and (
                noun.dep_ in ("dobj", "nsubjpass", "npadvmod", "appos", "conj", "nsubj")
                or (noun.dep_ == "pobj" and noun.head.lower_ in LOCATION_PREPOSITIONS | {"of"}))
            moved = prep in MOTION_PREPOSITIONS and noun.pos_ == "VERB" and token.pos_ == "PROPN"
            if not (prep in LOCATION_PREPOSITIONS or (prep == "of" and placed_noun) or moved):
                continue  # "100 km from the town of Qaim": a reference point, not the place
        elif token.dep_ in ("dobj", "nsubjpass", "npadvmod"):
            # "attacked Damboa town", "patrolled Harare": the object is the place itself.
            if (token.ent_type_ in ("PERSON", "ORG") and not (is_place is not None and is_place(_entity_span(token).text))) \
                    or not (token.pos_ == "PROPN" or _place_noun(token)):
                continue  # "shot Oudeh" (but "bombed Halabja", a known town tagged PERSON)
            if token.dep_ == "npadvmod" and token.ent_type_ not in ("GPE", "LOC") and not _place_noun(token) \
                    and not (is_place is not None and is_place(_entity_span(token).text)):
                continue  # "riding his bike Easter Sunday", "long live coca": a bare modifier is a place only if named as one
        elif token.dep_ == "appos" and token.pos_ == "PROPN" and _place_noun(token.head):
            found.append(_entity_span(token))  # "outside the regional capital, Grozny"
            continue
        elif token.dep_ in ("compound", "nmod") and token.pos_ == "PROPN" and token.head.ent_type_ in ("DATE", "TIME") \
                and token.ent_type_ not in ("DATE", "TIME"):
            found.append(_name_of(token))  # "patrolled Harare Saturday": the parser joins the name to the day
            continue
        elif token.dep_ in ("compound", "poss", "nmod") and token.pos_ == "PROPN" and _place_noun(token.head):
            if token.ent_type_ in ("ORG", "PERSON", "NORP") and token.head.ent_type_ == token.ent_type_ and token.head.ent_iob_ == "I" \
                    and token.head.lemma_.lower() in REGION_NOUNS | SETTLEMENT_NOUNS:
                continue  # "the Islamic State of Iraq": one name of a group, not a place noun
            found.append(_name_of(token))  # "Huriwa district", "Bishkek's central streets"
            continue
        else:
            continue
        if token.pos_ == "PROPN":
            found.append(_entity_span(token))
        elif _place_noun(token):
            names = [c for c in token.children if c.dep_ in ("compound", "nmod") and c.pos_ == "PROPN"]
            if names:
                found.append(_entity_span(names[-1]))  # "in Silopi town"
    unique = {(s.start, s.end): s for s in found}
    return [unique[k] for k in sorted(unique)]


def _name_of(token: Token) -> Span:
    """The proper name a modifier token ends or heads, without the noun it modifies: "Sayidda
    Zaynab" of "the Sayidda Zaynab district" (an entity span may run on over the noun)."""
    names = [t for t in token.subtree if t.i <= token.i and t.dep_ not in ("det", "case", "punct", "amod") or t.text in ("-", "‘", "'")]
    start = min(t.i for t in names)
    while start < token.i and (token.doc[start].is_punct or token.doc[start].is_lower):
        start += 1
    return token.doc[start : token.i + 1]


def _coarseness(span: Span, places: "PlaceResolver | None" = None) -> int:
    """1 for a region named as such ("Kandahar province") or a country, so a town at the same
    distance wins: news names the containing places of the one where it happened."""
    after = span.doc[span.end] if span.end < len(span.doc) else None
    noun = after if after is not None and after.lemma_.lower() in LARGE_REGION_NOUNS else span.root.head
    if noun.lemma_.lower() in LARGE_REGION_NOUNS:
        # "The East Ghouta region of rural Damascus": a region "of" a named place is a part of it
        # (but "the Pacific Coast state of Nayarit": a state's or province's "of" is its own name).
        part_of_a_named_place = noun.lemma_.lower() == "region" and any(
            x.pos_ == "PROPN" for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children if x.dep_ == "pobj")
        return 0 if part_of_a_named_place else 1
    if places is not None:
        place = places.gazetteer.lookup(_place_text(span), places.context, fuzzy=False)
        if place is not None and place.is_country:
            return 1
    return 0


def nearest_place_span(trigger: Token, sentence: Span, excluded: set[int], places: "PlaceResolver | None" = None,
                       group_tokens: frozenset[int] = frozenset(), state_tokens: frozenset[int] = frozenset(),
                       harms_people: bool = False) -> Span | None:
    """The place named closest to the trigger in the parse (ties: a town the gazetteer knows,
    then closest in the text).

    A sentence can name many places (where the reporter is, where an actor is from, where the
    event happened); the event's own place is the one its clause governs most directly. Places
    that are the event's source or target actor are not its location, and names of groups and
    people (``group_tokens``: "the Syrian Arab Army's checkpoints") are a last resort. When the
    event ``harms_people``, a bare name it is done to that the gazetteer does not know is its
    victim, whatever the tagger calls it ("Ocalan was captured and imprisoned in Turkey").
    """
    is_place = None if places is None else (lambda text: places.gazetteer.lookup(text, places.context, fuzzy=False) is not None)
    candidates = [span for span in place_candidates(sentence, is_place) if not (
        (any(t.i in excluded for t in span) and not _names_a_settlement(span, excluded))
        or _first_conjunct(span.root).dep_ == "nsubj"  # a place doing something is an actor there ("the US and Britain patrolled")
        or span.root.pos_ not in ("PROPN", "NOUN") or span.root.like_num
        or (span.root.dep_ == "npadvmod" and span.root.head.dep_ == "amod")  # "US-led forces": who led them
        or (span.root.dep_ == "pobj" and span.root.head.lower_ in MOTION_PREPOSITIONS and any(t.i in group_tokens for t in span))
        # "captured buildings from Ajnad Al-Sham": whom from, not where from
        or (span.root.dep_ == "poss" and not _place_noun(span.root.head) and span.root.head.ent_type_ not in ("GPE", "LOC", "FAC"))
        or (span.root.dep_ in ("dobj", "nsubjpass", "npadvmod") and span.root.ent_type_ in ("PERSON", "ORG")
            and span.root.head.i != trigger.i)
    )]  # "Moscow's aerial backing": whose, not where; "the source told Xinhua": a known town's name
    # tagged as a person or organisation is a place only as the trigger's own object ("bombed Halabja")
    if not candidates:
        candidates = _home_towns(sentence, places)
    best, best_key = None, None
    for span in candidates:
        key = _place_key(span, trigger, candidates, places, group_tokens, state_tokens, harms_people)
        if best_key is None or key < best_key:
            best, best_key = span, key
    return best


def _place_key(span: Span, trigger: Token, candidates: list[Span], places: "PlaceResolver | None",
               group_tokens: frozenset[int], state_tokens: frozenset[int], harms_people: bool) -> tuple[int, int, int]:
    """How far a candidate is from being the trigger's place, by the rules (lowest wins)."""
    is_place = None if places is None else (lambda text: places.gazetteer.lookup(text, places.context, fuzzy=False) is not None)
    root = span.root
    group = 3 if any(t.i in group_tokens for t in span) and root.ent_type_ not in ("GPE", "LOC", "FAC") \
        and not _names_a_settlement(span, group_tokens) else 0
    if root.dep_ in ("compound", "nmod", "amod") and root.head.lemma_.lower() in SITE_NOUNS and any(t.i in state_tokens for t in span):
        group = 2  # "the US military base in Habbaniya": whose base, not where
    if root.dep_ in ("dobj", "nsubjpass") and root.head.i == trigger.i and not _place_noun(root) \
            and (root.ent_type_ not in ("GPE", "LOC", "FAC")
                 or (harms_people and root.ent_type_ != "LOC" and is_place is not None and not is_place(_place_text(span)))):
        group = 5  # "Zeevi was shot in a Jerusalem hotel": the one it happened to (small taggers call him a GPE)
    if root.dep_ == "dobj" and root.head.i != trigger.i and root.head.i not in {c.i for c in trigger.conjuncts} \
            and _phrase_head(root).i == root.i:
        group = max(group, 2)  # "captured a transformer in western Congo, pitching Kinshasa into darkness": another act's object
    return (_place_distance(trigger, root) + _coarseness(span, places) + _kind_penalty(span, places)
            + _naming_penalty(span, candidates, places) + _site_in_town_penalty(span, candidates, places) + group,
            _familiarity(span, places), abs(root.i - trigger.i))


def _home_towns(sentence: Span, places: "PlaceResolver | None") -> list[Span]:
    """Towns named only as whose someone is ("Dallas police shot", "a Tampa woman shot", "Moscow
    education chief Lyubov Kezina"): with no other place named, a local actor acts in its town.
    A country so named is a nationality ("U.S. special forces"), not a place."""
    if places is None:
        return []
    found = []
    for ent in sentence.ents:
        if ent.label_ != "GPE" or ent.root.dep_ not in ("compound", "poss", "nmod", "amod") or ent.root.head.pos_ not in ("NOUN", "PROPN"):
            continue
        place = places.gazetteer.lookup(_place_text(ent), places.context, fuzzy=False)
        if place is not None and not place.is_country:
            found.append(ent)
    return found


def _first_conjunct(token: Token) -> Token:
    """The first of a coordination ("Britain" in "the US and Britain"), whose role the others share."""
    while token.dep_ == "conj" and token.head.i < token.i:
        token = token.head
    return token


def _names_a_settlement(span: Span, actor_tokens: set[int] | frozenset[int]) -> bool:
    """ "The Sayidda Zaynab district", "Bama town", "the town of Al-Qarassi": a name modifying a
    settlement or region noun, or the name a settlement noun is "of", is a place whatever actor
    the name alone was resolved to (but "the Islamic State", whose
    noun is part of the actor's name, is the actor)."""
    root, noun = span.root, span.root.head
    if root.dep_ == "pobj" and noun.lower_ == "of" and noun.head.lemma_.lower() in SETTLEMENT_NOUNS - {"camp"}:
        # "the important town of Al-Qarassi" (but "Kayamla village of Konduga LGA": a named village's "of" is its container)
        named = any(c.dep_ in ("compound", "nmod") and c.pos_ == "PROPN" for c in noun.head.children)
        return noun.head.i not in actor_tokens and not named
    return root.dep_ in ("compound", "nmod", "amod") and span.end == noun.i \
        and noun.lemma_.lower() in (SETTLEMENT_NOUNS | REGION_NOUNS) - {"camp"} \
        and noun.i not in actor_tokens and noun.ent_iob_ != "I"  # "a Hamas camp": whose camp


def _large_place(span: Span, places: "PlaceResolver | None") -> bool:
    if places is None:
        return False
    place = places.gazetteer.lookup(_place_text(span), places.context, fuzzy=False)
    return place is not None and (place.is_country or place.population >= 100_000)


def _naming_penalty(span: Span, candidates: list[Span], places: "PlaceResolver | None") -> int:
    """Of two names in "X <place noun> of Y", the container loses a step. "The West Bank city of
    Nablus": a city's "of" names it, X is its region. "The Zafaraniyah district of Baghdad", "the
    Homs neighbourhood of Baba Amr": for parts of a city either order occurs, and the large known
    city is the container."""
    root = span.root
    def own_names(noun: Token) -> list[Span]:
        return [c for c in candidates if c.root.i == noun.i or (c.root.head.i == noun.i and c.root.dep_ in ("compound", "nmod", "amod"))]
    def of_names(noun: Token) -> list[Span]:
        return [c for c in candidates if c.root.dep_ == "pobj" and c.root.head.lower_ == "of" and c.root.head.head.i == noun.i]
    if root.dep_ == "pobj" and root.head.lower_ == "of":
        noun = root.head.head
        names = [c for c in own_names(noun) if c.root.i != root.i]
        if names and (_place_noun(noun) or noun.pos_ == "PROPN"):
            if noun.lemma_.lower() in CITY_NOUNS:
                return 0
            return 0 if any(_large_place(c, places) for c in names) and not _large_place(span, places) else 1
        return 0
    noun = root.head if root.dep_ in ("compound", "nmod", "amod") else root
    ofs = [c for c in of_names(noun) if c.root.i != root.i]
    if ofs and (_place_noun(noun) or noun.pos_ == "PROPN"):
        if noun.lemma_.lower() in CITY_NOUNS:
            return 1
        return 1 if _large_place(span, places) and not any(_large_place(c, places) for c in ofs) else 0
    return 0


def _site_in_town_penalty(span: Span, candidates: list[Span], places: "PlaceResolver | None") -> int:
    """ "Highland Hospital in Oakland", "the Temple of Heaven in downtown Beijing": a building or
    site named with the town it is "in" is a detail; news places the event in the town."""
    root = span.root
    head = _phrase_head(root)
    if not (head.lemma_.lower() in SITE_NOUNS or (root.ent_type_ == "FAC" and head.i == root.i)):
        return 0
    inside = {t.i for t in head.subtree} - {t.i for t in span}
    for other in candidates:
        container = other.root
        if container.i in inside and container.dep_ == "pobj" and container.head.lower_ in ("in", "at") \
                and _phrase_head(container).lemma_.lower() not in SITE_NOUNS and _familiarity(other, places) != 2:
            return 2
    return 0


def _familiarity(span: Span, places: "PlaceResolver | None") -> int:
    """Tie-break: a town or city the gazetteer knows (0) before an unknown name (1) or a country (2)."""
    if places is None:
        return 1
    place = places.gazetteer.lookup(_place_text(span), places.context, fuzzy=False)
    if place is None:
        return 1
    return 2 if place.is_country else 0


def _kind_penalty(span: Span, places: "PlaceResolver | None") -> int:
    """News places an event by its town or district: a building or street named beside one
    ("outside the Victoria Hotel in Warsaw") is a detail, and a bare name as object that is
    neither tagged nor known as a place ("shot Oudeh") is more likely a person."""
    root = span.root
    known = places is not None and places.gazetteer.lookup(_place_text(span), places.context, fuzzy=False) is not None
    head = _phrase_head(root)
    role = _first_conjunct(root)
    if role.dep_ == "pobj" and head.i == root.i and role.head.lower_ not in LOCATION_PREPOSITIONS:
        return 2  # "from Marin County", "shifted to Guantanamo Bay", "between Moscow and Washington": not where it happened
    if head.lemma_.lower() in SITE_NOUNS and root.ent_type_ in ("ORG", "PERSON", "NORP") and root.dep_ == "poss":
        return 2  # "the KNU's headquarters at Manerplaw": whose headquarters, not where
    if head.lemma_.lower() in SITE_NOUNS and (not known or root.ent_type_ in ("ORG", "PERSON")):
        return 1
    if head.lemma_.lower() in SITE_NOUNS and root.dep_ != "poss" and places is not None \
            and (place := places.gazetteer.lookup(_place_text(span), places.context, fuzzy=False)) is not None and place.is_country:
        return 2  # "the US military base in Habbaniya": whose base, not where
    if root.dep_ in ("dobj", "nsubjpass") and root.ent_type_ not in ("GPE", "LOC") and not known and head.i == root.i:
        return 5  # "Zeevi was shot in a Jerusalem hotel": the one it happened to
    return 0


def _object_places(token: Token, places: "PlaceResolver") -> list[tuple[GeoMatch | None, str, list[Token]]]:
    """Places among the parsed objects: "took X", "the towns of X and Y, which they recaptured"."""
    names: list[Token] = []
    for obj in _objects(token):
        if obj.pos_ == "PROPN":
            names.append(obj)
        names.extend(x for c in obj.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children if x.dep_ == "pobj")
    names = list(dict.fromkeys(n for name in names for n in (name, *name.conjuncts) if n.pos_ == "PROPN"))
    out = []
    for name in names:
        span = _entity_span(name)
        if name.ent_type_ in ("PERSON", "ORG", "NORP") and name.dep_ != "conj":
            continue  # "captured Saddam": a person taken, not a place (but "Nubul and Zahraa" are both places)
        out.append((places.lookup_run(list(span)), span.text, list(span)))
    # "the towns of Nubul and Zahraa": a coordinated name the gazetteer lacks is placed in the region
    # of the known one it is listed with (precision 3), as places named together are neighbours.
    known = next((m for m, _, _ in out if m is not None), None)
    if known is not None:
        out = [(m if m is not None else GeoMatch(known.place, text, 3, known.admin1), text, toks) for m, text, toks in out]
    return out


# --- Choosing among the places a sentence names ------------------------------------------------
# The rules above pick one place per event; a learned ranker (transforms/place_ranker.py) then
# weighs every place-like name of the sentence, the rules' choice among them, and picks one.

SURE_PLACE_SCORE = -0.5
"""A ranker score above which its pick needs no other evidence of being a place, where the rules
found none (set by cross-validation on the tune half: it adds right places, and few on news
that names none)."""
MATERIAL_QUAD_CLASSES = frozenset([2, 4])
"""Events the ranker places: material cooperation and conflict, which happen somewhere. A verbal
event's place is the rules' (news rarely says where a demand or a denial was made)."""
RANKED_DEPS = frozenset("pobj dobj nsubj nsubjpass compound poss appos conj npadvmod nmod amod attr ROOT".split())
RANKED_PREPOSITIONS = frozenset("in at near on from to of into outside across around inside between by for against with".split())
RANKED_ENTITY_LABELS = frozenset(["GPE", "LOC", "FAC", "PERSON", "ORG", "NORP", ""])
RANKED_EVENT_TYPES = frozenset(["ASSAULT", "PROTEST", "COERCE", "MOBILIZE", "RETREAT"])
SAYING_LEMMAS = frozenset("say tell report add state announce confirm".split())
CONTEXT_WORDS = {**{w: w for w in "of in at near the province city town village district region state county area "
                                     "governorate capital from to on and".split()},
                 ",": "comma", "'s": "possessive", "(": "bracket", "-": "hyphen"}
"""Words beside a candidate place that tell what it is, with names fit for a feature."""


def ranked_place_candidates(sentence: Span, is_place: Callable[[str], bool] | None) -> tuple[list[Span], set[tuple[int, int]]]:
    """The rules' place candidates, then every other run of proper names and every capitalised
    adjective ("the Srisakorn district" tagged ADJ): small models miss or mislabel many place
    names, and the ranker can weigh a name the rules never consider. Also returns which spans
    the rules themselves proposed."""
    candidates = place_candidates(sentence, is_place)
    proposed = {(c.start, c.end) for c in candidates}
    doc = sentence.doc

    def covered(i: int) -> bool:
        return any(c.start <= i < c.end for c in candidates)

    for run in _proper_noun_runs([t for t in sentence if not (t.i == sentence.start and t.pos_ != "PROPN")]):
        if any(t.ent_type_ in NOT_PLACE_LABELS or _is_clock_word(t) for t in run):
            continue  # "Sunday", "10 P.M.": a time, not a place
        if not any(covered(t.i) for t in run):
            candidates.append(doc[run[0].i : run[-1].i + 1])
    for t in sentence:
        if t.pos_ == "ADJ" and t.is_title and t.i > sentence.start and t.ent_type_ in ("NORP", "GPE", "LOC", "") and not covered(t.i):
            candidates.append(doc[t.i : t.i + 1])
    return sorted(candidates, key=lambda c: c.start), proposed


def _dependency_path(trigger: Token, target: Token) -> str:
    """The arcs up from the trigger and down to the candidate ("prep_in>pobj"), at most four,
    with the preposition on a "prep" arc: how the sentence ties the place to the event."""
    up = [trigger, *trigger.ancestors]
    depth = {t.i: n for n, t in enumerate(up)}
    down = []
    node = target
    while node.i not in depth and len(down) < 6:
        down.append(f"{node.dep_}_{node.lower_}" if node.dep_ == "prep" else node.dep_)
        if node.head.i == node.i:
            break
        node = node.head
    if node.i not in depth:
        return "far"
    arcs = ["^" + t.dep_ for t in up[: depth[node.i]]] + down[::-1]
    return ">".join(arcs) if len(arcs) <= 4 else "long"


def _governing_verb(token: Token) -> Token:
    while token.head.i != token.i and token.pos_ not in ("VERB", "AUX"):
        token = token.head
    return token


def place_features(event: Event, span: Span, candidates: list[Span], proposed: set[tuple[int, int]],
                   town_populations: list[int], places: PlaceResolver, actor_tokens: "ActorTokens") -> dict[str, float]:
    """What the ranker knows of one candidate place of one event: the rules' own measures and
    choice, the candidate's role, preposition, entity label and gazetteer entry, and where it
    stands beside the trigger and the other candidates (``town_populations``: of the candidates
    the gazetteer knows as towns)."""
    trigger, root = event.trigger, span.root
    role = _first_conjunct(root)
    head = _phrase_head(root)
    chosen = {t.i for t in event.place_tokens}
    excluded = _actor_tokens(event.source, event.target)
    place = places.gazetteer.lookup(_place_text(span), places.context, fuzzy=False)
    distance = _place_distance(trigger, root)
    familiarity = _familiarity(span, places)
    f: dict[str, float] = {
        "rule_choice": float(any(t.i in chosen for t in span)),
        "rule_none": float(not chosen),
        "extra": float((span.start, span.end) not in proposed),
        "place_distance": min(distance, 12) / 4,
        f"place_distance__{distance}": 1.0,
        "tree_distance": min(_tree_distance(trigger, root), 12) / 4,
        "coarseness": _coarseness(span, places),
        "kind_penalty": _kind_penalty(span, places),
        "naming_penalty": _naming_penalty(span, candidates, places),
        "site_penalty": _site_in_town_penalty(span, candidates, places),
        f"familiarity__{familiarity}": 1.0,
        "actor": float(any(t.i in excluded for t in span) and not _names_a_settlement(span, excluded)),
        "group": float(any(t.i in actor_tokens.groups for t in span)),
        "state": float(any(t.i in actor_tokens.states for t in span)),
        "names_settlement": float(_names_a_settlement(span, actor_tokens.groups)),
        f"dep__{role.dep_ if role.dep_ in RANKED_DEPS else 'other'}": 1.0,
        "conjunct": float(root.dep_ == "conj"),
        f"pos__{root.pos_}": 1.0,
        "not_place_label": float(any(t.ent_type_ in NOT_PLACE_LABELS for t in span)),
        "modifies_other_noun": float(root.dep_ in ("compound", "amod", "nmod") and root.head.pos_ == "NOUN" and not _place_noun(root.head)),
        f"entity__{root.ent_type_ if root.ent_type_ in RANKED_ENTITY_LABELS else 'other'}": 1.0,
        "before_trigger": float(root.i < trigger.i),
        "text_distance": math.log1p(abs(root.i - trigger.i)) / 2,
        "under_trigger": float(trigger in root.ancestors),
        "bare_name": float(head.i == root.i),
        "head_settlement": float(head.lemma_.lower() in SETTLEMENT_NOUNS),
        "head_region": float(head.lemma_.lower() in REGION_NOUNS),
        "head_site": float(head.lemma_.lower() in SITE_NOUNS),
        "head_near": float(head.lemma_.lower() in NEAR_NOUNS),
        "before_region_noun": float(span.end < len(span.doc) and span.doc[span.end].lemma_.lower() in REGION_NOUNS),
        "known": float(place is not None),
        "country": float(place is not None and place.is_country),
        "population": math.log10(place.population + 1) / 6 if place is not None and not place.is_country else 0.0,
        "in_context_country": float(place is not None and place.country_iso3 == places.context),
        "candidates": math.log(len(candidates)),
        "single": float(len(candidates) == 1),
        "trigger_noun": float(trigger.pos_ in ("NOUN", "PROPN")),
        "harms_people": float(event.rule.harms_people),
        "in_quote": float(event.in_quote),
        "nearest_in_text": float(min(candidates, key=lambda c: abs(c.root.i - trigger.i)).start == span.start),
        "first_in_sentence": float(candidates[0].start == span.start),
        "length": min(len(span), 5) / 5,
        "sentence_start": float(span.start == span.sent.start),
        "sentence_position": (root.i - span.sent.start) / max(1, len(span.sent)),
    }
    if event.rule.event_type in RANKED_EVENT_TYPES:
        f[f"type__{event.rule.event_type}"] = 1.0
    if role.dep_ == "pobj":
        preposition, governor = role.head.lower_, role.head.head
        f[f"preposition__{preposition if preposition in RANKED_PREPOSITIONS else 'other'}"] = 1.0
        f["preposition_of_trigger"] = float(governor.i == trigger.i)
        f["preposition_of_verb"] = float(governor.pos_ in ("VERB", "AUX"))
        f["preposition_of_place_noun"] = float(_place_noun(governor))
        f["preposition_of_noun"] = float(governor.pos_ in ("NOUN", "PROPN"))
        f["preposition_of_direction"] = float(governor.lower_ in DIRECTION_WORDS)
    if role.dep_ in ("dobj", "nsubjpass", "nsubj"):
        f["argument_of_trigger"] = float(role.head.i == trigger.i)
    verb = _governing_verb(root)
    f["governed_by_trigger"] = float(verb.i == trigger.i)
    f["governed_by_conjunct"] = float(verb.i in {c.i for c in trigger.conjuncts})
    f["governed_by_saying"] = float(verb.lemma_.lower() in SAYING_LEMMAS)
    f[f"path__{_dependency_path(trigger, root)}"] = 1.0
    before = span.doc[span.start - 1] if span.start > span.sent.start else None
    after = span.doc[span.end] if span.end < span.sent.end else None
    f[f"word_before__{CONTEXT_WORDS.get(before.lower_, 'other') if before is not None else 'none'}"] = 1.0
    f[f"word_after__{CONTEXT_WORDS.get(after.lower_, 'other') if after is not None else 'none'}"] = 1.0
    low, high = sorted((trigger.i, root.i))
    between = span.doc[low + 1 : high]
    f["commas_between"] = min(sum(t.text == "," for t in between), 4) / 4
    f["verbs_between"] = min(sum(t.pos_ == "VERB" for t in between), 4) / 4
    f["saying_between"] = float(any(t.lemma_.lower() in SAYING_LEMMAS for t in between))
    if place is not None and not place.is_country and len(town_populations) > 1:
        f["largest_town"] = float(place.population >= max(town_populations))
        f["smallest_town"] = float(place.population <= min(town_populations))
    others = [o.root for o in candidates if o.root.i != root.i]
    f["contains_other"] = float(any(root in o.ancestors and _tree_distance(root, o) <= 3 for o in others))
    f["inside_other"] = float(any(o in root.ancestors and _tree_distance(root, o) <= 3 for o in others))
    return f


@dataclass(frozen=True)
class ActorTokens:
    """Token indices of a document's actor mentions that are groups (not states or people), of
    states, of people, and of every actor but states."""

    groups: frozenset[int]
    states: frozenset[int]
    people: frozenset[int]
    not_states: frozenset[int]

    @classmethod
    def of(cls, actors: DocumentActors) -> "ActorTokens":
        def tokens(keep: Callable[[str], bool]) -> frozenset[int]:
            return frozenset(i for m in actors.mentions if keep(actors.actors[m.actor_id].actor_type)
                             for i in range(m.token_start, m.token_end))
        return cls(tokens(lambda kind: kind not in ("state", "person", "other")), tokens(lambda kind: kind == "state"),
                   tokens(lambda kind: kind == "person"), tokens(lambda kind: kind != "state"))


@dataclass
class PlaceChoice:
    """One event's candidate places and their feature rows, for the ranker or for training it."""

    event: Event
    candidates: list[Span]
    features: list[dict[str, float]]


def place_choices(events: list[Event], actors: DocumentActors, places: PlaceResolver,
                  actor_tokens: ActorTokens | None = None) -> list[PlaceChoice]:
    """Candidates and features for every event the ranker may re-place. Events of taking a
    place ("captured Nubl and Zahraa": one event per place taken) keep the places they took."""
    per_trigger = collections.Counter(e.trigger.i for e in events)
    actor_tokens = actor_tokens or ActorTokens.of(actors)
    is_place = lambda text: places.gazetteer.lookup(text, places.context, fuzzy=False) is not None
    by_sentence: dict[int, tuple[list[Span], set[tuple[int, int]]]] = {}
    choices = []
    for e in events:
        if per_trigger[e.trigger.i] > 1 or e.place_taken or e.plover.quad_class not in MATERIAL_QUAD_CLASSES:
            continue
        sentence = e.trigger.sent
        if sentence.start not in by_sentence:
            by_sentence[sentence.start] = ranked_place_candidates(sentence, is_place)
        candidates, proposed = by_sentence[sentence.start]
        chosen = {t.i for t in e.place_tokens}
        if chosen and not any(t.i in chosen for c in candidates for t in c):
            candidates = sorted([*candidates, e.sentence.doc[min(chosen) : max(chosen) + 1]], key=lambda c: c.start)
        # Who did it, and whom it was aimed at, are not where it happened ("sanctions on Iran"), and
        # a person is nowhere ("Amadou Diallo, who was shot").
        not_here = _actor_tokens(e.source, _aimed_at(e.target, e.rule, actors)) | actor_tokens.people
        candidates = [c for c in candidates if any(t.i in chosen for t in c)
                      or not any(t.i in not_here for t in c) or _names_a_settlement(c, not_here)]
        if not candidates:
            continue
        towns = [p.population for c in candidates
                 if (p := places.gazetteer.lookup(_place_text(c), places.context, fuzzy=False)) is not None and not p.is_country]
        choices.append(PlaceChoice(e, candidates, [place_features(e, c, candidates, proposed, towns, places, actor_tokens)
                                                   for c in candidates]))
    return choices


def _never_a_place(span: Span, match: GeoMatch | None, not_places: frozenset[int]) -> bool:
    """A person's or group's name, a nationality ("Americans", "Syrian", "a Guinea immigrant"), a
    description ("a former Miss Universe"), a subject ("Mexico said"), a modifier of another noun
    ("the Federal mine", "Police Shooting"; but a town or region so tagged, "Nangarhar
    residents", is their home) or a headline's capitals."""
    root, role = span.root, _first_conjunct(span.root)
    home = root.dep_ in ("compound", "nmod") and root.ent_type_ in ("GPE", "LOC") and not (match is not None and match.place.is_country)
    return any(t.i in not_places for t in span) or root.pos_ == "ADJ" or root.tag_ == "NNPS" or span.text.isupper() \
        or role.dep_ == "nsubj" or any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in root.children) \
        or (root.dep_ in ("compound", "amod", "nmod", "npadvmod") and not _place_noun(root.head) and not home)


def _evidently_a_place(span: Span, match: GeoMatch | None, trigger: Token, event_type: str, context_iso3: str | None) -> bool:
    """Named as a settlement ("Bama Town"); tagged as a place; after a locative preposition ("in
    Kafr Sousah"); a town the gazetteer knows in the document's country, or a large one not
    tagged as a person or organisation ("Stoltenberg" is also a German village); the end or start
    of a move ("close to Jaffna"); a part "of" it ("the eastern part of Aleppo"); or what an
    attack, arrest, deployment or protest acts on ("stormed Tall Kurdi")."""
    root, role = span.root, _first_conjunct(span.root)
    if _names_a_settlement(span, frozenset()) or root.ent_type_ in ("GPE", "LOC", "FAC") \
            or (role.dep_ == "pobj" and role.head.lower_ in LOCATION_PREPOSITIONS):
        return True
    in_context = match is not None and match.place.country_iso3 == context_iso3
    known = match is not None and (in_context or ((match.place.is_country or match.place.population >= 10_000)
                                                  and root.ent_type_ not in ("PERSON", "ORG", "NORP")))
    governor = role.head.head if role.dep_ == "pobj" else None
    moved = governor is not None and role.head.lower_ in MOTION_PREPOSITIONS \
        and (governor.pos_ in ("VERB", "ADV", "ADJ") or _place_noun(governor))
    part_of = governor is not None and role.head.lower_ == "of" and (_place_noun(governor) or governor.lower_ in DIRECTION_WORDS)
    acted_on = role.dep_ in ("dobj", "nsubjpass") and role.head.i == trigger.i and root.pos_ == "PROPN" \
        and event_type in PLACED_BY_TARGET
    return known or moved or part_of or acted_on


def _geocode_pick(span: Span, places: PlaceResolver) -> tuple[Span, GeoMatch | None]:
    """The phrase and gazetteer match of a ranker's pick. A named site ("the Yarmouk Hospital in
    western Baghdad") is the site's whole name, placed by the town it is in and never by a town
    of the same name elsewhere."""
    doc, head = span.doc, _phrase_head(span.root)
    if head.i > span.root.i and head.lemma_.lower() in SITE_NOUNS:
        site = doc[span.start : head.i + 1]
        inside = places.locate_in_phrase(list(doc[head.i + 1 : min(head.i + 9, span.sent.end)]))
        return site, GeoMatch(inside.place, _place_text(site), max(2, inside.precision), inside.admin1) if inside else None
    window = list(doc[span.end : min(span.end + 8, span.sent.end)])
    return span, places.lookup_run(list(span)) or places.resolve(span.root) or places.locate_in_phrase(window)


def choose_places(events: list[Event], actors: DocumentActors, actor_tokens: ActorTokens, places: PlaceResolver,
                  ranker: "PlaceRanker") -> None:
    """Re-place each event at the candidate the ranker scores best (all of a document's
    candidates are scored in one call)."""
    choices = place_choices(events, actors, places, actor_tokens)
    if not choices:
        return
    scores = ranker.scores([row for choice in choices for row in choice.features])
    at = 0
    for choice in choices:
        own = scores[at : at + len(choice.candidates)]
        at += len(choice.candidates)
        e = choice.event
        chosen = {t.i for t in e.place_tokens}
        best = choice.candidates[max(range(len(own)), key=lambda k: (own[k], -k))]
        if any(t.i in chosen for t in best):
            continue  # the rules' own choice: its text and match stand
        phrase, match = _geocode_pick(best, places)
        text = _place_text(phrase)
        if not chosen and (_never_a_place(best, match, actor_tokens.not_states) or not (
                max(own) > SURE_PLACE_SCORE or _evidently_a_place(best, match, e.trigger, e.rule.event_type, places.context))):
            continue  # the ranker learnt from sentences that all name a place; this one may name none
        if match is not None and best.end < len(best.doc) and best.doc[best.end].lemma_.lower() in REGION_NOUNS:
            match = GeoMatch(match.place, text, 3, text)  # "the western Anbar province": the region, by its namesake
        else:
            match = _as_written(match, text)
        e.location, e.location_text, e.place_tokens = match, text, list(phrase)


def _trigger_text(token: Token, rule: TriggerRule) -> str:
    if rule.particle:
        words = rule.particle.lower().split()
        extra = [c for c in token.children if c.lower_ in words]
        extra += [token.doc[token.i - 1]] if token.i > 0 and token.doc[token.i - 1].lower_ in words else []
        tokens = sorted({token, *extra}, key=lambda t: t.i)
        return " ".join(t.text for t in tokens)
    return token.text


def _compound_mentions(first: Mention | None, head: Token | None, actors: DocumentActors, trigger: Token) -> list[Mention]:
    """All actors of a coordinated phrase ("Syrian and Russian forces", "Iran and Iraq"), in text order."""
    if first is None:
        return []
    found = [first]
    if head is not None:
        for conj in head.conjuncts:
            mention = _mention_for(conj, actors, trigger)
            if mention is not None:
                found.append(mention)
        for t in head.subtree:
            if t.dep_ in ("amod", "compound") and t.head.i == head.i:
                found.extend(m for c in [t, *t.conjuncts] if (m := actors.mention_at(c)) is not None)
    unique: dict[str, Mention] = {}
    for m in sorted(found, key=lambda m: m.token_start):
        unique.setdefault(m.actor_id, m)
    ordered = list(unique.values())
    ordered.remove(unique[first.actor_id])
    return [first, *ordered]


def _mention_for(token: Token | None, actors: DocumentActors, trigger: Token) -> Mention | None:
    if token is None:
        return None
    if token.lower_ in ("they", "it", "which", "who", "that") or token.pos_ == "PRON":
        # A pronoun subject: the nearest group actor named before it in the sentence.
        sent = token.sent
        earlier = [m for m in actors.mentions if sent.start <= m.token_start < token.i
                   and actors.actors[m.actor_id].actor_type != "person"]
        if token.lower_ in ("he", "she"):
            earlier = [m for m in actors.mentions if m.token_start < token.i
                       and actors.actors[m.actor_id].actor_type == "person"]
        return earlier[-1] if earlier else None
    direct = actors.mention_at(token)
    if direct is not None:
        return direct
    core = [t for t in _core_phrase(token) if t.i != trigger.i]
    return actors.mention_in(core)


def _objects_and_subject(token: Token) -> list[Token]:
    """What a verb acts on, and its subject ("a car bomb exploded": the bomb is the explosion)."""
    return _objects(token) + [c for c in token.children if c.dep_ == "nsubj"]


def _finite_acl(verb: Token) -> bool:
    """ "A hand grenade detonated Thursday": small parsers attach a finite main verb to its
    subject as a modifier; a past-tense or present-tense form is not a participle, and a
    sentence whose root is the noun has no other main verb."""
    if verb.dep_ != "acl":
        return False
    if verb.tag_ in ("VBD", "VBZ", "VBP") or verb.head.dep_ == "ROOT":
        return True
    # "In Waziristan, a bomb detonated on Sunday": a past form right after a noun that no verb or
    # preposition governs, with no "by" agent, is the sentence's verb tagged as a participle.
    return verb.tag_ == "VBN" and verb.i == verb.head.i + 1 and verb.head.dep_ in ("appos", "nsubj") \
        and not any(c.dep_ == "agent" for c in verb.children)


def _drop_nested_duplicates(events: list[Event]) -> list[Event]:
    """A noun trigger that is the object of a verb trigger of the same type is the same event."""
    def reported(e: Event) -> list[Token]:
        return _objects_and_subject(e.trigger) + ([e.event_noun] if e.event_noun is not None else [])
    verb_objects = {(e.rule.event_type, o.i) for e in events if e.trigger.pos_ == "VERB" for o in reported(e)}
    noun_triggers = {(e.rule.event_type, e.trigger.i) for e in events if e.trigger.pos_ == "NOUN"}
    verb_sub_type = {o.i: e.acled_sub_event_type for e in events if e.trigger.pos_ == "VERB" for o in reported(e)}
    finite_verb_heads = {(e.rule.event_type, e.trigger.head.i) for e in events if e.trigger.pos_ == "VERB" and _finite_acl(e.trigger)}
    restating = {e.trigger.head.i: e for e in events if e.trigger.pos_ == "VERB" and e.trigger.dep_ in ("acl", "relcl")
                 and (e.rule.event_type, e.trigger.head.i) in noun_triggers and not _finite_acl(e.trigger)
                 and e.trigger.tag_ != "VB"}  # "an attack to capture the positions": a purpose, not the attack
    folded: set[int] = set()
    kept = []
    for e in events:
        if e.trigger.pos_ == "NOUN" and (e.rule.event_type, e.trigger.i) in verb_objects \
                and not (e.acled_sub_event_type in MEANS_SUB_TYPES and verb_sub_type.get(e.trigger.i) != e.acled_sub_event_type):
            continue  # "launched attacks": the verb's event already says it (but "killed in an airstrike" says how)
        if e.trigger.pos_ == "NOUN" and restating.get(e.trigger.i) is not None and restating[e.trigger.i].rule.event_type == e.rule.event_type:
            _fold_noun_into_verb(e, restating[e.trigger.i])
            folded.add(e.trigger.i)
            continue  # "an attack that targeted …", "airstrikes targeting …": one event, reported by the verb
        if e.trigger.dep_ in ("acl", "relcl") and (e.rule.event_type, e.trigger.head.i) in noun_triggers \
                and not _finite_acl(e.trigger) and e.trigger.head.i not in folded:
            continue  # "an attack to capture …", "launched an attack that targeted …": another trigger already says it
        if e.trigger.pos_ == "NOUN" and (e.rule.event_type, e.trigger.i) in finite_verb_heads \
                and not e.acled_sub_event_type in MEANS_SUB_TYPES:
            continue  # "a car bomb detonated …" parsed as a modifier: the verb reports it
        if e.trigger.pos_ == "NOUN" and e.source is None and e.target is None and e.plover.quad_class != 4:
            continue  # "more support", "the criticism": a word, not a report of who did what to whom
        kept.append(e)
    return kept


def _fold_noun_into_verb(noun: Event, verb: Event) -> None:
    """The verb of a clause describing an event noun reports that event, like a verb of doing
    ("launched an attack"): the noun types it when its rule is the surer one, and gives what
    the verb does not say (its source, target and place)."""
    verb.event_noun = noun.trigger
    if noun.rule.confidence >= verb.rule.confidence:
        verb.rule, verb.plover, verb.acled_sub_event_type = noun.rule, noun.plover, noun.acled_sub_event_type
    verb.confidence = max(verb.confidence, noun.confidence)
    if verb.source is None and noun.source is not None:
        verb.source, verb.sources = noun.source, noun.sources
    if verb.target is None and noun.target is not None:
        verb.target, verb.targets = noun.target, noun.targets
    if verb.location_text is None and noun.location_text is not None:
        verb.location, verb.location_text, verb.place_tokens = noun.location, noun.location_text, noun.place_tokens


# --- ACLED sub-event types from context -------------------------------------------------------
# ACLED codes an event by who acted on whom and with what, which the trigger word alone cannot
# show. These rules follow the ACLED codebook's distinctions and apply to whole classes of cases.

PROTEST_SUB_TYPES = frozenset(["Peaceful protest", "Protest with intervention", "Excessive force against protesters",
                               "Violent demonstration"])
MEANS_SUB_TYPES = frozenset(["Air/drone strike", "Shelling/artillery/missile attack", "Chemical weapon", "Suicide bomb",
                             "Remote explosive/landmine/IED", "Grenade"])
GENERIC_VIOLENCE = frozenset(["Armed clash", "Attack"])
WEAPON_NOUNS = frozenset(
    "weapon arm ammunition ammo bullet cartridge grenade bomb explosive device ied mine landmine cache arsenal rocket "
    "mortar missile rifle pistol gun firearm shell munition detonator launcher vest".split()
)
DISRUPT_LEMMAS = frozenset(
    "find discover seize confiscate defuse capture recover intercept dismantle destroy unearth uncover identify "
    "neutralise neutralize detect locate impound".split()
)
CROWD_NOUNS = frozenset("protester protestor demonstrator rioter marcher crowd youth student activist".split())
PROTEST_NOUNS = frozenset("protest demonstration rally march sit-in".split())
MOB_NOUNS = frozenset("mob villager resident vigilante crowd youth".split())
ARMED_NOUNS = frozenset(
    "soldier troop trooper army force militant terrorist rebel fighter insurgent gunman police policeman officer "
    "gendarme guard patrol base position checkpoint outpost convoy post camp militia jihadist serviceman".split()
)
EQUIPMENT_NOUNS = frozenset("gear shield squad unit control vehicle helmet".split())
AIRCRAFT_NOUNS = frozenset("warplane jet aircraft drone helicopter warplanes plane uav airforce gunship".split())
CONFLICT_PARTY_WORDS = frozenset("rebel insurgent militant militia guerrilla taliban peace ceasefire truce prisoner armistice".split())
INSTRUMENT_SUB_TYPES = {
    **dict.fromkeys("gas chemical chlorine sarin toxin agent mustard".split(), "Chemical weapon"),
    **dict.fromkeys("grenade".split(), "Grenade"),
    **dict.fromkeys("rocket mortar missile shell artillery".split(), "Shelling/artillery/missile attack"),
    **dict.fromkeys("bomb explosive ied".split(), "Remote explosive/landmine/IED"),
}
"""The weapon an attack was made "with" decides its ACLED means ("attacked with poisonous gas")."""
CIVILIAN_PLACES_AND_PEOPLE = frozenset(
    "civilian people resident villager student worshipper shopper passenger child woman man family school college "
    "campus university hospital clinic church mosque temple market shop bar restaurant hotel home house wedding "
    "funeral bus village center centre office".split()
)
ACCIDENT_NOUNS = frozenset(
    "earthquake quake accident crash collision flood landslide mudslide storm cyclone hurricane tornado derailment "
    "stampede lightning avalanche eruption leak".split()
)
VIOLENT_MANNER = frozenset("violently brutally violent brutal deadly bloody lethal".split())


def _sub_type_lemmas(token: Token) -> set[str]:
    """Lemmas of a trigger's objects and of what they are "of" ("scores of terrorists")."""
    out = set()
    for obj in _objects_and_contents(token) + [c for c in token.children if c.dep_ == "prep" and c.lower_ in ("on", "against")
                                   for c in c.children if c.dep_ == "pobj"]:
        out.add(obj.lemma_.lower())
        out.update(x.lemma_.lower() for c in obj.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children)
        out.update(c.lemma_.lower() for c in obj.children if c.dep_ == "compound")
    return out


def _subject_lemmas(token: Token) -> set[str]:
    subject = _noun_source(token) if token.pos_ in ("NOUN", "PROPN") else _subject(token)
    if subject is None:
        return set()
    return {subject.lemma_.lower(), *(c.lemma_.lower() for c in subject.children if c.dep_ in ("compound", "amod"))}


def _is_disrupted_weapon(e: Event) -> bool:
    """A weapon named as what was found, seized or defused ("grenades were found") is not an explosion."""
    t = e.trigger
    if t.pos_ not in ("NOUN", "PROPN") or e.acled_sub_event_type not in MEANS_SUB_TYPES:
        return False
    heads = [t.head, t.head.head] if t.dep_ in ("pobj", "conj", "compound") else [t.head]
    if any(h.lemma_.lower() in DISRUPT_LEMMAS and h.pos_ == "VERB" for h in heads):
        return True
    return any(c.dep_ in ("acl", "relcl") and c.lemma_.lower() in DISRUPT_LEMMAS for c in t.children)


def _recode(e: Event, sub_type: str | None) -> None:
    e.acled_sub_event_type = sub_type


def refine_acled(events: list[Event], actors: DocumentActors) -> list[Event]:
    """Sub-event types from the sentence around each event: the means used, who was hit, whether a
    protest turned violent or met force, and whether it was violence at all."""
    kept = [e for e in events if not _is_disrupted_weapon(e)]
    by_sentence: dict[int, list[Event]] = {}
    for e in kept:
        by_sentence.setdefault(e.sentence_index, []).append(e)
    for index, group in by_sentence.items():
        lemmas = {t.lemma_.lower() for i in (index - 1, index, index + 1) for e in by_sentence.get(i, [])[:1]
                  for t in e.sentence if t.pos_ == "NOUN"}
        for e in group:
            _refine_target(e, actors)
            if e.rule.event_type == "ASSAULT" and e.source is None and lemmas & ACCIDENT_NOUNS \
                    and e.acled_sub_event_type not in MEANS_SUB_TYPES - {"Remote explosive/landmine/IED"}:
                _recode(e, None)  # "killed in an earthquake", "a crash and explosion": not political violence
                e.confidence = round(e.confidence * 0.5, 3)
            elif e.rule.lemma in ("explode", "explosion", "blast") and e.source is None \
                    and not (_subject_lemmas(e.trigger) | lemmas) & WEAPON_NOUNS:
                _recode(e, None)  # "a storage container exploded"
                e.confidence = round(e.confidence * 0.5, 3)
        means = [e for e in group if e.acled_sub_event_type in MEANS_SUB_TYPES and e.modality == "asserted"]
        if means:
            best = max(means, key=lambda e: e.confidence)
            for e in group:
                if e.rule.event_type == "ASSAULT" and (e.acled_sub_event_type in GENERIC_VIOLENCE or e.acled_sub_event_type is None) \
                        and e.rule.event_mode not in ("capture", "abduct", "sexual", "property"):
                    _recode(e, best.acled_sub_event_type)  # "killed in an airstrike": the strike's means
    for index, group in by_sentence.items():
        window = [e for i in (index - 1, index, index + 1) for e in by_sentence.get(i, [])]
        _refine_protest(group, window)
    return kept


def _refine_target(e: Event, actors: DocumentActors) -> None:
    """Armed clash when armed actors are hit, Attack when civilians or civilian places are; mob
    violence when a crowd attacks outside a protest; territory retaken from an armed group."""
    objects = {x for t in e.described_by for x in _sub_type_lemmas(t)}
    subjects = _subject_lemmas(e.trigger)
    sub = e.acled_sub_event_type
    if sub == "Attack" and objects & ARMED_NOUNS and not objects & CIVILIAN_PLACES_AND_PEOPLE:
        _recode(e, "Armed clash")
    elif sub == "Armed clash" and objects & CIVILIAN_PLACES_AND_PEOPLE and not objects & ARMED_NOUNS:
        _recode(e, "Attack")
    if e.acled_sub_event_type in GENERIC_VIOLENCE and subjects & MOB_NOUNS:
        _recode(e, "Mob violence")
    elif e.acled_sub_event_type in GENERIC_VIOLENCE and subjects & CROWD_NOUNS:
        _recode(e, "Violent demonstration")  # "rioters clashed with troops"
    if e.rule.event_type in ("AGREE", "RETREAT") and e.acled_sub_event_type is None and e.modality == "asserted" \
            and e.rule.event_mode in (None, "ceasefire", "release", "meet"):
        words = {t.lemma_.lower() for t in e.sentence}
        if words & CONFLICT_PARTY_WORDS or any(actors.actors[m.actor_id].actor_type == "armed_group"
                                               for m in actors.mentions if e.sentence.start <= m.token_start < e.sentence.end):
            _recode(e, "Agreement")  # an agreement between the parties to a conflict
    if e.rule.event_type == "ASSAULT" and e.rule.event_mode not in ("capture", "abduct", "sexual", "property"):
        instruments = {x.lemma_.lower() for t in e.described_by for c in t.children if c.dep_ == "prep" and c.lower_ == "with"
                       for x in c.children if x.dep_ == "pobj"}
        means = [INSTRUMENT_SUB_TYPES[i] for i in sorted(instruments) if i in INSTRUMENT_SUB_TYPES]
        if means and e.acled_sub_event_type not in MEANS_SUB_TYPES - {"Remote explosive/landmine/IED"}:
            _recode(e, means[0])
        if subjects & AIRCRAFT_NOUNS and (e.acled_sub_event_type in MEANS_SUB_TYPES | GENERIC_VIOLENCE or e.acled_sub_event_type is None):
            _recode(e, "Air/drone strike")  # "warplanes fired a missile": fired from the air
    if e.acled_sub_event_type == "Non-state actor overtakes territory":
        losers = [m for m in (e.target,) if m is not None]
        froms = [x for c in e.trigger.children if c.dep_ == "prep" and c.lower_ == "from" for x in c.children if x.dep_ == "pobj"]
        losers += [m for x in froms if (m := _mention_for(x, actors, e.trigger)) is not None]
        if any(actors.actors[m.actor_id].actor_type == "armed_group" for m in losers):
            _recode(e, "Government regains territory")


def _refine_protest(group: list[Event], window: list[Event]) -> None:
    """One protest, one ACLED type: violent protesters make it a violent demonstration; lethal or
    violent force against peaceful protesters, excessive force; any other intervention (tear gas,
    dispersal, arrests), protest with intervention."""
    protest = [e for e in window if e.rule.event_type == "PROTEST" or e.acled_sub_event_type in PROTEST_SUB_TYPES]
    if not protest:
        return
    def crowd_acts(e: Event) -> bool:
        return bool(_subject_lemmas(e.trigger) & CROWD_NOUNS) and e.rule.event_type in ("ASSAULT", "PROTEST") \
            and e.rule.event_mode not in (None, "demo", "strike", "obstruct", "hunger", "boycott")
    def crowd_hit(e: Event) -> bool:
        lemmas = {x for t in e.described_by for x in _sub_type_lemmas(t)}
        return e.rule.event_type in ("ASSAULT", "COERCE") and bool(lemmas & (CROWD_NOUNS | PROTEST_NOUNS)) and (
            e.rule.event_type == "ASSAULT" or any(c.lower_ in VIOLENT_MANNER for t in e.described_by for c in t.children))
    def property_damage(e: Event) -> bool:
        return e.rule.event_mode == "property" and (e.source is None or actors_of_crowd(e))
    def actors_of_crowd(e: Event) -> bool:
        return bool(_subject_lemmas(e.trigger) & CROWD_NOUNS)
    violent = any(e.acled_sub_event_type == "Violent demonstration" or crowd_acts(e) or property_damage(e) for e in window)
    excessive = any(e.acled_sub_event_type == "Excessive force against protesters" or crowd_hit(e) for e in window)
    intervention = any(e.acled_sub_event_type in ("Protest with intervention", "Arrests") for e in window)
    if violent:
        label = "Violent demonstration"
    elif excessive:
        label = "Excessive force against protesters"
    elif intervention:
        label = "Protest with intervention"
    else:
        label = "Peaceful protest"
    for e in group:
        if e.acled_sub_event_type == "Mob violence":
            continue
        if e.acled_sub_event_type in PROTEST_SUB_TYPES | {"Arrests"} or crowd_hit(e) or crowd_acts(e) or property_damage(e):
            _recode(e, label)
