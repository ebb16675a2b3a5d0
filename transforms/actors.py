"""Resolve the ways news text names actors to one canonical actor per real-world actor.

Three sources of knowledge, all data: the curated dictionary (``lexicons/actors.csv``), country
records (name, other names, demonym, capital) from which state and military actors are made, and
generic nominal phrases (``lexicons/actor_nouns.csv``, "regime forces", "the rebels") resolved
against the country the document is about. People not in the dictionary get IDs from their
normalised names, and a bare surname resolves to the full name used earlier in the document.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Iterable

from spacy.tokens import Doc, Span, Token

FORCE_NOUNS = frozenset(
    "force forces troops troop army armies military soldiers soldier militia militias navy "
    "airforce units unit battalion battalions brigade brigades".split()
)
"""Head nouns that make a country-modified phrase mean that country's armed forces."""

GOVERNMENT_MODIFIERS = frozenset("regime regime's government government's pro-government loyalist state".split())
PRONOUNS = frozenset("he she they it we i you him her them us who".split())
DETERMINERS = frozenset("the a an its their his her our this that these those".split())
PERSON_TITLES = frozenset(
    "mr mrs ms miss dr prof president minister senator rep gen general col colonel lt sgt "
    "sir lord lady king queen prince princess sheikh pope mayor governor gov sen judge justice chancellor "
    "premier ambassador commissioner chairman chairwoman".split()
)


@lru_cache(maxsize=200_000)
def normalise_alias(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "the Kremlin" and "Kremlin" share one."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"'s\b|'(?=\s|$)", "", text)
    text = re.sub(r"[^\w\s-]", " ", text)
    words = [w for w in re.split(r"[\s-]+", text) if w]
    while words and words[0] in DETERMINERS:
        words = words[1:]
    return " ".join(words)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise_alias(text)).strip("-")


@dataclass(frozen=True)
class Actor:
    actor_id: str
    name: str
    actor_type: str
    country_iso3: str | None = None
    sector: str | None = None
    wikidata_id: str | None = None
    aliases: tuple[str, ...] = ()
    source: str = "dictionary"


@dataclass(frozen=True)
class CountryRecord:
    iso3: str
    name: str
    other_names: tuple[str, ...] = ()
    demonym: str | None = None
    capital: str | None = None


@dataclass(frozen=True)
class NominalRule:
    phrase: str
    actor_type: str
    sector: str | None
    refers_to: str


@dataclass
class Mention:
    actor_id: str
    sentence_index: int
    char_start: int
    char_end: int
    token_start: int
    token_end: int
    text: str
    kind: str  # name, nominal, pronoun, metonym


