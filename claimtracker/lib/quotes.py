"""Locating a quote in a source's text, after the W3C Web Annotation
TextQuoteSelector: the exact text, with a little of the text before and after
it so that a reader (or a later re-location) can tell which occurrence is meant.

A quote is typed or pasted by a person, so it rarely matches the source byte for
byte. Both sides are compared in one normal form (``normalise``):

* Unicode NFC, so Korean typed as decomposed jamo (macOS, some HWP exports)
  matches the composed syllables of the source, and the other way round;
* curly, low-9, guillemet and CJK corner-bracket quotation marks read as the
  plain ``"`` and ``'``;
* any run of white space (line breaks, no-break and ideographic spaces) reads
  as one space.

An ellipsis in the quote ("…", "...", ". . .", "[...]", "(...)") marks an
omission: the pieces around it must stand in the source in that order. When
only letter case differs the quote is still found, flagged ``case_differs`` so
a reviewer can look.

Offsets always index the original, unnormalised body (Python ``str`` indices),
because the caller slices ``body[start:end]`` to highlight the quote. The
normalised copy therefore carries an alignment back to the original text.
"""

import itertools
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

CONTEXT_CHARS = 32

# Each class is folded to one plain character. The folds keep the length, so
# they need no alignment of their own.
_DOUBLE_QUOTES = re.compile(r"[\u201c\u201d\u201e\u201f\u00ab\u00bb\u300c\u300d\u300e\u300f\u301d\u301e\u301f\uff02]")
_SINGLE_QUOTES = re.compile(r"[\u2018\u2019\u201a\u201b\u2039\u203a\uff07]")
# Every character for which str.isspace() is true, but the plain space.
_OTHER_SPACES = re.compile(r"[\t-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_SPACE_RUN = re.compile("  +")
# Characters that may compose with, or reorder against, the one before them.
# Outside these, a non-ASCII run can be normalised cluster by cluster; a
# boundary before an ASCII character is always safe.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SPACES_OR_CLUSTERS = re.compile(r"(  +)|[\x00-\x7f]?[^\x00-\x7f]+")
# An omission: a bracketed ellipsis, or a run of dots and "…" (judged in _parts).
_OMISSION = re.compile(r"[\[(] ?(?:\u2026|\.(?: ?\.){2,}) ?[\])]|[.\u2026](?: ?[.\u2026])*")


@dataclass(frozen=True)
class QuoteSelector:
    start: int
    end: int
    prefix: str
    suffix: str
    # Found only when letter case is ignored.
    case_differs: bool = False


def _fold(text: str) -> str:
    text = _DOUBLE_QUOTES.sub('"', text)
    text = _SINGLE_QUOTES.sub("'", text)
    return _OTHER_SPACES.sub(" ", text)


def normalise(text: str) -> str:
    """``text`` in the form quotes are compared in (letter case kept)."""
    # Folding first is enough: no character composes or decomposes to a folded one.
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", _fold(text)))


def quote_parts(quote: str) -> list[str]:
    """The normalised pieces of ``quote`` between omission marks, empty ones dropped."""
    text = normalise(quote)
    parts: list[str] = []
    last = 0
    for match in _OMISSION.finditer(text):
        mark = match.group()
        # One or two dots end a sentence or an abbreviation; three make an ellipsis.
        if mark[0] in "[(" or "\u2026" in mark or mark.count(".") >= 3:
            parts.append(text[last : match.start()])
            last = match.end()
    parts.append(text[last:])
    return [part.strip() for part in parts if part.strip()]


def _joins_previous(char: str) -> bool:
    # Combining marks (and marks with class 0 that compose, e.g. Tamil vowel
    # signs), and Hangul medial vowels and final consonants, which compose
    # algorithmically with the syllable or initial before them.
    if char < "\u0300":
        return False
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char)[0] == "M"
        or "\u1160" <= char <= "\u11ff"
        or "\ud7b0" <= char <= "\ud7ff"
    )


