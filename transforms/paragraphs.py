"""A spaCy component that starts a new sentence at every paragraph break.

The parser otherwise runs headings and sign-offs into the next paragraph's first sentence,
which spoils both sentence excerpts and quote attribution.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

COMPONENT_NAME = "paragraph_sentence_starts"


@Language.component(COMPONENT_NAME)
def paragraph_sentence_starts(doc: Doc) -> Doc:
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text:
            token.is_sent_start = True
        elif "\n" in previous.whitespace_:
            token.is_sent_start = True
    return doc
