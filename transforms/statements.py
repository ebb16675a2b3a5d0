"""Who said what: direct, indirect and mixed statements with resolved speakers.

Quotation marks are paired per paragraph, so an unbalanced mark spoils at most its own
paragraph; a paragraph that opens a quote without closing it continues into the next paragraph
that opens with a quotation mark (the newspaper convention for long quotes). Each quote is
attributed through the speech cue beside it; pronoun speakers resolve to the last named speaker,
and a paragraph that is all quotation carries the previous paragraph's speaker over.
Reported speech comes from the clausal complement of a speech verb or from "according to X".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from bisect import bisect_left
from typing import Iterable

from spacy.tokens import Doc, Span, Token

from transforms.actors import DETERMINERS, DocumentActors, Mention

OPENING_QUOTES = '"“„«'
CLOSING_QUOTES = '"”»'
QUOTE_TOKENS = frozenset({'"', "“", "”", "„", "«", "»", "''", "``"})
PRONOUN_SPEAKERS = {"he": "person", "she": "person", "they": "group", "we": "group", "it": "group", "i": "person"}
POSSESSIVE_PRONOUNS = {"his": "he", "her": "she", "their": "they", "our": "we", "its": "it", "my": "i"}
MEDIUM_GENERIC_WORDS = frozenset(
    "the a an news agency agencies newspaper paper daily weekly broadcaster television tv radio channel "
    "station outlet magazine wire service website network newswire".split()
)
AUDIENCE_WORDS = frozenset("reporters journalists press correspondents media audience crowd parliament".split())
MIN_DIRECT_QUOTE_WORDS = 4
MIN_INDIRECT_WORDS = 1
TRANSCRIPT_LABEL = re.compile(r"^([A-Z][A-Z'.-]+(?: [A-Z][A-Z'.-]+){0,2}):\s+(\S.*)$", re.DOTALL)
PHRASE_PREPOSITIONS = frozenset("of from in at for with".split())
# "criticized him for X", "accused her of Y", "saw it as Z": what is held against or said of the object.
OBJECT_PREPOSITIONS = frozenset("for of as over".split())
# "by portraying X as Y", "after criticizing Y": the one doing the gerund is the subject of the verb
# the preposition hangs from ("criticized him for saying X" is not: "for" hands it to the object).
# "In their view, …", "In a new poll, …": a source named before the main clause.
SOURCE_NOUNS = frozenset("view opinion estimate estimation poll survey judgment judgement assessment analysis "
                         "telling account words".split())
STANCE_TARGET_PRONOUNS = frozenset("him her them it us me".split())
SUBJECT_GERUND_PREPOSITIONS = frozenset("by after before while in without since through".split())
RELATIVE_PRONOUNS = frozenset({"who", "that", "which"})
# A line opening with a short capitalised label and a colon: "Pence: Flowers won't be at debate",
# "PENCE: Well, look, …" (headlines and transcripts).
LABELLED_LINE = re.compile(r"^[ \t]*([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}):[ \t]+(\S[^\n]*?)\s*$", re.MULTILINE)
MIN_LABELLED_WORDS = 4


@dataclass(frozen=True)
class SpeechCue:
    lemma: str
    pos: str
    cue_type: str
    confidence: float
    complements: tuple[str, ...] = ("ccomp",)
    """Dependents that carry what was said, tried in order: ccomp ("said that …"), xcomp ("vowed to
    …"), dobj ("criticized the plan", "called him a liar")."""


SOURCE_PHRASE_CUE = SpeechCue("in", "ADP", "belief", 0.5, ())


@dataclass(frozen=True)
class QuoteSpan:
    start: int  # first character inside the marks
    end: int  # one past the last character inside the marks
    paragraph: int
    whole_paragraph: bool


@dataclass
class Speaker:
    actor_id: str | None
    text: str | None
    title: str | None
    resolution: str
    kind: str  # person or group, for pronoun agreement
    carried_from: "Statement | None" = None
    phrase: str | None = None  # the words naming the speaker, as written (titles, appositions)


@dataclass
class Statement:
    sentence_index: int
    char_start: int
    char_end: int
    quote_text: str
    quote_kind: str
    speaker: Speaker
    cue: str | None
    cue_token: int | None
    medium: str | None
    confidence: float


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """Character ranges of the paragraphs (blocks separated by blank lines)."""
    bounds, start = [], 0
    for m in re.finditer(r"\n\s*\n", text):
        if m.start() > start:
            bounds.append((start, m.start()))
        start = m.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Pair quotation marks paragraph by paragraph; never let one stray mark run on.

    Two apostrophes ('') stand for a double quotation mark, as some newspapers' archives write it.
    """
    original = text
    text = text.replace("''", '"\u2060')  # same length, so offsets stay those of the original text
    spans: list[QuoteSpan] = []
    carried_open = False
    for p_index, (p_start, p_end) in enumerate(paragraph_bounds(text)):
        paragraph = text[p_start:p_end]
        opened: int | None = p_start if carried_open and paragraph[:1] in OPENING_QUOTES else None
        carried_open = False
        marks = [(i, ch) for i, ch in enumerate(paragraph) if ch in OPENING_QUOTES or ch in CLOSING_QUOTES]
        found: list[QuoteSpan] = []
        if opened is not None:
            marks = marks[1:]
            opened = p_start + 1
        for i, ch in marks:
            pos = p_start + i
            if opened is None:
                if ch in OPENING_QUOTES and not _is_apostrophe_like(paragraph, i):
                    opened = pos + 1
            elif ch in CLOSING_QUOTES or ch == '"':
                if pos > opened:
                    found.append(QuoteSpan(opened, pos, p_index, False))
                opened = None
        if opened is not None:
            if opened - 1 == p_start:
                # An opening mark at the paragraph start with no close: a quote that goes on.
                found.append(QuoteSpan(opened, p_end, p_index, True))
                carried_open = True
            elif found and re.search(r"[.!?]\s*$", text[opened:p_end]) and len(re.findall(r"\w+", text[opened:p_end])) >= 8:
                # '"…," Sexton said. "Trump events are … revel in it.' and no close: the newspaper
                # convention for a quote going on into the next paragraph, after a quote in this one.
                found.append(QuoteSpan(opened, p_end, p_index, False))
                carried_open = True
            # Otherwise the stray mark is ignored and the paragraph's other quotes stand.
        for q in found:
            whole = q.start - 1 <= p_start and q.end + 1 >= len(text[:p_end].rstrip()) - 1
            start = q.start + (original[q.start:q.start + 1] == "'" and original[q.start - 1:q.start] == "'")
            spans.append(QuoteSpan(start, q.end, q.paragraph, whole or q.whole_paragraph))
    return spans


def _is_apostrophe_like(paragraph: str, i: int) -> bool:
    return i > 0 and paragraph[i - 1].isalnum() and i + 1 < len(paragraph) and paragraph[i + 1] in " ,.;"


def _clean_quote(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(",").strip()


class StatementExtractor:
    """Statements of one parsed document; keeps the speaker history that pronouns resolve to."""

    def __init__(self, doc: Doc, actors: DocumentActors, cues: dict[tuple[str, str], SpeechCue],
                 sentence_of_token: list[int]):
        self.doc = doc
        self.text = doc.text
        self.actors = actors
        self.cues = cues
        self.sentence_of_token = sentence_of_token
        self.tokens = list(doc)  # Token objects built once: indexing a Doc builds a new one each time
        self.starts = [t.idx for t in self.tokens]
        self.quotes = find_quote_spans(self.text)
        self.in_quote = self._quote_token_mask()
        self.used_cues: set[int] = set()
        self.claimed = [False] * len(doc)  # tokens already inside some statement's words

    def statements(self) -> list[Statement]:
        """Direct quotes first (they claim their cues), then reported speech, in text order; once per document."""
        direct = self.direct_statements()
        indirect = self.indirect_statements() + self.labelled_statements()
        statements = sorted(_one_per_span(direct + indirect), key=lambda s: (s.char_start, s.char_end))
        resolve_speakers(statements, self.doc, self.actors)
        return statements

    def token_range(self, start_char: int, end_char: int) -> range:
        """Indexes of the tokens lying wholly inside [start_char, end_char)."""
        lo = bisect_left(self.starts, start_char)
        hi = lo
        while hi < len(self.tokens) and self.starts[hi] + len(self.tokens[hi].text) <= end_char:
            hi += 1
        return range(lo, hi)

    def _quote_token_mask(self) -> list[bool]:
        mask = [False] * len(self.tokens)
        for q in self.quotes:
            for i in self.token_range(q.start, q.end):
                mask[i] = True
        return mask

    # -- speech cues -------------------------------------------------------------------------
    def cue_of(self, token: Token) -> SpeechCue | None:
        if token.lower_ == "according" and token.i + 1 < len(self.tokens) and self.tokens[token.i + 1].lower_ == "to":
            return self.cues.get(("according to", "ADP"))
        if token.lower_ in ("in", "for") and token.dep_ == "prep" and token.head.dep_ == "ROOT" and token.i < token.head.i:
            objects = [c for c in token.children if c.dep_ == "pobj"]
            if objects and (objects[0].lemma_.lower() in SOURCE_NOUNS or token.lower_ == "for" and objects[0].pos_ == "PROPN"):
                return SOURCE_PHRASE_CUE
        if token.pos_ == "NOUN":
            return self.cues.get((token.lemma_.lower(), "NOUN"))
        if token.pos_ != "VERB":
            return None
        return self.cues.get((token.lemma_.lower(), "VERB"))

    # -- speakers ----------------------------------------------------------------------------
    def speaker_from_tokens(self, tokens: list[Token], position: int) -> Speaker | None:
        tokens = [t for t in tokens if not self.in_quote[t.i] and not t.is_space]
        while tokens and (tokens[0].is_punct or tokens[0].lower_ in ("and", "but", "while")):
            tokens = tokens[1:]
        while tokens and tokens[-1].is_punct and tokens[-1].text != ")":
            tokens = tokens[:-1]
        if not tokens:
            return None
        phrase = _tidy(self.text[tokens[0].idx:tokens[-1].idx + len(tokens[-1].text)])
        if len(tokens) == 1 and tokens[0].lower_ in PRONOUN_SPEAKERS:
            return self.resolve_pronoun(tokens[0], position)
        if tokens[0].lower_ in RELATIVE_PRONOUNS and len(tokens) == 1:
            return None
        mentions = self._mentions_in(tokens)
        people = [m for m in mentions if self.actors.actors[m.actor_id].actor_type == "person"]
        chosen: Mention | None = None
        if people:
            # The person heading the phrase: "Clinton spokesman Nick Merrill", "Trump, appearing after
            # Clinton at the forum", "Vladimir Putin's spokesman Dmitry Peskov".
            head = self._syntactic_head(tokens)
            on_head = [m for m in people if m.token_start <= head.i < m.token_end]
            chosen = on_head[0] if on_head else people[-1]
        elif mentions:
            head = self._syntactic_head(tokens)
            on_head = [m for m in mentions if m.token_start <= head.i < m.token_end]
            # "an officer in the US-backed Free Syrian Army": not the modifier inside "US-backed".
            not_modifiers = [m for m in mentions if self._mention_root(m).dep_ not in ("npadvmod", "amod")]
            chosen = on_head[0] if on_head else (not_modifiers or mentions)[-1]
        if chosen is None:
            head = self._syntactic_head(tokens)
            if len(tokens) == 1 and head.lower_ == "you":
                return Speaker(None, None, None, "unresolved", "person")  # "Do you think …": the one addressed
            if head.lower_ in ("those", "these") and any(c.dep_ in ("acl", "relcl") for c in head.children):
                return Speaker(None, _tidy(" ".join(t.text for t in tokens)), None, "nominal", "group",
                               phrase=self._speaker_phrase(tokens, head))  # "those surveyed said"
            if head.pos_ not in ("NOUN", "PROPN", "NUM") and not _quantifier_subject(head):
                return None  # "About 4 in 10 say", "Most believe", "Someone called it": groups, not names
            text = " ".join(t.text for t in tokens if t.lower_ not in DETERMINERS or t.i != tokens[0].i)
            return Speaker(None, _tidy(text), None, "nominal", "group", phrase=self._speaker_phrase(tokens, head))
        actor = self.actors.actors[chosen.actor_id]
        title_tokens = [t for t in tokens if t.i < chosen.token_start]
        title = _tidy(self.text[title_tokens[0].idx:title_tokens[-1].idx + len(title_tokens[-1].text)]) if title_tokens else None
        if title and title.lower() in DETERMINERS:
            title = None
        resolution = "apposition" if any(t.dep_ == "appos" for t in self.doc[chosen.token_start:chosen.token_end]) else "named"
        if chosen.kind == "nominal":
            resolution = "nominal"
        name = self._full_name(chosen)
        return Speaker(actor.actor_id, name, title or None, resolution,
                       "person" if actor.actor_type == "person" else "group",
                       phrase=self._speaker_phrase(tokens, self._mention_root(chosen)))

    def _speaker_phrase(self, tokens: list[Token], root: Token) -> str | None:
        """The noun phrase naming the speaker, as written: its modifiers and titles, appositions,
        "of" phrases and coordinated names, but no relative clause, participle or verb after it."""
        ids = {t.i for t in tokens}
        start = max(min(ids), root.left_edge.i)
        end = root.i
        appositions = 0
        for child in root.rights:
            if child.dep_ == "appos" and not _lone_proper_noun(child) and not _age(child) \
                    and self.tokens[child.left_edge.i - 1].text != "(":
                appositions += 1  # an age ("Marley Anderson, 21, a junior from Las Vegas") is no apposition
                if appositions > 1:
                    break  # "X, the attorney general of Oklahoma, one of the states suing": one apposition
            if child.dep_ in ("appos", "conj", "cc") or child.dep_ == "relcl" and not self._set_off(child) or (child.dep_ == "prep" and child.lower_ in PHRASE_PREPOSITIONS) \
                    or (child.dep_ == "punct" and child.text in "()") or child.dep_ == "npadvmod" and child.pos_ == "PROPN":
                # Neither a participle nor a phrase in apposition inside the apposition ("Scott Pruitt, the
                # attorney general of Oklahoma, one of the states suing"): the speaker's own apposition ends
                # first. A lone proper noun stays ("of Springfield, Va.").
                excluded = {t.i for c in child.subtree
                            if c.dep_ == "acl" or c.dep_ == "appos" and c.i != child.i and not _place_name(c)
                            or c.dep_ == "relcl" and c.i != child.i and self._set_off(c)
                            for t in c.subtree}
                kept = [t.i for t in child.subtree if t.i not in excluded and t.i in ids]
                if kept:
                    end = max(end, max(kept))
        phrase = [t for t in self.tokens[start:end + 1] if t.i in ids]
        # No dangling word at the end: "Ms. Epstein and", "the author of" (before a quoted title),
        # "John Bolton and Sebastian Gorka both".
        while phrase and (phrase[-1].is_punct and phrase[-1].text != ")" or phrase[-1].pos_ in ("ADP", "CCONJ", "DET")
                          or phrase[-1].lower_ in ("both", "all", "each", "too", "also")):
            phrase = phrase[:-1]
        if not phrase:
            return None
        return _tidy(self.text[phrase[0].idx:phrase[-1].idx + len(phrase[-1].text)])

    def _set_off(self, clause: Token) -> bool:
        """A clause after a comma or dash ("Mr. Kamin, who emphasized …") describes the speaker, it does
        not name them; a restrictive one ("the experts I interviewed") is part of the name."""
        k = clause.left_edge.i - 1
        return k >= 0 and self.tokens[k].text in (",", "—", "–", "-", "--")

    def _mention_root(self, mention: Mention) -> Token:
        return self.doc[mention.token_start:mention.token_end].root

    def _full_name(self, mention: Mention) -> str:
        """A surname mention reports the full name used earlier ("Abdel-Rahman" -> "Rami Abdel-Rahman")."""
        actor = self.actors.actors[mention.actor_id]
        if actor.actor_type == "person":
            return actor.name
        return mention.text

    def _mentions_in(self, tokens: Iterable[Token]) -> list[Mention]:
        seen: dict[int, Mention] = {}
        for t in tokens:
            m = self.actors.mention_at(t)
            if m is not None:
                seen[m.token_start] = m
        return [seen[k] for k in sorted(seen)]

    @staticmethod
    def _syntactic_head(tokens: list[Token]) -> Token:
        ids = {t.i for t in tokens}
        heads = [t for t in tokens if t.head.i not in ids or t.head.i == t.i]
        nouns = [t for t in heads if t.pos_ in ("NOUN", "PROPN", "PRON")]
        return (nouns or heads or tokens)[0]

    def resolve_pronoun(self, token: Token, position: int) -> Speaker:
        """Pronouns are resolved after all statements are found, in text order (see resolve_speakers)."""
        return Speaker(None, token.text, None, "pronoun", PRONOUN_SPEAKERS.get(token.lower_, "group"), phrase=token.text)

    # -- medium ------------------------------------------------------------------------------
    def medium_of(self, cue: Token) -> str | None:
        candidates: list[Token] = []
        for child in cue.children:
            if cue.lemma_ == "tell" and child.dep_ in ("dobj", "dative", "iobj"):
                candidates.append(child)
            elif child.dep_ in ("prep", "dative") and child.lower_ in ("to", "with"):
                candidates.extend(c for c in child.children if c.dep_ == "pobj")
        for head in candidates:
            mention = self.actors.mention_in(head.subtree)
            if head.lower_ in AUDIENCE_WORDS:
                return head.text
            words = [t.text for t in head.subtree if t.lower_ not in MEDIUM_GENERIC_WORDS and not t.is_punct
                     and not self.in_quote[t.i]]
            if mention is not None and self.actors.actors[mention.actor_id].actor_type == "media":
                named = [t.text for t in self.doc[mention.token_start:mention.token_end]
                         if t.lower_ not in MEDIUM_GENERIC_WORDS and not t.is_punct]
                return " ".join(named) or mention.text
            if words and any(w[:1].isupper() or w.isupper() or (mention is not None) for w in words):
                return " ".join(words)
            if words and len(words) <= 3:
                return " ".join(words)
        return None

    # -- direct quotes -----------------------------------------------------------------------
    def direct_statements(self) -> list[Statement]:
        """Quotes in quotation marks. A quote with no cue of its own continues the statement before
        it in the same paragraph ("…," said X. "…"), or, opening a paragraph, carries its speaker."""
        statements: list[Statement] = []
        last_by_paragraph: dict[int, Statement] = {}
        for q in self.quotes:
            quote_text = self.text[q.start:q.end]
            n_words = len(re.findall(r"\w+", quote_text))
            is_sentence_like = bool(re.search(r"[.!?,;…]\s*$", quote_text)) or q.whole_paragraph
            if not n_words or not (is_sentence_like or n_words >= 8):
                continue
            if self._inside_reported_clause(q):
                continue  # a partial quote: the reported clause around it carries it (a mixed statement)
            if n_words < MIN_DIRECT_QUOTE_WORDS and (q.whole_paragraph or self._attribute(q)[0] is None):
                continue  # '"Absolutely," he said.' is a statement; a short quote with no cue beside it is not
            label = TRANSCRIPT_LABEL.match(quote_text)
            if label:  # a transcript turn: "WALLACE: Let's start with …"
                statement = self._transcript_turn(q, label)
                statements.append(statement)
                last_by_paragraph[q.paragraph] = statement
                continue
            cue, speaker = self._attribute(q)
            if cue is None and speaker is None:
                same = last_by_paragraph.get(q.paragraph)
                if same is not None:
                    self._extend(same, q)
                    continue
                prev = last_by_paragraph.get(q.paragraph - 1)
                if prev is not None and q.whole_paragraph:
                    speaker = Speaker(None, None, None, "carry_over", prev.speaker.kind, carried_from=prev)
                elif n_words < 8:
                    continue
                else:
                    speaker = Speaker(None, None, None, "unresolved", "person")
            if speaker is None:
                speaker = Speaker(None, None, None, "unresolved", "person")
            quote_tokens = self.token_range(q.start, q.end)
            first_token = self.tokens[quote_tokens[0]] if len(quote_tokens) else self.tokens[-1]
            anchor = cue if cue is not None else first_token
            statement = Statement(
                sentence_index=self.sentence_of_token[anchor.i],
                char_start=q.start,
                char_end=q.end,
                quote_text=_clean_quote(quote_text),
                quote_kind="direct",
                speaker=speaker,
                cue=(cue.lemma_.lower() if cue is not None else None),
                cue_token=cue.i if cue is not None else None,
                medium=self.medium_of(cue) if cue is not None else None,
                confidence=_confidence("direct", speaker, self.cue_of(cue) if cue is not None else None),
            )
            if cue is not None:
                self.used_cues.add(cue.i)
            for i in quote_tokens:
                self.claimed[i] = True
            statements.append(statement)
            last_by_paragraph[q.paragraph] = statement
        return statements

    def _transcript_turn(self, q: QuoteSpan, label: re.Match) -> Statement:
        """A turn of a transcript: the capitalised label names the speaker, by surname."""
        name = label.group(1)
        surname = name.split()[-1].lower()
        people = [a for a in self.actors.actors.values()
                  if a.actor_type == "person" and a.name.split()[-1].lower() == surname]
        actor = people[0] if len(people) == 1 else None
        speaker = (Speaker(actor.actor_id, actor.name, None, "named", "person", phrase=name) if actor
                   else Speaker(None, name.title(), None, "nominal", "person", phrase=name))
        start = q.start + label.start(2)
        for i in self.token_range(q.start, q.end):
            self.claimed[i] = True
        return Statement(
            sentence_index=self.sentence_of_token[self.token_range(q.start, q.end)[0]] if len(self.token_range(q.start, q.end)) else 0,
            char_start=start, char_end=q.end, quote_text=_clean_quote(self.text[start:q.end]), quote_kind="direct",
            speaker=speaker, cue=None, cue_token=None, medium=None,
            confidence=_confidence("direct", speaker, None),
        )

    def _extend(self, statement: Statement, q: QuoteSpan) -> None:
        statement.quote_text = _clean_quote(statement.quote_text + " " + self.text[q.start:q.end])
        statement.char_end = q.end
        for i in self.token_range(q.start, q.end):
            self.claimed[i] = True

    def _inside_reported_clause(self, q: QuoteSpan) -> bool:
        """A quote that is the complement's tail, not a sentence of its own: "said it was 'a farce'"."""
        rng = self.token_range(q.start, q.end)
        if not len(rng) or q.whole_paragraph:
            return False
        before = rng[0] - 2
        if before < 0:
            return False
        opener = self.tokens[rng[0] - 1]
        prev = self.tokens[before]
        # The word before the opening mark leads straight into it (no comma or colon): part of a clause.
        return opener.text in QUOTE_TOKENS and not prev.is_punct and prev.sent.start == opener.sent.start

    def _attribute(self, q: QuoteSpan) -> tuple[Token | None, Speaker | None]:
        """Find the cue and speaker for a quote: after it in its sentence, else before it."""
        tokens = self.tokens
        after_start = bisect_left(self.starts, q.end)
        before_end = bisect_left(self.starts, q.start - 1)
        # After the closing mark, up to the end of that sentence.
        if after_start < len(tokens):
            sent = tokens[after_start].sent
            after = [tokens[i] for i in range(after_start, sent.end) if not self.in_quote[i]]
            if all(t.is_punct for t in after) and sent.end < len(tokens) and "\n" not in self.text[q.end:tokens[sent.end].idx]:
                # '"… coming!" Bush said.': the parser ended the sentence inside the quote.
                after = after + [t for t in tokens[sent.end].sent if not self.in_quote[t.i]]
            after = after[: next((k for k, t in enumerate(after) if k > 0 and self._opens_quote(t)), len(after))]
            for t in after:
                cue = self.cue_of(t)
                if cue is None or cue.lemma == "according to" or t.i in self.used_cues:
                    continue
                if self._reports_own_clause(t):
                    continue
                before_cue = [x for x in after if x.i < t.i and not x.is_punct]
                if before_cue:
                    speaker = self.speaker_from_tokens(self._subject_tokens(t, before_cue), q.start)
                else:  # inverted: "…," said Peskov.
                    tail = []
                    for x in after:
                        if x.i <= t.i:
                            continue
                        if x.is_punct and x.text in ".;!?":
                            break
                        tail.append(x)
                    speaker = self.speaker_from_tokens(self._strip_medium(tail, t), q.start)
                if speaker is not None:
                    return t, speaker
            attached = self._attribution_verb(after)
            if attached is not None:
                return attached
        # Before the opening mark, in the same sentence: X said: "…"
        if before_end > 0:
            sent = tokens[before_end - 1].sent
            before = [tokens[i] for i in range(sent.start, before_end) if not self.in_quote[i]]
            for t in reversed(before):
                cue = self.cue_of(t)
                if cue is None or t.i in self.used_cues:
                    continue
                if cue.pos == "NOUN" and t.dep_ == "pobj" \
                        and any(self.cue_of(a) is not None and a.pos_ == "VERB" for a in t.ancestors):
                    continue  # 'said of Chaffetz's latest request: "…"': the verb the noun's phrase hangs from says it
                if cue.lemma == "according to":
                    obj = [x for x in tokens[t.i + 1].children if x.dep_ == "pobj"]
                    region = list(obj[0].subtree) if obj else []
                else:
                    region = self._subject_tokens(t, [x for x in before if x.i < t.i], climb=True)
                    inverted = [c for c in t.rights if c.dep_ == "nsubj"]
                    if inverted and not any(c.dep_ == "nsubj" and c.i < t.i for c in t.children):
                        region = list(inverted[0].subtree)  # "In other words, explained Nancy Cordes: '…'"
                speaker = self.speaker_from_tokens(region, q.start)
                if speaker is not None:
                    return t, speaker
            while before and before[-1].is_space:
                before = before[:-1]  # "Cruz continued:" closing the paragraph before the quote's
            if before and before[-1].text == ":":
                introduced = self._attribution_verb(before[:-1])
                if introduced is not None:
                    return introduced
        return None, None

    def _attribution_verb(self, clause: list[Token]) -> tuple[Token, Speaker] | None:
        """The clause right beside a quote, with a verb the lexicon does not list: '"…," Mr. Gray
        continued.', 'Bennett shot back with a laugh.', 'Clinton released the following statement: "…"'.
        Beside a quote any verb of a named speaker introduces it; the speaker must be someone the text
        names (an actor, a pronoun or a proper name), so "the sign read" attributes nothing."""
        ids = {t.i for t in clause}
        for verb in clause:
            if verb.pos_ != "VERB" or verb.i in self.used_cues or verb.dep_ not in ("ROOT", "ccomp", "parataxis") \
                    or verb.head.i in ids and verb.head.i != verb.i:
                continue
            subjects = [c for c in verb.children if c.dep_ == "nsubj" and c.i in ids]
            if not subjects or self._reports_own_clause(verb):
                return None
            subject = [t for t in subjects[0].subtree if t.i in ids]
            speaker = self.speaker_from_tokens(subject, verb.idx)
            if speaker is not None and (speaker.actor_id is not None or speaker.resolution == "pronoun"
                                        or subjects[0].pos_ == "PROPN"):
                return verb, speaker
            return None
        return None

    def _reports_own_clause(self, verb: Token) -> bool:
        """'"…" Kasich said he would have fired him.': a verb reporting a clause of its own after it,
        outside the quote, does not introduce the quote before it."""
        return any(c.dep_ == "ccomp" and c.i > verb.i and not self.in_quote[c.i] for c in verb.children)

    def _opens_quote(self, token: Token) -> bool:
        return token.text in QUOTE_TOKENS and token.i + 1 < len(self.tokens) and self.in_quote[token.i + 1]

    def _subject_tokens(self, cue: Token, fallback: list[Token], climb: bool = False) -> list[Token]:
        subjects = [c for c in cue.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            tokens = self._subject_phrase(cue, subjects[0])
            # An apposition or a name the parser hung elsewhere still sits between quote and cue.
            if fallback and tokens and fallback[0].i < tokens[0].i:
                tokens = [t for t in fallback if t.i < cue.i]
            return tokens
        governing = self._governing_subject(cue) if climb else None
        if governing is not None:
            # "Clinton hit back, saying: '…'": the speaker is the subject of the verb "saying" hangs
            # from, when that subject lies in the words searched (not inside the quote).
            fallback_ids = {t.i for t in fallback}
            tokens = [t for t in self._subject_phrase(*governing) if t.i in fallback_ids]
            if tokens and governing[1].i in fallback_ids:
                return tokens
        return fallback

    def _governing_subject(self, cue: Token) -> tuple[Token, Token] | None:
        """The verb and subject a subjectless cue depends on ("X hit back, saying …", "X wants to say
        …"); not through a passive participle ("Asked about X, Y said": Y did not ask), nor past an
        object the cue follows without a comma ("shows Clinton saying …": Clinton says it)."""
        head = cue
        while head.dep_ in ("advcl", "xcomp", "conj") and head.head.pos_ in ("VERB", "AUX") \
                and not (head.tag_ == "VBN" and head.dep_ == "advcl"):
            head = head.head
            if not self._set_off(cue) and any(c.dep_ == "dobj" and c.i < cue.i for c in head.children):
                return None  # "an ad shows Clinton saying …": the one saying it is the object
            subjects = [c for c in head.children if c.dep_ == "nsubj"]
            if subjects:
                # "an architect who said he was stiffed …, saying": a relative clause's subject is
                # too far from the quote to trust.
                return None if subjects[0].lower_ in RELATIVE_PRONOUNS else (head, subjects[0])
        return None

    def _subject_phrase(self, verb: Token, subject: Token) -> list[Token]:
        """The subject's words; "who" in "X, who said …" stands for X."""
        if subject.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
            noun = verb.head
            return [t for t in noun.subtree if t.i <= noun.i or t.dep_ in ("appos", "punct", "prep", "pobj") and t.i < subject.i]
        return list(subject.subtree)

    def _strip_medium(self, tail: list[Token], cue: Token) -> list[Token]:
        """In "said Peskov, speaking to reporters", the speaker ends before the medium phrase."""
        out = []
        for t in tail:
            if t.dep_ in ("prep", "dative", "advcl", "npadvmod") and t.head.i == cue.i:
                break
            if t.dep_ in ("dobj",) and cue.lemma_ == "tell" and t.head.i == cue.i and out:
                break
            out.append(t)
        return out

    # -- reported speech ---------------------------------------------------------------------
    def indirect_statements(self) -> list[Statement]:
        statements: list[Statement] = []
        for token in self.tokens:
            if token.i in self.used_cues or self.in_quote[token.i]:
                continue
            cue = self.cue_of(token)
            if cue is None:
                continue
            if cue.lemma == "according to":
                st = self._according_to(token, cue)
            elif cue.pos == "ADP":
                st = self._source_phrase(token, cue)
            elif cue.pos == "NOUN":
                st = self._noun_statement(token, cue)
            else:
                st = self._reported_clause(token, cue)
            if st is not None:
                self.used_cues.add(token.i)
                statements.append(st)
        return statements

    def _content_tokens(self, token: Token, cue: SpeechCue) -> list[Token]:
        """What was said: the first complement the cue takes (see SpeechCue.complements)."""
        children = list(token.children)
        for relation in cue.complements:
            if relation.startswith("prep:"):  # "called for X", "asked about X", "called on X to Y"
                found = [g for c in children if c.dep_ == "prep" and c.lower_ == relation[5:]
                         for g in c.children if g.dep_ in ("pobj", "pcomp")]
            else:
                found = [c for c in children if c.dep_ == relation]
            if not found:
                continue
            # "Most voters say A; 26 percent say B": the parser may hang the clause before the cue on it
            # too; what the cue reports is the clause after it, when there is one.
            comp = next((c for c in found if c.i > token.i), found[0])
            if relation == "dobj" and self._reports_own_content(comp):
                return []  # "repeated her call for a ban": the speech noun and its phrase say what was said
            if relation == "dobj" or relation.startswith("prep:"):
                predicated = [c for c in children if c.i > comp.i and (c.dep_ in ("oprd", "xcomp", "ccomp")
                              or c.dep_ == "prep" and c.lower_ in OBJECT_PREPOSITIONS)]
                if comp.pos_ == "PRON" and comp.n_lefts + comp.n_rights == 0 and not predicated \
                        and not (cue.cue_type == "stance" and comp.lower_ in STANCE_TARGET_PRONOUNS):
                    return []  # "said it", "denied this": nothing said to report ("called it a farce",
                    # "criticized him for X" are); a stance's target is one ("opposed him", "resist them")
                # "called him a liar", "described X as Y", "accused X of Y": the object and what follows it.
                end = max([comp.right_edge.i] + [c.right_edge.i for c in children
                                                  if c.i > comp.i and c.dep_ in ("oprd", "xcomp", "ccomp", "prep", "advmod")
                                                  and self.tokens[c.left_edge.i - 1].text != ","])
                # "praised Franklin Graham, who has vowed …": what the object is, set off by a comma, is
                # the writer's description, not what was praised.
                described = {t.i for c in comp.rights if c.dep_ in ("relcl", "appos", "acl") and self._set_off(c)
                             for t in c.subtree}
                return [t for t in self.tokens[comp.left_edge.i:end + 1] if t.i not in described]
            # A clause after a comma ("…, reflecting restlessness within an electorate …") stays: readers
            # and annotators take it as part of what was reported.
            dropped = self._coordinated_cues(comp)
            content = [t for t in comp.subtree if t.i not in dropped]
            if relation == "ccomp":
                content += self._reported_conjunct(token, comp)
            return sorted(content, key=lambda t: t.i)
        return []

    def _reports_own_content(self, noun: Token) -> bool:
        """A speech or stance noun with a possessive holder and its own complement ("her call for a ban",
        "his view that …") is a statement of its own."""
        cue = self.cue_of(noun) if noun.pos_ == "NOUN" else None
        if cue is None or not any(c.dep_ == "poss" for c in noun.children):
            return False
        return any(c.dep_ == "prep" and c.lower_ == relation[5:] if relation.startswith("prep:") else c.dep_ == relation
                   for relation in cue.complements for c in noun.rights)

    def _reported_conjunct(self, cue: Token, comp: Token) -> list[Token]:
        """"Reid said Sanders has been X, and Democrats would need to Y": a clause with a subject of its
        own coordinated with the cue after what it reports, itself no cue, goes on with what was said."""
        for conj in cue.rights:
            if conj.dep_ != "conj" or conj.i < comp.i or self.cue_of(conj) is not None \
                    or not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in conj.children):
                continue
            joiners = [c for c in cue.rights if c.dep_ == "cc" and comp.i < c.i < conj.i]
            return joiners + list(conj.subtree)
        return []

    def _coordinated_cues(self, comp: Token) -> set[int]:
        """"Machado promised X and said Y", "X said A, while nine in 10 said B": a speech verb reporting a
        clause of its own, coordinated with the reported clause or set off after it with a speaker of its
        own, is a statement of its own (its cue reports it), so it and its "and" are no part of this
        content."""
        dropped: set[int] = set()
        for conj in comp.subtree:
            if conj.i <= comp.i or conj.i in dropped:
                continue
            cue = self.cue_of(conj) if conj.pos_ == "VERB" else None
            if cue is None or cue.cue_type != "speech" or not any(c.dep_ == "ccomp" for c in conj.children):
                continue  # "he'd sit Putin down and tell him to stop", "condoning and encouraging violence": one content
            if conj.dep_ != "conj" and not (conj.dep_ in ("advcl", "parataxis") and self._set_off(conj)):
                continue  # "…, while nine in 10 said …", "…, saying that …": a set-off clause of its own
            dropped.update(t.i for t in conj.subtree)
            k = conj.left_edge.i - 1
            while k > comp.i and (self.tokens[k].dep_ == "cc" or self.tokens[k].is_punct):
                dropped.add(k)
                k -= 1
        return dropped

    def _reporting_ancestor(self, token: Token) -> Token | None:
        """The speech verb a subjectless, set-off participle ("…, saying that …") sits inside the
        content of, when it has a subject of its own."""
        if token.tag_ != "VBG" or token.dep_ != "advcl" or not self._set_off(token):
            return None
        for ancestor in token.ancestors:
            cue = self.cue_of(ancestor) if ancestor.pos_ == "VERB" else None
            if cue is not None and cue.cue_type == "speech" and ancestor.i != token.head.i \
                    and any(c.dep_ == "nsubj" for c in ancestor.children):
                return ancestor
        return None

    def _noun_phrases_before(self, cue: Token) -> list[Token]:
        """The noun phrase right before a cue the parser gave no subject ("sources privy to negotiations
        say", "Senator Harry Reid, the minority leader, said" parsed as a conjunct), with the phrase it
        stands in apposition to; nothing when a verb or the sentence start comes first."""
        if cue.dep_ not in ("ROOT", "dep", "parataxis", "ccomp") or cue.tag_ == "VBG" or cue.tag_ == "VBN":
            return []
        stray = [c for c in cue.lefts if c.dep_ in ("nummod", "npadvmod", "dep") and c.pos_ in ("NUM", "NOUN", "PROPN")]
        if stray:
            return [t for t in stray[-1].subtree if not self.in_quote[t.i]]  # "About 4 in 10 say"
        chunks = [c for c in cue.sent.noun_chunks if c.end <= cue.i]
        k = cue.i - 1
        while k >= cue.sent.start and self.tokens[k].dep_ in ("advmod", "aux", "neg") or k >= cue.sent.start and self.tokens[k].text == ",":
            k -= 1
        last = next((c for c in reversed(chunks) if c.end - 1 <= k), None)
        if last is None:
            return []
        between = self.tokens[last.end:cue.i]
        if any(t.pos_ in ("VERB", "AUX") and t.dep_ not in ("aux", "neg") for t in between):
            return []  # "sources privy to negotiations say": an adjective phrase may sit between
        start = last.start
        earlier = next((c for c in reversed(chunks) if c.end == start - 1 and self.tokens[start - 1].text == ","), None)
        if earlier is not None:
            start = earlier.start  # "Senator Harry Reid, the minority leader, said"
        return [t for t in self.tokens[start:cue.i] if not self.in_quote[t.i]]

    def _trailing_attribution(self, token: Token) -> tuple[list[Token], list[Token]] | None:
        """"…, the Observatory said on Friday.": the clause before the last comma is what was said,
        the words between that comma and the cue are the speaker, whatever the parser made of them."""
        sent = token.sent
        if any(t.pos_ in ("VERB", "AUX") or t.text in QUOTE_TOKENS for t in self.tokens[token.i + 1:sent.end]):
            return None
        commas = [i for i in range(sent.start, token.i) if self.tokens[i].text == ","]
        if not commas:
            return None
        subject = [t for t in self.tokens[commas[-1] + 1:token.i] if t.dep_ not in ("aux", "advmod", "neg")]
        if not subject or len(subject) > 12 or not any(t.pos_ in ("NOUN", "PROPN", "PRON") for t in subject):
            return None
        return list(self.tokens[sent.start:commas[-1]]), subject

    def _reported_clause(self, token: Token, cue: SpeechCue) -> Statement | None:
        if cue.cue_type == "evidential":
            return self._evidential_statement(token, cue)
        if cue.cue_type == "stance" and _purpose_infinitive(token) and self.cue_of(token.head) is None:
            return None  # "Ministers met in Brussels to discuss the budget": what they met for, not a stance
        content = self._content_tokens(token, cue)
        subject_region: list[Token] | None = None
        passive = [c for c in token.children if c.dep_ == "nsubjpass"]
        if passive and (not content and cue.cue_type != "belief" or cue.cue_type == "belief" and _infinitive_after(token)):
            # "X was criticized for Y"; of beliefs only "X is expected / believed to Y", not "X was found dead".
            return self._passive_statement(token, cue, passive[0])
        if not content and cue.cue_type == "speech" and "ccomp" in cue.complements \
                and not any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in token.children):
            trailing = self._trailing_attribution(token)
            if trailing is not None:
                content, subject_region = trailing
        if not content and cue.cue_type in ("speech", "belief") and any(c.dep_ == "nsubj" for c in token.children) \
                and (token.dep_ == "parataxis"
                     or token.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "as" for c in token.children)):
            # "In the long run, many economists say, this effect could ripple …", "As Politico reported,
            # the RNC agreed to …": the clause around a parenthetical cue is what was said.
            inside = {t.i for t in token.subtree}
            content = [t for t in token.head.subtree if t.i not in inside]
        content = [t for t in content if not (t.dep_ == "mark" and t.lower_ == "that" and t.i == content[0].i)]
        while content and (content[0].is_punct and content[0].text not in QUOTE_TOKENS or content[0].lower_ == "that"):
            content = content[1:]
        while content and content[-1].is_punct and content[-1].text not in QUOTE_TOKENS:
            content = content[:-1]
        words = [t for t in content if not t.is_punct]
        if len(words) < MIN_INDIRECT_WORDS:
            return None
        if sum(self.claimed[t.i] for t in words) * 2 > len(words):
            return None  # mostly a direct quote already attributed
        content_ids = {t.i for t in content}
        if subject_region is not None:
            region = subject_region
        else:
            subject_head = token
            subjects = [c for c in token.children if c.dep_ in ("nsubj",)]
            reporter = self._reporting_ancestor(token) if not subjects else None
            if reporter is not None:
                # "She said her father would do the same, saying that …": the one reporting says it too.
                subject_head, subjects = reporter, [c for c in reporter.children if c.dep_ == "nsubj"]
            while not subjects:
                if subject_head.dep_ in ("advcl", "xcomp", "conj", "acl") and subject_head.head.pos_ in ("VERB", "AUX") \
                        and not (subject_head.tag_ == "VBN" and subject_head.dep_ in ("advcl", "acl")):  # "Asked about X, Y said": Y did not ask
                    subject_head = subject_head.head  # "X criticised Y, saying …", "X wants to …"
                elif subject_head.dep_ == "pcomp" and subject_head.tag_ == "VBG" and subject_head.head.lower_ in SUBJECT_GERUND_PREPOSITIONS \
                        and subject_head.head.head.pos_ in ("VERB", "AUX"):
                    subject_head = subject_head.head.head  # "X framed the race by portraying Y as Z"
                else:
                    break
                subjects = [c for c in subject_head.children if c.dep_ in ("nsubj",)]
            if subjects:
                region = [t for t in self._subject_phrase(subject_head, subjects[0]) if t.i not in content_ids]
            elif self._asked_without_asker(token, cue):
                return self._reported_statement(token, cue, content, Speaker(None, None, None, "unresolved", "person"),
                                                cue.lemma, None, strip_marks=True)
            else:
                region = self._noun_phrases_before(token)
                if not region:
                    return None
        speaker = self.speaker_from_tokens(region, token.idx)
        if speaker is None:
            return None
        if cue.cue_type == "stance" and speaker.resolution == "nominal" and speaker.actor_id is None \
                and not _people_noun(self._syntactic_head(region)):
            return None  # "the plan supports …": a stance needs someone to hold it ("most senators support …")
        return self._reported_statement(token, cue, content, speaker, cue.lemma, self.medium_of(token),
                                        strip_marks=True)

    def _reported_statement(self, token: Token, cue: SpeechCue, content: list[Token], speaker: Speaker,
                            cue_text: str, medium: str | None, strip_marks: bool) -> Statement:
        """A reported (indirect or mixed) statement over the content tokens, which it claims."""
        content = self._close_partial_quote(content)
        start, end = content[0].idx, content[-1].idx + len(content[-1].text)
        quote = self.text[start:end]
        kind = "mixed" if any(ch in quote for ch in OPENING_QUOTES + CLOSING_QUOTES) else "indirect"
        for t in content:
            self.claimed[t.i] = True
        return Statement(
            sentence_index=self.sentence_of_token[token.i],
            char_start=start,
            char_end=end,
            quote_text=_clean_quote(quote[1:-1] if strip_marks and len(quote) > 1 and quote[0] in OPENING_QUOTES
                                    and quote[-1] in CLOSING_QUOTES else quote),
            quote_kind=kind,
            speaker=speaker,
            cue=cue_text,
            cue_token=token.i,
            medium=medium,
            confidence=_confidence(kind, speaker, cue),
        )

    def _noun_statement(self, token: Token, cue: SpeechCue) -> Statement | None:
        """"Trump's view that …", "his call for a ban", "a demand by Pelosi that …", "voiced support for
        X": a speech or stance noun whose holder the phrase names (a possessive, a "by" phrase, or the
        subject of the verb the noun is the object of), and whose clause or object is what is held."""
        content: list[Token] = []
        for relation in cue.complements:
            if relation.startswith("prep:"):
                found = [c for c in token.rights if c.dep_ == "prep" and c.lower_ == relation[5:]
                         and any(g.dep_ in ("pobj", "pcomp") for g in c.children)]
                if found:
                    content = [t for t in found[0].subtree if t.i != found[0].i]
            else:
                found = [c for c in token.rights if c.dep_ == relation and c.pos_ in ("VERB", "AUX")]
                if found:
                    content = list(found[0].subtree)
            if content:
                break
        while content and (content[0].is_punct or content[0].lower_ == "that" and content[0].dep_ == "mark"):
            content = content[1:]
        while content and content[-1].is_punct and content[-1].text not in QUOTE_TOKENS:
            content = content[:-1]
        words = [t for t in content if not t.is_punct]
        if len(words) < MIN_INDIRECT_WORDS or sum(self.claimed[t.i] for t in words) * 2 > len(words):
            return None
        holder: list[Token] = []
        owners = [c for c in token.children if c.dep_ == "poss"]
        agents = [g for c in token.rights if c.dep_ == "prep" and c.lower_ in ("by", "from") for g in c.children if g.dep_ == "pobj"]
        if owners:
            holder = [t for t in owners[0].subtree if t.dep_ != "case"]
        elif agents:
            holder = list(agents[0].subtree)
        elif token.dep_ == "dobj" and token.head.pos_ == "VERB":
            subjects = [c for c in token.head.children if c.dep_ == "nsubj"]
            if subjects:
                holder = self._subject_phrase(token.head, subjects[0])
        if not holder:
            return None
        if len(holder) == 1 and holder[0].lower_ in POSSESSIVE_PRONOUNS:
            speaker = Speaker(None, holder[0].text, None, "pronoun", PRONOUN_SPEAKERS[POSSESSIVE_PRONOUNS[holder[0].lower_]],
                              phrase=holder[0].text)
        else:
            speaker = self.speaker_from_tokens(holder, token.idx)
        if speaker is None or speaker.actor_id is None and speaker.resolution != "pronoun":
            return None  # "the view that …", "public support for …": nobody named holds it
        return self._reported_statement(token, cue, content, speaker, cue.lemma, None, strip_marks=True)

    def _asked_without_asker(self, token: Token, cue: SpeechCue) -> bool:
        """"Asked whether he would run, Smith said …": a question put by someone the text does not name
        (the reporter); the question is reported, its asker unknown. "Asked about the plan" names a topic,
        not a question, so it reports nothing."""
        return cue.lemma == "ask" and token.tag_ == "VBN" and token.dep_ in ("advcl", "ROOT") \
            and not any(c.dep_ in ("nsubj", "nsubjpass", "agent") for c in token.children) \
            and any(c.dep_ == "ccomp" for c in token.children)

    def _evidential_statement(self, token: Token, cue: SpeechCue) -> Statement | None:
        """"X seemed to Y", "X appears weak", "it seems that Y": how things look, in the writer's voice.
        The subject and the complement together are what seems so, and nobody in the text says it; but
        a person who seems hopeful or welcoming holds that stance themselves. Without a complement ("she
        appeared at the rally") the verb reports nothing."""
        subjects = [c for c in token.children if c.dep_ in ("nsubj", "expl")]
        complements = [c for c in token.rights if c.dep_ in ("xcomp", "acomp", "attr", "oprd", "ccomp")
                       or (c.dep_ == "prep" and c.lower_ == "like")]
        if not subjects or not complements or subjects[0].lower_ in RELATIVE_PRONOUNS:
            return None
        subject = list(subjects[0].subtree)
        holder = None if subjects[0].lower_ in ("it", "there") else self.speaker_from_tokens(subject, token.idx)
        parts = [t for c in complements for t in c.subtree]
        if holder is not None and (holder.actor_id is not None or holder.resolution == "pronoun") \
                and holder.kind == "person":
            speaker = holder  # "Rubio seemed hopeful that …": the stance is Rubio's, seen by the writer
        else:
            speaker = Speaker(None, None, None, "unresolved", "group")
            if subjects[0].lower_ not in ("it", "there"):
                parts = subject + parts
        words = [t for t in parts if not t.is_punct]
        if len(words) < MIN_INDIRECT_WORDS + 1 or sum(self.claimed[t.i] for t in words) * 2 > len(words):
            return None
        parts.sort(key=lambda t: t.i)
        return self._reported_statement(token, cue, parts, speaker, cue.lemma, None, strip_marks=True)

    def _close_partial_quote(self, content: list[Token]) -> list[Token]:
        """"said she had ''steady hands, but most of all, she has a good heart.''": a quotation opened in
        the content runs to its closing mark, even where the parser ended the clause sooner."""
        marks = [t for t in content if t.text in QUOTE_TOKENS]
        if len(marks) % 2 == 0 or not self.in_quote[marks[-1].i + 1 if marks[-1].i + 1 < len(self.tokens) else marks[-1].i]:
            return content
        sent_end = content[-1].sent.end
        for k in range(content[-1].i + 1, sent_end):
            if self.tokens[k].text in QUOTE_TOKENS:
                return content + [t for t in self.tokens[content[-1].i + 1:k + 1]]
        return content

    def _passive_statement(self, token: Token, cue: SpeechCue, subject: Token) -> Statement | None:
        """"X was criticized (by Y) for Z", "X is expected to win": the passive subject and what the
        verb says of it are the content; the agent, when there is one, is the speaker."""
        parts = list(subject.subtree)
        for child in token.rights:
            if child.dep_ in ("xcomp", "oprd", "ccomp") or (child.dep_ == "prep" and child.lower_ in ("as", "for", "of")):
                parts.extend(child.subtree)
        words = [t for t in parts if not t.is_punct]
        if len(words) < MIN_INDIRECT_WORDS + 1 or sum(self.claimed[t.i] for t in words) * 2 > len(words):
            return None
        if subject.lower_ in RELATIVE_PRONOUNS:
            return None
        agents = [g for c in token.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        speaker = self.speaker_from_tokens(list(agents[0].subtree), token.idx) if agents else None
        if speaker is None:
            speaker = Speaker(None, None, None, "unresolved", "group")
        for t in parts:
            self.claimed[t.i] = True
        parts.sort(key=lambda t: t.i)
        quote = " ".join(t.text for t in parts)
        kind = "mixed" if any(ch in quote for ch in OPENING_QUOTES + CLOSING_QUOTES) else "indirect"
        return Statement(
            sentence_index=self.sentence_of_token[token.i],
            char_start=parts[0].idx,
            char_end=parts[-1].idx + len(parts[-1].text),
            quote_text=_clean_quote(re.sub(r" ([,.;:!?'’])", r"\1", quote)),
            quote_kind=kind,
            speaker=speaker,
            cue=cue.lemma,
            cue_token=token.i,
            medium=None,
            confidence=_confidence(kind, speaker, cue),
        )

    def labelled_statements(self) -> list[Statement]:
        """"Pence: Flowers won't be at debate": a line whose capitalised label names someone the
        text knows (a person or organisation) gives them the rest of the line; a label naming no one
        ("Update:", "Washington:") gives nothing."""
        statements: list[Statement] = []
        for m in LABELLED_LINE.finditer(self.text):
            label = self.token_range(m.start(1), m.end(1))
            content = [self.tokens[i] for i in self.token_range(m.start(2), m.end(2))]
            words = [t for t in content if not t.is_punct]
            if not len(label) or len(words) < MIN_LABELLED_WORDS or self.in_quote[label[0]]:
                continue
            if sum(self.claimed[t.i] for t in words) * 2 > len(words):
                continue  # already a statement, e.g. a quoted transcript turn
            speaker = self.speaker_from_tokens([self.tokens[i] for i in label], m.start(1))
            if speaker is None or speaker.actor_id is None:
                continue
            while content and content[-1].is_punct and content[-1].text not in QUOTE_TOKENS:
                content = content[:-1]
            start, end = content[0].idx, content[-1].idx + len(content[-1].text)
            quote = self.text[start:end]
            kind = "mixed" if any(ch in quote for ch in OPENING_QUOTES + CLOSING_QUOTES) else "indirect"
            for t in content:
                self.claimed[t.i] = True
            statements.append(Statement(
                sentence_index=self.sentence_of_token[label[0]], char_start=start, char_end=end,
                quote_text=_clean_quote(quote), quote_kind=kind, speaker=speaker, cue=None, cue_token=None,
                medium=None, confidence=_confidence(kind, speaker, None),
            ))
        return statements

    def _source_phrase(self, token: Token, cue: SpeechCue) -> Statement | None:
        """"In their view, Democrats could pick off …", "In a CBS News poll, she led …", "For Jonathan Chait,
        X is …": a phrase before the main clause naming whose view or which poll it is makes the clause
        theirs, unless the clause has a cue of its own ("In a statement, X said …")."""
        verb = token.head
        if self.cue_of(verb) is not None or any(self.cue_of(t) is not None for t in verb.children if t.dep_ in ("ccomp", "conj")):
            return None
        source = [c for c in token.children if c.dep_ == "pobj"][0]
        if not any(c.dep_ == "nsubj" for c in verb.children):
            return None
        phrase = {t.i for t in token.subtree}
        content = [t for t in verb.subtree if t.i not in phrase and not t.is_space]
        while content and content[0].is_punct:
            content = content[1:]
        while content and content[-1].is_punct and content[-1].text not in QUOTE_TOKENS:
            content = content[:-1]
        words = [t for t in content if not t.is_punct]
        if len(words) < 3 or sum(self.claimed[t.i] for t in words) * 2 > len(words):
            return None
        owners = [c for c in source.children if c.dep_ == "poss"]
        if owners and len(list(owners[0].subtree)) == 1 and owners[0].lower_ in POSSESSIVE_PRONOUNS:
            holder = owners[0]
            speaker = Speaker(None, holder.text, None, "pronoun", PRONOUN_SPEAKERS[POSSESSIVE_PRONOUNS[holder.lower_]],
                              phrase=holder.text)
        else:
            holder_tokens = [t for t in owners[0].subtree if t.dep_ != "case"] if owners else list(source.subtree)
            speaker = self.speaker_from_tokens(holder_tokens, token.idx)
        if speaker is None:
            return None
        return self._reported_statement(token, cue, content, speaker, token.lower_, None, strip_marks=False)

    def _according_to(self, token: Token, cue: SpeechCue) -> Statement | None:
        to = self.tokens[token.i + 1]
        objects = [c for c in to.children if c.dep_ == "pobj"]
        if not objects:
            return None
        source = sorted(objects[0].subtree, key=lambda t: t.i)
        phrase = {token.i, to.i, *(t.i for t in source)}
        sent = token.sent
        content = [t for t in sent if t.i not in phrase and not t.is_space]
        while content and content[0].is_punct:
            content = content[1:]
        while content and content[-1].is_punct:
            content = content[:-1]
        if len([t for t in content if not t.is_punct]) < MIN_INDIRECT_WORDS:
            return None
        speaker = self.speaker_from_tokens(source, token.idx)
        if speaker is None:
            return None
        return self._reported_statement(token, cue, content, speaker, "according to", None, strip_marks=False)


QUANTIFIERS = frozenset("many most some others several few all both someone everyone anyone nobody somebody everybody".split())


def _quantifier_subject(token: Token) -> bool:
    return token.lower_ in QUANTIFIERS and token.dep_ in ("nsubj", "nsubjpass")


PARTITIVE_PEOPLE = frozenset("people public majority minority number half third quarter share percent group crowd "
                             "official officials voters".split())
# Sides, camps and the documents they state positions in: they hold a stance as a person does. Bodies
# that decide ("the council approved the budget") are left out: what they approve is an act, not a stance.
HOLDER_NOUNS = frozenset("campaign team party union foundation side woman man candidate delegate rival critic ally "
                         "friend host report lawsuit filing poll survey".split())
AGENT_SUFFIXES = ("er", "or", "ist", "ian", "ant", "ent")


def _people_noun(head: Token) -> bool:
    """A nominal speaker that is people ("senators", "critics", "a majority of voters", "6 in 10"), not a
    thing ("the plan", "the new data"): a partitive, a body of people or its document ("the campaign", "the
    lawsuit"), something named ("the F.B.I.", "the Clinton Foundation"), or an agent noun (-er, -or, -ist,
    -ian, -ant, -ent)."""
    lemma = head.lemma_.lower()
    named = head.pos_ == "PROPN" or any(c.dep_ in ("compound", "poss") and c.pos_ == "PROPN" for c in head.children)
    return named or head.pos_ == "NUM" or _quantifier_subject(head) or lemma in PARTITIVE_PEOPLE \
        or lemma in HOLDER_NOUNS or head.pos_ == "NOUN" and lemma.endswith(AGENT_SUFFIXES) and len(lemma) > 4


def _purpose_infinitive(verb: Token) -> bool:
    return verb.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


def _infinitive_after(verb: Token) -> bool:
    return any(c.dep_ == "xcomp" and any(g.dep_ == "aux" and g.lower_ == "to" for g in c.children) for c in verb.rights)


def _age(token: Token) -> bool:
    return token.pos_ == "NUM" and token.n_lefts + token.n_rights == 0


def _place_name(token: Token) -> bool:
    """"Sumter, South Carolina", "Springfield, Va.": a name in apposition made only of proper nouns."""
    return all(t.pos_ == "PROPN" or t.is_punct for t in token.subtree) and token.pos_ == "PROPN"


def _lone_proper_noun(token: Token) -> bool:
    return token.pos_ == "PROPN" and token.n_lefts + token.n_rights == 0


def _tidy(text: str | None) -> str | None:
    if text is None:
        return None
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    text = re.sub(r"^(the|a|an)\s+", "", text, flags=re.IGNORECASE) if text.lower().startswith(("the ", "a ", "an ")) and len(text.split()) > 1 else text
    return text or None


def _confidence(kind: str, speaker: Speaker, cue: SpeechCue | None) -> float:
    base = {"direct": 0.9, "mixed": 0.8, "indirect": 0.75}[kind]
    base *= {"named": 1.0, "apposition": 1.0, "pronoun": 0.9, "carry_over": 0.85, "nominal": 0.8,
             "unresolved": 0.6}[speaker.resolution]
    if cue is not None:
        base *= 0.6 + 0.4 * cue.confidence
    return round(min(base, 1.0), 3)


def extract_statements(doc: Doc, actors: DocumentActors, cues: dict[tuple[str, str], SpeechCue],
                       sentence_of_token: list[int]) -> list[Statement]:
    """Direct quotes first (they claim their cues), then reported speech, in text order."""
    return StatementExtractor(doc, actors, cues, sentence_of_token).statements()


def _one_per_span(statements: list[Statement]) -> list[Statement]:
    """One statement per stretch of text: two patterns that read the same characters ("X is believed
    to …, according to Y") found one statement, and its ID comes from its offsets. The more confident
    reading stays; on a tie, the first found (direct quotes come first)."""
    kept: dict[tuple[int, int], Statement] = {}
    for statement in statements:
        span = (statement.char_start, statement.char_end)
        if span not in kept or statement.confidence > kept[span].confidence:
            kept[span] = statement
    return list(kept.values())


def resolve_speakers(statements: list[Statement], doc: Doc, actors: DocumentActors) -> None:
    """Give pronoun and carried-over speakers the last fitting named speaker, in text order.

    "Fitting" means a person for he/she/I and a group for they/we/it; before any named speaker
    of that kind, a pronoun falls back to the last person the text named before it.
    """
    named: list[tuple[int, Speaker]] = []
    subjects = _person_subjects(doc, actors)
    position = _speaker_position(doc)
    for st in sorted(statements, key=position):
        sp = st.speaker
        at = position(st)[0]
        if sp.resolution == "carry_over" and sp.carried_from is not None:
            src = sp.carried_from.speaker
            st.speaker = Speaker(src.actor_id, src.text, src.title, "carry_over", src.kind, phrase=src.phrase)
        elif sp.resolution == "pronoun":
            last_named = next(((k, n) for k, n in reversed(named) if n.kind == sp.kind and n.actor_id), None)
            match = last_named[1] if last_named else None
            if sp.kind == "person":
                # The person last named as a subject, when nearer than the last speaker: "Jeff Weaver
                # appeared on MSNBC and outlined how he thinks …".
                window_start = doc[st.cue_token].sent.start if st.cue_token is not None else len(doc)
                if window_start > 0:
                    window_start = doc[window_start - 1].sent.start
                near = [m for m in subjects if window_start <= m.token_start and doc[m.token_start].idx < at]
                if near and (last_named is None or doc[near[-1].token_start].idx > last_named[0]):
                    person = actors.actors[near[-1].actor_id]
                    match = Speaker(person.actor_id, person.name, None, "named", "person", phrase=person.name)
            if match is None and sp.kind == "person":
                cue_at = st.cue_token if st.cue_token is not None else len(doc)
                people = [m for m in actors.mentions
                          if m.token_start < cue_at and actors.actors[m.actor_id].actor_type == "person"]
                if people:
                    person = actors.actors[people[-1].actor_id]
                    match = Speaker(person.actor_id, person.name, None, "named", "person", phrase=person.name)
            st.speaker = (Speaker(match.actor_id, match.text, match.title, "pronoun", sp.kind, phrase=match.phrase) if match
                          else Speaker(None, None, None, "unresolved", sp.kind))
        elif sp.actor_id and sp.resolution in ("named", "apposition", "nominal"):
            named.append((at, sp))
        st.confidence = min(st.confidence, _confidence(st.quote_kind, st.speaker, None) if st.cue is None else st.confidence)


def _person_subjects(doc: Doc, actors: DocumentActors) -> list[Mention]:
    """Named people who are the subject of a clause outside quotation marks, in text order."""
    quotes = find_quote_spans(doc.text)
    found = []
    for m in actors.mentions:
        if m.kind != "name" or actors.actors[m.actor_id].actor_type != "person":
            continue
        if doc[m.token_start:m.token_end].root.dep_ not in ("nsubj", "nsubjpass"):
            continue
        if any(q.start <= m.char_start < q.end for q in quotes):
            continue
        found.append(m)
    return found


def _speaker_position(doc: Doc):
    """Order statements by where their speaker is named (the cue), which is where the reader learns it."""
    def key(st: Statement) -> tuple[int, int]:
        if st.cue_token is not None:
            return (doc[st.cue_token].idx, st.char_start)
        return (st.char_start, st.char_start)
    return key