class _Alignment:
    """Maps character indices of a rewritten string back to its source string.

    ``edits`` are the rewritten stretches, in order, as (source start, source
    end, rewritten length); everything between them is copied one to one.
    """

    def __init__(self, edits: list[tuple[int, int, int]]) -> None:
        # (new start, new end, old start, old end) per edit.
        self._spans: list[tuple[int, int, int, int]] = []
        shift = 0
        for old_start, old_end, new_length in edits:
            new_start = old_start + shift
            self._spans.append((new_start, new_start + new_length, old_start, old_end))
            shift += new_length - (old_end - old_start)
        self._keys = [span[0] for span in self._spans]

    def _locate(self, index: int) -> tuple[int, int]:
        """Source start and end of the rewritten character at ``index``."""
        k = bisect_right(self._keys, index) - 1
        if k < 0:
            return index, index + 1
        new_start, new_end, old_start, old_end = self._spans[k]
        if index < new_end:
            # Inside a rewritten stretch: the whole source stretch answers for it.
            return old_start, old_end
        old = index - new_end + old_end
        return old, old + 1

    def start(self, index: int) -> int:
        return self._locate(index)[0]

    def end(self, index: int) -> int:
        """Source end for a rewritten (exclusive) end ``index`` > 0."""
        return self._locate(index - 1)[1]


def _find_in_order(haystack: str, parts: list[str]) -> tuple[int, int] | None:
    """The tightest span holding ``parts`` in order, ending as early as possible."""
    position = 0
    for part in parts:
        found = haystack.find(part, position)
        if found < 0:
            return None
        position = found + len(part)
    end = position
    # Back from the end, each part's last occurrence before the next one's start:
    # a leading part that also occurs far earlier does not stretch the span.
    for part in reversed(parts):
        position = haystack.rfind(part, 0, position)
    return position, end


