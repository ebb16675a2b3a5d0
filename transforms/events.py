"""Events from parsed sentences: a lexicon trigger, who did it to whom, where, when, and whether it happened.

The trigger lexicon (``lexicons/event_triggers.csv``) maps a lemma, optionally constrained by a
particle or compound modifier ("cut off", "air strike") and by its object's lemma ("launch an
attack", "take the town"), to a PLOVER type and mode with CAMEO and ACLED crosswalks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from spacy.tokens import Doc, Span, Token

from transforms.actors import DocumentActors, Mention
from transforms.dates import ResolvedDate, resolve_date_expression
from transforms.geo import GeoMatch, Gazetteer

FUTURE_AUX = frozenset(["will", "shall", "'ll", "wo"])
HYPOTHETICAL_AUX = frozenset(["would", "could", "might", "may", "should", "'d"])
INTENT_HEADS = frozenset(
    "plan intend want threaten vow pledge promise expect hope seek aim prepare due likely set "
    "propose consider offer try attempt decide agree refuse".split()
)
LOCATION_PREPOSITIONS = frozenset(["in", "at", "near", "outside", "around", "across", "inside", "into", "on", "over", "throughout", "within"])
NEAR_NOUNS = frozenset("outskirts outskirt suburb suburbs edge edges vicinity countryside environs periphery near outside".split())
REGION_NOUNS = frozenset("province governorate region district state county prefecture oblast department area territory".split())
SETTLEMENT_NOUNS = frozenset("town city village capital port district neighbourhood neighborhood camp".split())
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
    return any(o.lemma_.lower() in rule.object_lemmas or o.lower_ in rule.object_lemmas for o in _objects(token))


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


def _modality(token: Token) -> tuple[bool, str]:
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
        if lemma in NEAR_NOUNS or lemma in REGION_NOUNS or lemma in SETTLEMENT_NOUNS:
            names = [c for c in head.children if c.dep_ in ("compound", "amod", "nmod", "poss") and c.pos_ == "PROPN"]
            ofs = [x for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.children if x.dep_ == "pobj"]
            for name in names:
                place = self.gazetteer.lookup(_entity_span(name).text, self.context)
                if place is not None:
                    if lemma in REGION_NOUNS:
                        return GeoMatch(place, f"{_entity_span(name).text} {head.text}", 3, _entity_span(name).text)
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
        if match is not None and match.text != text:
            match = GeoMatch(match.place, text, max(2, match.precision), match.admin1)
        found.append((match, text, run))
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


def extract_events(
    doc: Doc,
    actors: DocumentActors,
    lexicon: EventLexicon,
    gazetteer: Gazetteer,
    published: date | None,
    sentence_of_token: list[int],
    in_quote: list[bool],
) -> list[Event]:
    """Every lexicon trigger in a full sentence, with actors, place, date and modality."""
    places = PlaceResolver(gazetteer, actors.context_iso3)
    events: list[Event] = []
    for sentence in doc.sents:
        stripped = sentence.text.strip()
        if not stripped or not re.search(r"[.!?\"”'’]$", stripped):
            continue  # headings, captions and sign-offs are not reports of events
        for token in sentence:
            if token.dep_ == "amod" and token.pos_ == "VERB":
                continue  # "US-backed", "rebel-held": a description, not a report of an event
            rule = lexicon.match(token)
            if rule is None or rule.event_type not in lexicon.types:
                continue
            events.extend(
                _build_events(token, rule, lexicon, actors, places, sentence, published, sentence_of_token, in_quote)
            )
    return _drop_nested_duplicates(events)


def _build_events(token, rule, lexicon, actors, places, sentence, published, sentence_of_token, in_quote) -> list[Event]:
    is_noun = token.pos_ in ("NOUN", "PROPN")
    source_token = _noun_source(token) if is_noun else _subject(token)
    target_token = _noun_target(token) if is_noun else _verb_target(token)
    source = _mention_for(source_token, actors, token)
    target = _mention_for(target_token, actors, token) if target_token is not None else None
    if target is None and target_token is not None:
        # "imposed sanctions on Iran", "launched strikes against the group": the object's own target.
        target = _mention_for(_noun_target(target_token), actors, token)
    negated, modality = _modality(token)
    when = _date_for(token, sentence, published)
    plover = lexicon.types[rule.event_type]
    sub_type = rule.acled_sub_event_type
    if rule.acled_sub_event_type_if_state and source is not None:
        source_type = actors.actors[source.actor_id].actor_type
        if source_type in ("state", "government", "military"):
            sub_type = rule.acled_sub_event_type_if_state
    located: list[tuple[GeoMatch | None, str | None, list[Token]]] = []
    if rule.takes_territory and not is_noun:
        # Taking places: each place taken is its own event, placed where it is.
        located = [x for x in places_taken(token, actors, places) if x[0] is not None or x[2][0].ent_type_]
        if not located:
            located = [x for x in _object_places(token, places) if x[0] is not None]
        if located:
            target = None
    if not located:
        match, toks = places.from_prepositions(token)
        if match is None and not is_noun:
            for obj in _objects(token):
                match, toks = places.from_prepositions(obj)
                if match is not None:
                    break
        if match is not None and target is not None and any(target.token_start <= t.i < target.token_end for t in toks):
            match, toks = None, []  # "sanctions on Iran": Iran is who it is aimed at, not where it happened
        located.append((match, match.text if match else None, toks))
    in_q = in_quote[token.i]
    base = rule.confidence * (1.0 if source is not None else 0.8) * (0.85 if in_q else 1.0)
    if modality != "asserted":
        base *= 0.9
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
        ))
    return events


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
        out.append((places.lookup_run(list(span)), span.text, list(span)))
    return out


def _trigger_text(token: Token, rule: TriggerRule) -> str:
    if rule.particle:
        words = rule.particle.lower().split()
        extra = [c for c in token.children if c.lower_ in words]
        extra += [token.doc[token.i - 1]] if token.i > 0 and token.doc[token.i - 1].lower_ in words else []
        tokens = sorted({token, *extra}, key=lambda t: t.i)
        return " ".join(t.text for t in tokens)
    return token.text


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


def _drop_nested_duplicates(events: list[Event]) -> list[Event]:
    """A noun trigger that is the object of a verb trigger of the same type is the same event."""
    verb_objects = {(e.rule.event_type, o.i) for e in events if e.trigger.pos_ == "VERB" for o in _objects(e.trigger)}
    noun_triggers = {(e.rule.event_type, e.trigger.i) for e in events if e.trigger.pos_ == "NOUN"}
    kept = []
    for e in events:
        if e.trigger.pos_ == "NOUN" and (e.rule.event_type, e.trigger.i) in verb_objects:
            continue  # "launched attacks": the verb's event already says it
        if e.trigger.dep_ in ("acl", "relcl") and (e.rule.event_type, e.trigger.head.i) in noun_triggers:
            continue  # "airstrikes targeting …": the noun's event already says it
        if e.trigger.pos_ == "NOUN" and e.source is None and e.target is None and e.plover.quad_class != 4:
            continue  # "more support", "the criticism": a word, not a report of who did what to whom
        kept.append(e)
    return kept