@dataclass
class ActorDictionary:
    """Alias, demonym and capital indexes over every known actor."""

    actors: dict[str, Actor]
    alias_index: dict[str, str]
    demonym_index: dict[str, str]
    capital_index: dict[str, str]
    nominal_rules: dict[str, NominalRule]
    max_alias_words: int = 8
    first_words: frozenset[str] = frozenset()
    acronyms: frozenset[str] = frozenset()
    """Keys written only as capitalised acronyms ("ANA"): "Ana" the first name must not match them."""

    @classmethod
    def build(
        cls,
        dictionary_rows: Iterable[dict],
        countries: Iterable[CountryRecord],
        nominal_rules: Iterable[NominalRule] = (),
    ) -> "ActorDictionary":
        actors: dict[str, Actor] = {}
        demonyms: dict[str, str] = {}
        capitals: dict[str, str] = {}
        for c in countries:
            state_aliases = (c.name, *c.other_names)
            actors[f"state:{c.iso3}"] = Actor(
                f"state:{c.iso3}", c.name, "state", c.iso3, "government", aliases=state_aliases
            )
            military_aliases = [f"{c.name} {noun}" for noun in ("army", "military", "armed forces")]
            if c.demonym:
                demonyms[normalise_alias(c.demonym)] = c.iso3
                military_aliases += [
                    f"{c.demonym} {noun}"
                    for noun in ("army", "military", "armed forces", "troops", "forces", "air force", "navy", "soldiers")
                ]
            if c.capital:
                capitals[normalise_alias(c.capital)] = c.iso3
            actors[f"police:{c.iso3}"] = Actor(
                f"police:{c.iso3}", f"{c.name} police", "government", c.iso3, "police",
                aliases=(f"{c.name} police",) + ((f"{c.demonym} police",) if c.demonym else ()),
            )
            actors[f"military:{c.iso3}"] = Actor(
                f"military:{c.iso3}", f"{c.name} armed forces", "military", c.iso3, "military",
                aliases=tuple(military_aliases),
            )
        for row in dictionary_rows:
            row_aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
            existing = actors.get(row["actor_id"])
            actor = Actor(
                actor_id=row["actor_id"],
                name=row.get("name") or (existing.name if existing else row["actor_id"]),
                actor_type=row.get("actor_type") or (existing.actor_type if existing else "other"),
                country_iso3=row.get("country_iso3") or (existing.country_iso3 if existing else None),
                sector=row.get("sector") or (existing.sector if existing else None),
                wikidata_id=row.get("wikidata_id") or None,
                aliases=tuple(dict.fromkeys((existing.aliases if existing else ()) + row_aliases)),
            )
            actors[actor.actor_id] = actor
        alias_index: dict[str, str] = {}
        written: dict[str, set[bool]] = {}
        # Curated rows win over generated names: index generated actors first, then overwrite.
        for actor in sorted(actors.values(), key=lambda a: a.actor_id.split(":")[0] not in ("state", "military")):
            for alias in (actor.name, *actor.aliases):
                key = normalise_alias(alias)
                if key and (len(key) > 2 or alias.isupper()):
                    alias_index[key] = actor.actor_id
                    written.setdefault(key, set()).add(alias.isupper() and " " not in alias.strip())
        rules = {normalise_alias(r.phrase): r for r in nominal_rules}
        longest = max((len(k.split()) for k in alias_index), default=1)
        first_words = frozenset(k.split()[0] for k in alias_index)
        acronyms = frozenset(k for k, forms in written.items() if forms == {True})
        return cls(actors, alias_index, demonyms, capitals, rules, max_alias_words=min(longest, 10),
                   first_words=first_words, acronyms=acronyms)

    def lookup(self, text: str) -> str | None:
        return self.alias_index.get(normalise_alias(text))


@dataclass
class DocumentActors:
    """Everything resolved in one document: mentions, the actors they name, the context country."""

    mentions: list[Mention]
    actors: dict[str, Actor]
    context_iso3: str | None
    by_token: dict[int, Mention] = field(default_factory=dict)

    def mention_at(self, token: Token) -> Mention | None:
        return self.by_token.get(token.i)

    def mention_in(self, tokens: Iterable[Token]) -> Mention | None:
        """The first mention covering any of the tokens, preferring names over descriptions."""
        found = [self.by_token[t.i] for t in tokens if t.i in self.by_token]
        if not found:
            return None
        return sorted(found, key=lambda m: (m.kind != "name", m.token_start))[0]


NAME_SUFFIXES = frozenset("jr sr ii iii iv".split())


def _name_words(span: Span) -> list[Token]:
    """A person span's name words: no titles before, no generational suffix after ("Biden Jr.")."""
    words = [t for t in span if t.lower_.rstrip(".") not in PERSON_TITLES]
    while len(words) > 1 and (words[-1].lower_.rstrip(".") in NAME_SUFFIXES or words[-1].is_punct):
        words = words[:-1]
    return words


def _titled_names(tokens: list[Token], taken: set[int]) -> list[Span]:
    """"Mayor Ines Kovac", "Gov. Ana Ruiz": a title and two or more capitalised proper nouns name a
    person even where NER labelled them a place or missed them. Returned as PERSON spans."""
    spans: list[Span] = []
    for t in tokens:
        if not (t.text[:1].isupper() and t.lower_.rstrip(".") in PERSON_TITLES):
            continue
        j = t.i + 1
        while j < len(tokens) and j - t.i <= 3 and j not in taken and tokens[j].pos_ == "PROPN" \
                and tokens[j].text[:1].isupper() and tokens[j].ent_type_ not in ("ORG", "GPE", "NORP"):
            j += 1
        if j - t.i >= 3 and not any(tokens[k].ent_type_ == "PERSON" for k in range(t.i + 1, j)):
            spans.append(Span(t.doc, t.i, j, label="PERSON"))
    return spans


