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
from typing import Iterable

from spacy.tokens import Doc, Span, Token

from transforms.actors import DETERMINERS, DocumentActors, Mention

OPENING_QUOTES = '"“„«'
CLOSING_QUOTES = '"”»'
PRONOUN_SPEAKERS = {"he": "person", "she": "person", "they": "group", "we": "group", "it": "group", "i": "person"}
MEDIUM_GENERIC_WORDS = frozenset(
    "the a an news agency agencies newspaper paper daily weekly broadcaster television tv radio channel "
    "station outlet magazine wire service website network newswire".split()
)
AUDIENCE_WORDS = frozenset("reporters journalists press correspondents media audience crowd parliament".split())
MIN_DIRECT_QUOTE_WORDS = 4
MIN_INDIRECT_WORDS = 3


@dataclass(frozen=True)
class SpeechCue:
    lemma: str
    pos: str
    cue_type: str
    confidence: float


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
    """Pair quotation marks paragraph by paragraph; never let one stray mark run on."""
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
            # Otherwise the stray mark is ignored and the paragraph's other quotes stand.
        for q in found:
            whole = q.start - 1 <= p_start and q.end + 1 >= len(text[:p_end].rstrip()) - 1
            spans.append(QuoteSpan(q.start, q.end, q.paragraph, whole or q.whole_paragraph))
    return spans


def _is_apostrophe_like(paragraph: str, i: int) -> bool:
    return i > 0 and paragraph[i - 1].isalnum() and i + 1 < len(paragraph) and paragraph[i + 1] in " ,.;"