class Haystack:
    """One body prepared for locating many quotes in it.

    The normalised copy (and its case-folded copy, needed only when a quote is
    not found as typed) are built once, on first use.
    """

    def __init__(self, body: str) -> None:
        self.body = body

    @cached_property
    def _normalised(self) -> tuple[str, _Alignment]:
        text = _fold(self.body)
        if unicodedata.is_normalized("NFC", text):
            # The usual case: only white space runs to collapse.
            pattern = _SPACE_RUN
        else:
            pattern = _SPACES_OR_CLUSTERS
        pieces: list[str] = []
        edits: list[tuple[int, int, int]] = []
        position = 0
        for match in pattern.finditer(text):
            if pattern is _SPACE_RUN or match.group(1):
                replacements = [(match.start(), match.end(), " ")]
            else:
                replacements = list(self._cluster_edits(match.group(), match.start()))
            for start, end, new in replacements:
                pieces.append(text[position:start])
                pieces.append(new)
                edits.append((start, end, len(new)))
                position = end
        pieces.append(text[position:])
        return "".join(pieces), _Alignment(edits)

    @staticmethod
    def _cluster_edits(run: str, offset: int) -> list[tuple[int, int, str]]:
        """NFC across ``run``, cluster by cluster (a character and those joining it)."""
        composed = unicodedata.normalize("NFC", run)
        if composed == run:
            return []
        starts = [index for index, char in enumerate(run) if index == 0 or not _joins_previous(char)]
        starts.append(len(run))
        if len(composed) == len(starts) - 1:
            # Each cluster composes to at least one character, so here to exactly
            # one: the common case (a syllable from its jamo, a letter and its accent).
            return [
                (offset + start, offset + end, composed[index])
                for index, (start, end) in enumerate(itertools.pairwise(starts))
                if end - start > 1 or composed[index] != run[start]
            ]
        edits: list[tuple[int, int, str]] = []
        for start, end in itertools.pairwise(starts):
            cluster = run[start:end]
            new = unicodedata.normalize("NFC", cluster)
            if new != cluster:
                edits.append((offset + start, offset + end, new))
        return edits

    @cached_property
    def _casefolded(self) -> tuple[str, _Alignment]:
        text = self._normalised[0]
        folded = text.casefold()
        edits: list[tuple[int, int, int]] = []
        if len(folded) != len(text):
            # A few characters fold to several ("ß" to "ss", "İ" to "i̇"); all
            # of them are outside ASCII, and whole runs can be skipped cheaply.
            for match in _NON_ASCII.finditer(text):
                run = match.group()
                if len(run.casefold()) == len(run):
                    continue
                for index, char in enumerate(run, start=match.start()):
                    length = len(char.casefold())
                    if length != 1:
                        edits.append((index, index + 1, length))
        return folded, _Alignment(edits)

    def _selector(self, start: int, end: int, case_differs: bool) -> QuoteSelector:
        return QuoteSelector(
            start=start,
            end=end,
            prefix=self.body[max(0, start - CONTEXT_CHARS) : start],
            suffix=self.body[end : end + CONTEXT_CHARS],
            case_differs=case_differs,
        )

    def _clean_cut(self, start: int, end: int) -> bool:
        # A verbatim hit that splits a character from its combining marks (an
        # unaccented "Cafe" inside a decomposed "Café") is not the quote.
        return not _joins_previous(self.body[start]) and (end == len(self.body) or not _joins_previous(self.body[end]))

    def locate(self, quote: str) -> QuoteSelector | None:
        """Where ``quote`` stands in the body, or None when it is not there."""
        parts = quote_parts(quote)
        if not parts or not self.body:
            return None
        # The text exactly as typed, when it is there, is the best evidence.
        verbatim = quote.strip()
        found = self.body.find(verbatim)
        if found >= 0 and self._clean_cut(found, found + len(verbatim)):
            return self._selector(found, found + len(verbatim), case_differs=False)
        text, alignment = self._normalised
        span = _find_in_order(text, parts)
        if span is not None:
            return self._selector(alignment.start(span[0]), alignment.end(span[1]), case_differs=False)
        folded, case_alignment = self._casefolded
        span = _find_in_order(folded, [part.casefold() for part in parts])
        if span is None:
            return None
        start = alignment.start(case_alignment.start(span[0]))
        end = alignment.end(case_alignment.end(span[1]))
        return self._selector(start, end, case_differs=True)


# Saving a source locates every attribution's quote in the same body, one call
# each; keeping the last few bodies prepared spares normalising it every time.
_prepared = lru_cache(maxsize=8)(Haystack)


def locate(body: str, quote: str) -> QuoteSelector | None:
    """Where ``quote`` stands in ``body``, or None when it is not there.

    Tries the text exactly as typed, then the normalised text (see the module
    docstring), then the normalised text with letter case ignored.
    """
    if not body or not quote.strip():
        return None
    return _prepared(body).locate(quote)


def passage(body: str, start: int, end: int, context: int = 160) -> tuple[str, str, str]:
    """The text before ``body[start:end]``, the quote itself and the text after.

    Each side holds at most ``context`` characters of the body, cut at a word
    boundary where there is one, and marked with "…" where it was cut.
    Offsets out of range are clamped to the body.
    """
    start = max(0, min(start, len(body)))
    end = max(start, min(end, len(body)))
    cut = start - context
    before = body[max(0, cut) : start]
    if cut > 0:
        if not body[cut - 1].isspace():
            # Drop the partial word at the cut, when a whole word remains.
            words = before.split(None, 1)
            if len(words) == 2:
                before = words[1]
        before = "\u2026" + before.lstrip()
    cut = end + context
    after = body[end:cut]
    if cut < len(body):
        if not body[cut].isspace():
            words = after.rsplit(None, 1)
            if len(words) == 2:
                after = words[0]
        after = after.rstrip() + "\u2026"
    return before, body[start:end], after