def person_actor(name: str) -> Actor:
    return Actor(f"person:{slugify(name)}", name, "person", source="named_entity")


def _context_country(doc: Doc, dictionary: ActorDictionary, place_countries: Iterable[str]) -> str | None:
    """The country a document is about: most named (as a country or by its places)."""
    votes: Counter[str] = Counter(place_countries)
    for ent in doc.ents:
        if ent.label_ == "GPE":
            actor_id = dictionary.lookup(ent.text)
            if actor_id and actor_id.startswith("state:"):
                votes[actor_id.split(":")[1]] += 1
    return votes.most_common(1)[0][0] if votes else None


def _country_of_modifier(token: Token, dictionary: ActorDictionary, context_iso3: str | None) -> str | None:
    key = normalise_alias(token.text)
    if token.lower_ in GOVERNMENT_MODIFIERS or key in ("regime", "government", "pro government"):
        return context_iso3
    if key in dictionary.demonym_index:
        return dictionary.demonym_index[key]
    if key in dictionary.capital_index:
        return dictionary.capital_index[key]
    actor_id = dictionary.alias_index.get(key)
    if actor_id and actor_id.startswith("state:"):
        return actor_id.split(":")[1]
    return None


def _span_mention(span: Span, actor_id: str, kind: str, sentence_index: int) -> Mention:
    return Mention(
        actor_id=actor_id,
        sentence_index=sentence_index,
        char_start=span.start_char,
        char_end=span.end_char,
        token_start=span.start,
        token_end=span.end,
        text=span.text,
        kind=kind,
    )