def _clean_quote(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip(",").strip()


def _tokens_between(doc: Doc, start_char: int, end_char: int) -> list[Token]:
    return [t for t in doc if t.idx >= start_char and t.idx + len(t.text) <= end_char]


class StatementExtractor:
    """Statements of one parsed document; keeps the speaker history that pronouns resolve to."""

    def __init__(self, doc: Doc, actors: DocumentActors, cues: dict[tuple[str, str], SpeechCue],
                 sentence_of_token: list[int]):
        self.doc = doc
        self.text = doc.text
        self.actors = actors
        self.cues = cues
        self.sentence_of_token = sentence_of_token
        self.quotes = find_quote_spans(doc.text)
        self.in_quote = self._quote_token_mask()
        self.used_cues: set[int] = set()

    def _quote_token_mask(self) -> list[bool]:
        mask = [False] * len(self.doc)
        for q in self.quotes:
            for t in _tokens_between(self.doc, q.start, q.end):
                mask[t.i] = True
        return mask

    # -- speech cues -------------------------------------------------------------------------
    def cue_of(self, token: Token) -> SpeechCue | None:
        if token.lower_ == "according" and token.i + 1 < len(self.doc) and self.doc[token.i + 1].lower_ == "to":
            return self.cues.get(("according to", "ADP"))
        if token.pos_ not in ("VERB", "AUX"):
            return None
        return self.cues.get((token.lemma_.lower(), "VERB"))

    # -- speakers ----------------------------------------------------------------------------
    def speaker_from_tokens(self, tokens: list[Token], position: int) -> Speaker | None:
        tokens = [t for t in tokens if not self.in_quote[t.i] and not t.is_space]
        while tokens and (tokens[0].is_punct or tokens[0].lower_ in ("and", "but", "while")):
            tokens = tokens[1:]
        while tokens and tokens[-1].is_punct:
            tokens = tokens[:-1]
        if not tokens:
            return None
        if len(tokens) == 1 and tokens[0].lower_ in PRONOUN_SPEAKERS:
            return self.resolve_pronoun(tokens[0], position)
        mentions = self._mentions_in(tokens)
        people = [m for m in mentions if self.actors.actors[m.actor_id].actor_type == "person"]
        chosen: Mention | None = None
        if people:
            chosen = people[-1]
        elif mentions:
            head = self._syntactic_head(tokens)
            on_head = [m for m in mentions if m.token_start <= head.i < m.token_end]
            # "an officer in the US-backed Free Syrian Army": not the modifier inside "US-backed".
            not_modifiers = [m for m in mentions if self._mention_root(m).dep_ not in ("npadvmod", "amod")]
            chosen = on_head[0] if on_head else (not_modifiers or mentions)[-1]
        if chosen is None:
            head = self._syntactic_head(tokens)
            if head.pos_ not in ("NOUN", "PROPN"):
                return None
            text = " ".join(t.text for t in tokens if t.lower_ not in DETERMINERS or t.i != tokens[0].i)
            return Speaker(None, _tidy(text), None, "nominal", "group")
        actor = self.actors.actors[chosen.actor_id]
        title_tokens = [t for t in tokens if t.i < chosen.token_start]
        title = _tidy(self.text[title_tokens[0].idx:title_tokens[-1].idx + len(title_tokens[-1].text)]) if title_tokens else None
        if title and title.lower() in DETERMINERS:
            title = None
        resolution = "apposition" if any(t.dep_ == "appos" for t in self.doc[chosen.token_start:chosen.token_end]) else "named"
        if chosen.kind == "nominal":
            resolution = "nominal"
        name = self._full_name(chosen)
        speaker = Speaker(actor.actor_id, name, title or None, resolution,
                          "person" if actor.actor_type == "person" else "group")
        return speaker

    def _mention_root(self, mention: Mention) -> Token:
        span = self.doc[mention.token_start:mention.token_end]
        return span.root

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
        return Speaker(None, token.text, None, "pronoun", PRONOUN_SPEAKERS.get(token.lower_, "group"))

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
        statements: list[Statement] = []
        previous_by_paragraph: dict[int, Statement] = {}
        quotes = [q for q in self.quotes]
        i = 0
        while i < len(quotes):
            q = quotes[i]
            quote_text = self.text[q.start:q.end]
            n_words = len(re.findall(r"\w+", quote_text))
            is_sentence_like = bool(re.search(r"[.!?,;…]\s*$", quote_text)) or q.whole_paragraph
            if n_words < MIN_DIRECT_QUOTE_WORDS or not (is_sentence_like or n_words >= 8):
                i += 1
                continue
            cue, speaker = self._attribute(q)
            parts = [q]
            # "…," he said, "…": the quote resumes after the attribution.
            if cue is not None and i + 1 < len(quotes) and quotes[i + 1].paragraph == q.paragraph:
                nxt = quotes[i + 1]
                between = self.text[q.end + 1: nxt.start - 1]
                if len(between) < 120 and cue.idx < nxt.start and cue.idx > q.end and not re.search(r"[.!?]\s*$", between.strip()):
                    parts.append(nxt)
                    i += 1
            if cue is None and speaker is None:
                prev = previous_by_paragraph.get(q.paragraph - 1) or previous_by_paragraph.get(q.paragraph)
                if prev is not None and (q.whole_paragraph or q.paragraph in previous_by_paragraph):
                    speaker = Speaker(None, None, None, "carry_over", prev.speaker.kind, carried_from=prev)
                elif n_words < 8:
                    i += 1
                    continue
                else:
                    speaker = Speaker(None, None, None, "unresolved", "person")
            if speaker is None:
                speaker = Speaker(None, None, None, "unresolved", "person")
            first_token = next((t for t in self.doc if t.idx >= q.start), self.doc[-1])
            anchor = cue if cue is not None else first_token
            statement = Statement(
                sentence_index=self.sentence_of_token[anchor.i],
                char_start=parts[0].start,
                char_end=parts[-1].end,
                quote_text=_clean_quote(" ".join(self.text[p.start:p.end] for p in parts)),
                quote_kind="direct",
                speaker=speaker,
                cue=(cue.lemma_.lower() if cue is not None else None),
                cue_token=cue.i if cue is not None else None,
                medium=self.medium_of(cue) if cue is not None else None,
                confidence=_confidence("direct", speaker, self.cue_of(cue) if cue is not None else None),
            )
            if cue is not None:
                self.used_cues.add(cue.i)
            statements.append(statement)
            previous_by_paragraph[q.paragraph] = statement
            i += 1
        return statements

    def _attribute(self, q: QuoteSpan) -> tuple[Token | None, Speaker | None]:
        """Find the cue and speaker for a quote: after it in its sentence, else before it."""
        doc = self.doc
        close_tokens = [t for t in doc if t.idx >= q.end]
        open_tokens = [t for t in doc if t.idx < q.start - 1]
        # After the closing mark, up to the end of that sentence.
        if close_tokens:
            sent = close_tokens[0].sent
            after = [t for t in close_tokens if t.i < sent.end and not self.in_quote[t.i]]
            after = after[: next((k for k, t in enumerate(after) if k > 0 and self._opens_quote(t)), len(after))]
            for t in after:
                cue = self.cue_of(t)
                if cue is None or cue.lemma == "according to" or t.i in self.used_cues:
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
        # Before the opening mark, in the same sentence: X said: "…"
        if open_tokens:
            sent = open_tokens[-1].sent
            before = [t for t in open_tokens if t.i >= sent.start and not self.in_quote[t.i]]
            for t in reversed(before):
                cue = self.cue_of(t)
                if cue is None or t.i in self.used_cues:
                    continue
                if cue.lemma == "according to":
                    obj = [x for x in doc[t.i + 1].children if x.dep_ == "pobj"]
                    region = list(obj[0].subtree) if obj else []
                else:
                    region = self._subject_tokens(t, [x for x in before if x.i < t.i])
                speaker = self.speaker_from_tokens(region, q.start)
                if speaker is not None:
                    return t, speaker
        return None, None

    def _opens_quote(self, token: Token) -> bool:
        return token.text in OPENING_QUOTES and token.i + 1 < len(self.doc) and self.in_quote[token.i + 1]

    def _subject_tokens(self, cue: Token, fallback: list[Token]) -> list[Token]:
        subjects = [c for c in cue.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            tokens = [t for t in subjects[0].subtree]
            # An apposition or a name the parser hung elsewhere still sits between quote and cue.
            if fallback and fallback[0].i < tokens[0].i:
                tokens = [t for t in fallback if t.i < cue.i]
            return tokens
        return fallback

    def _strip_medium(self, tail: list[Token], cue: Token) -> list[Token]:
        """In "said Peskov, speaking to reporters", the speaker ends before the medium phrase."""
        out = []
        for t in tail:
            if t.dep_ in ("prep", "dative") and t.head.i == cue.i:
                break
            if t.dep_ in ("dobj",) and cue.lemma_ == "tell" and t.head.i == cue.i and out:
                break
            out.append(t)
        return out

    # -- reported speech ---------------------------------------------------------------------
    def indirect_statements(self) -> list[Statement]:
        statements: list[Statement] = []
        for token in self.doc:
            if token.i in self.used_cues or self.in_quote[token.i]:
                continue
            cue = self.cue_of(token)
            if cue is None:
                continue
            if cue.lemma == "according to":
                st = self._according_to(token, cue)
            else:
                st = self._reported_clause(token, cue)
            if st is not None:
                self.used_cues.add(token.i)
                statements.append(st)
        return statements

    def _reported_clause(self, token: Token, cue: SpeechCue) -> Statement | None:
        complements = [c for c in token.children if c.dep_ in ("ccomp",)]
        if not complements:
            return None
        content = sorted(complements[0].subtree, key=lambda t: t.i)
        content = [t for t in content if not (t.dep_ == "mark" and t.lower_ == "that" and t.head.i == complements[0].i)]
        while content and (content[0].is_punct and content[0].text not in OPENING_QUOTES or content[0].lower_ == "that"):
            content = content[1:]
        while content and content[-1].is_punct and content[-1].text not in CLOSING_QUOTES:
            content = content[:-1]
        if len([t for t in content if not t.is_punct]) < MIN_INDIRECT_WORDS:
            return None
        if any(self.in_quote[t.i] for t in content) and all(
            self.in_quote[t.i] or t.is_punct for t in content
        ):
            return None  # the clause is a direct quote already attributed
        subject_head = token
        subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
        if not subjects and token.dep_ in ("advcl", "xcomp", "conj", "acl") and token.head.pos_ in ("VERB", "AUX"):
            subject_head = token.head  # "X criticised Y, saying …"
            subjects = [c for c in subject_head.children if c.dep_ in ("nsubj", "nsubjpass")]
        if not subjects:
            return None
        region = [t for t in subjects[0].subtree if t.i not in {c.i for c in content}]
        speaker = self.speaker_from_tokens(region, token.idx)
        if speaker is None:
            return None
        start, end = content[0].idx, content[-1].idx + len(content[-1].text)
        quote = self.text[start:end]
        kind = "mixed" if any(ch in quote for ch in OPENING_QUOTES + CLOSING_QUOTES) else "indirect"
        return Statement(
            sentence_index=self.sentence_of_token[token.i],
            char_start=start,
            char_end=end,
            quote_text=_clean_quote(quote.strip('"“”')),
            quote_kind=kind,
            speaker=speaker,
            cue=cue.lemma,
            cue_token=token.i,
            medium=self.medium_of(token),
            confidence=_confidence(kind, speaker, cue),
        )

    def _according_to(self, token: Token, cue: SpeechCue) -> Statement | None:
        to = self.doc[token.i + 1]
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
        start, end = content[0].idx, content[-1].idx + len(content[-1].text)
        quote = self.text[start:end]
        kind = "mixed" if any(ch in quote for ch in OPENING_QUOTES + CLOSING_QUOTES) else "indirect"
        return Statement(
            sentence_index=self.sentence_of_token[token.i],
            char_start=start,
            char_end=end,
            quote_text=_clean_quote(quote),
            quote_kind=kind,
            speaker=speaker,
            cue="according to",
            cue_token=token.i,
            medium=None,
            confidence=_confidence(kind, speaker, cue),
        )


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
    extractor = StatementExtractor(doc, actors, cues, sentence_of_token)
    direct = extractor.direct_statements()
    indirect = extractor.indirect_statements()
    statements = sorted(direct + indirect, key=lambda s: (s.char_start, s.char_end))
    resolve_speakers(statements, doc, actors)
    return statements


def resolve_speakers(statements: list[Statement], doc: Doc, actors: DocumentActors) -> None:
    """Give pronoun and carried-over speakers the last fitting named speaker, in text order.

    "Fitting" means a person for he/she/I and a group for they/we/it; before any named speaker
    of that kind, a pronoun falls back to the last person the text named before it.
    """
    named: list[Speaker] = []
    for st in sorted(statements, key=_speaker_position(doc)):
        sp = st.speaker
        if sp.resolution == "carry_over" and sp.carried_from is not None:
            src = sp.carried_from.speaker
            st.speaker = Speaker(src.actor_id, src.text, src.title, "carry_over", src.kind)
        elif sp.resolution == "pronoun":
            match = next((n for n in reversed(named) if n.kind == sp.kind and n.actor_id), None)
            if match is None and sp.kind == "person":
                cue_at = st.cue_token if st.cue_token is not None else len(doc)
                people = [m for m in actors.mentions
                          if m.token_start < cue_at and actors.actors[m.actor_id].actor_type == "person"]
                if people:
                    person = actors.actors[people[-1].actor_id]
                    match = Speaker(person.actor_id, person.name, None, "named", "person")
            st.speaker = (Speaker(match.actor_id, match.text, match.title, "pronoun", sp.kind) if match
                          else Speaker(None, None, None, "unresolved", sp.kind))
        elif sp.actor_id and sp.resolution in ("named", "apposition", "nominal"):
            named.append(sp)
        st.confidence = min(st.confidence, _confidence(st.quote_kind, st.speaker, None) if st.cue is None else st.confidence)


def _speaker_position(doc: Doc):
    """Order statements by where their speaker is named (the cue), which is where the reader learns it."""
    def key(st: Statement) -> tuple[int, int]:
        if st.cue_token is not None:
            return (doc[st.cue_token].idx, st.char_start)
        return (st.char_start, st.char_start)
    return key
