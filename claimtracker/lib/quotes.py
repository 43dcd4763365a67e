"""Locating a quote in a source's text, after the W3C Web Annotation
TextQuoteSelector: the exact text, with a little of the text before and after
it so that a reader (or a later re-location) can tell which occurrence is meant.
"""

import re
from dataclasses import dataclass

CONTEXT_CHARS = 32

# Typographic quotes and apostrophes are matched as their plain forms.
_FOLD = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " "})


@dataclass(frozen=True)
class QuoteSelector:
    start: int
    end: int
    prefix: str
    suffix: str
    # Found only when letter case is ignored.
    case_differs: bool = False


def locate(body: str, quote: str) -> QuoteSelector | None:
    """Where ``quote`` stands in ``body``, or None when it is not there.

    Tries the exact text first, then the text with typographic quotes folded
    and any run of white space matching any other.
    """
    quote = quote.strip()
    if not body or not quote:
        return None
    start = body.find(quote)
    if start >= 0:
        end = start + len(quote)
    else:
        words = quote.translate(_FOLD).split()
        pattern = r"\s+".join(re.escape(word) for word in words)
        match = re.search(pattern, body.translate(_FOLD))
        if match is None:
            return None
        start, end = match.span()
    return QuoteSelector(
        start=start,
        end=end,
        prefix=body[max(0, start - CONTEXT_CHARS) : start],
        suffix=body[end : end + CONTEXT_CHARS],
    )