def _trim(span: Span) -> Span:
    """Drop leading determiners and trailing possessive markers and punctuation."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_ in DETERMINERS or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].tag_ == "POS"):
        end -= 1
    return doc[start:end]


def resolve_actors(
    doc: Doc,
    dictionary: ActorDictionary,
    sentence_of_token: list[int],
    place_countries: Iterable[str] = (),
    is_place: Callable[[str], bool] = lambda text: False,
) -> DocumentActors:
    """Find every actor mention in a parsed document and resolve each to a canonical actor."""
    context = _context_country(doc, dictionary, place_countries)
    taken: set[int] = set()
    mentions: list[Mention] = []
    actors: dict[str, Actor] = {}

    def add(span: Span, actor: Actor, kind: str) -> None:
        if any(i in taken for i in range(span.start, span.end)):
            return
        taken.update(range(span.start, span.end))
        actors.setdefault(actor.actor_id, actor)
        mentions.append(_span_mention(span, actor.actor_id, kind, sentence_of_token[span.start]))

    # 1. Longest dictionary aliases first, over every token window (names and fixed phrases).
    #    Only windows whose first word starts some alias are looked up (the index of first words
    #    keeps this linear in the document length).
    n = len(doc)
    tokens = list(doc)  # one Token object per position, reused by every pass below
    candidates: list[tuple[int, int, str]] = []
    for start, first in enumerate(tokens):
        if first.is_punct or first.is_space or first.lower_ in DETERMINERS:
            continue  # "the Kremlin" is found as "Kremlin": mentions never start with a determiner
        first_key = normalise_alias(first.text)
        if not first_key or first_key.split()[0] not in dictionary.first_words:
            continue
        for size in range(min(dictionary.max_alias_words, n - start), 0, -1):
            last = tokens[start + size - 1]
            if last.is_punct or any(t.is_space for t in tokens[start:start + size]):
                continue
            if size == 1 and not (first.pos_ == "PROPN" or first.text[:1].isupper() or first.ent_type_):
                continue
            span = doc[start : start + size]
            span_key = normalise_alias(span.text)
            actor_id = dictionary.alias_index.get(span_key)
            if actor_id is None or (span_key in dictionary.acronyms and not span.text.isupper()):
                continue
            if size == 1 and first.ent_type_ == "PERSON":
                continue  # a surname that is also a country/org alias: let the person rule decide
            candidates.append((size, start, actor_id))
    for size, start, actor_id in sorted(candidates, key=lambda c: (-c[0], c[1])):
        span = doc[start : start + size]
        key = normalise_alias(span.text)
        kind = "metonym" if key in dictionary.capital_index or actor_id.startswith("state:") and span[0].ent_type_ == "FAC" else "name"
        add(span, dictionary.actors[actor_id], kind)

    # 2. Force phrases: "<country|demonym|capital|regime|government> ... <forces|troops|army>".
    for token in tokens:
        if token.i in taken or token.pos_ not in ("NOUN", "PROPN") or token.lemma_.lower() not in FORCE_NOUNS | {"force"}:
            continue
        modifiers = [c for c in token.lefts if c.dep_ in ("amod", "compound", "poss", "nmod", "npadvmod")]
        iso3 = None
        for m in modifiers:
            sub_tokens = list(m.subtree)
            for t in [m, *sub_tokens]:
                iso3 = _country_of_modifier(t, dictionary, context)
                if iso3:
                    break
            if iso3:
                break
        if iso3 is None:
            continue
        left = min([m.left_edge.i for m in modifiers] + [token.i])
        span = _trim(doc[left : token.i + 1])
        actor = dictionary.actors.get(f"military:{iso3}")
        if actor is not None and len(span):
            add(span, actor, "nominal")

    # 3. Generic nominal phrases from the lexicon, resolved against the context country.
    for chunk in doc.noun_chunks:
        span = _trim(chunk)
        if not len(span) or any(i in taken for i in range(span.start, span.end)):
            continue
        rule = dictionary.nominal_rules.get(normalise_alias(span.text))
        if rule is None or context is None:
            continue
        target = {
            "military_of_context": f"military:{context}",
            "government_of_context": f"state:{context}",
            "police_of_context": f"police:{context}",
        }.get(rule.refers_to)
        if rule.refers_to == "rebels_of_context":
            actor = Actor(f"armed_group:{context}_rebels", f"{dictionary.actors[f'state:{context}'].name} rebels",
                          "armed_group", context, "rebels", source="dictionary")
            add(span, actor, "nominal")
        elif target and target in dictionary.actors:
            add(span, dictionary.actors[target], "nominal")

    # 4. Adjectival demonyms ("Russian airstrikes") and capitals ("Moscow providing air support").
    for token in tokens:
        if token.i in taken:
            continue
        key = normalise_alias(token.text)
        if token.ent_type_ == "NORP" and key in dictionary.demonym_index:
            add(doc[token.i : token.i + 1], dictionary.actors[f"state:{dictionary.demonym_index[key]}"], "name")
        elif key in dictionary.capital_index and token.pos_ == "PROPN" and _acts(token):
            # A capital doing something stands for its government ("Moscow providing air support").
            add(doc[token.i : token.i + 1], dictionary.actors[f"state:{dictionary.capital_index[key]}"], "metonym")

    # 5. People: full names from NER; a bare surname joins the full name used in the document.
    people: dict[str, Actor] = {}
    person_spans = [_trim(e) for e in doc.ents if e.label_ == "PERSON"] + _titled_names(tokens, taken)
    for span in sorted(person_spans, key=lambda s: -len(s)):
        words = _name_words(span)
        if not words:
            continue
        name = doc[words[0].i : words[-1].i + 1].text
        if len(name.split()) >= 2 or "-" in name:
            people.setdefault(normalise_alias(name).split()[-1], person_actor(name))
    surname_spans = [
        _trim(e) for e in doc.ents if e.label_ in ("PERSON", "ORG") and len(_trim(e))
    ] + _titled_names(tokens, taken)
    for span in sorted(surname_spans, key=lambda s: s.start):
        words = _name_words(span)
        if not words:
            continue
        name_span = doc[words[0].i : words[-1].i + 1]
        key = normalise_alias(name_span.text)
        surname = key.split()[-1] if key else ""
        if span.label_ == "ORG" and key != surname:
            continue
        actor = people.get(surname) if surname else None
        if actor is None and span.label_ == "PERSON":
            actor = person_actor(name_span.text)
            people[surname] = actor
        if actor is not None:
            add(name_span, actor, "name")

    # A surname NER missed ("…," Holt told reporters): a run of proper nouns ending in a known surname.
    def name_like(t: Token) -> bool:
        # Sentence-initial surnames are often tagged as common nouns: capitalisation decides.
        return t.pos_ == "PROPN" or (t.is_title and t.pos_ in ("NOUN", "ADJ", "VERB"))

    i = 0
    while i < n:
        if not name_like(tokens[i]) or i in taken:
            i += 1
            continue
        j = i
        while j + 1 < n and j + 1 not in taken and (name_like(tokens[j + 1]) or (tokens[j + 1].text == "-" and j + 2 < n and name_like(tokens[j + 2]))):
            j += 1
        key = normalise_alias(doc[i : j + 1].text)
        actor = people.get(key.split()[-1]) if key else None
        if actor is not None and normalise_alias(actor.name).endswith(key):
            add(doc[i : j + 1], actor, "name")
        i = j + 1

    # 6. Organisations NER found that no rule knows: their own actor; "the <Head>" joins them later.
    org_heads: dict[str, Actor] = {}
    for ent in doc.ents:
        if ent.label_ != "ORG":
            continue
        span = _trim(ent)
        if not len(span) or any(i in taken for i in range(span.start, span.end)):
            continue
        key = normalise_alias(span.text)
        if not key or is_place(span.text) or (len(span) == 1 and not span.text.isupper()):
            continue  # NER often calls towns organisations; single-word unknown "organisations" are mostly noise
        known = [a for a in actors.values() if a.actor_type != "person" and normalise_alias(a.name) == key]
        actor = known[0] if known else Actor(f"org:{slugify(span.text)}", span.text, "organization", source="named_entity")
        add(span, actor, "name")
    for actor in list(actors.values()):
        if actor.actor_type in ("organization", "international_org", "armed_group", "media"):
            for word in normalise_alias(actor.name).split():
                if word[:1].isalpha() and len(word) > 3:
                    org_heads.setdefault(word, actor)
    for token in tokens:
        if token.i in taken or token.pos_ != "PROPN" or token.i == 0 or tokens[token.i - 1].lower_ != "the":
            continue
        actor = org_heads.get(token.lower_)
        if actor is not None and (token.i + 1 >= n or tokens[token.i + 1].pos_ != "PROPN"):
            add(doc[token.i - 1 : token.i + 1], actor, "nominal")

    mentions.sort(key=lambda m: m.token_start)
    by_token = {i: m for m in mentions for i in range(m.token_start, m.token_end)}
    for actor_id in {m.actor_id for m in mentions}:
        seen = tuple(dict.fromkeys(m.text for m in mentions if m.actor_id == actor_id))
        actors[actor_id] = replace(actors[actor_id], aliases=tuple(dict.fromkeys(actors[actor_id].aliases + seen)))
    return DocumentActors(mentions, actors, context, by_token)


def merge_actor_rows(rows: Iterable[dict]) -> list[dict]:
    """One row per actor_id across documents: aliases united, first non-empty value kept."""
    merged: dict[str, dict] = {}
    for row in rows:
        current = merged.get(row["actor_id"])
        if current is None:
            merged[row["actor_id"]] = {**row, "aliases": list(row.get("aliases") or [])}
            continue
        for key, value in row.items():
            if key == "aliases":
                current["aliases"] = sorted(set(current["aliases"]) | set(value or []))
            elif current.get(key) in (None, "") and value not in (None, ""):
                current[key] = value
    return [merged[k] for k in sorted(merged)]


LOCATIVE_PREPOSITIONS = frozenset("in at near from to into outside around across inside through via toward towards".split())


def _acts(token: Token) -> bool:
    """Whether a place name is used as an actor (subject, possessor, agent) rather than a location."""
    if token.dep_ in ("nsubj", "nsubjpass", "poss", "npadvmod"):
        return True
    if token.dep_ == "pobj":
        return token.head.lower_ in ("by", "with", "between") or token.head.lower_ not in LOCATIVE_PREPOSITIONS and token.head.lower_ != "of"
    return token.dep_ in ("conj", "appos") and _acts(token.head)
