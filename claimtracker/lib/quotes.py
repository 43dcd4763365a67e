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
a reviewer can look. A match never ends inside a character: "cafe" is not found
in "café", however the accent is encoded.

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
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Nothing composes with an ASCII character before it, so NFC can work through a
# text one non-ASCII run (and the character before it) at a time.
_SPACES_OR_CLUSTERS = re.compile(r"(  +)|[\x00-\x7f]?[^\x00-\x7f]+")
# An omission: a bracketed ellipsis, or a run of dots and "…" (judged in quote_parts).
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


def _whole(haystack: str, found: int, part: str) -> bool:
    # An occurrence followed by a mark that stays separate even in NFC ("q" in
    # "q̃") is part of another character, not the quoted one.
    end = found + len(part)
    return end == len(haystack) or not _joins_previous(haystack[end])


def _find_in_order(haystack: str, parts: list[str]) -> tuple[int, int] | None:
    """The tightest span holding ``parts`` in order, ending as early as possible."""
    position = 0
    for part in parts:
        found = haystack.find(part, position)
        while found >= 0 and not _whole(haystack, found, part):
            found = haystack.find(part, found + 1)
        if found < 0:
            return None
        position = found + len(part)
    end = position
    # Back from the end, each part's last occurrence before the next one's start:
    # a leading part that also occurs far earlier does not stretch the span.
    for part in reversed(parts):
        found = haystack.rfind(part, 0, position)
        while found >= 0 and not _whole(haystack, found, part):
            found = haystack.rfind(part, 0, found + len(part) - 1)
        position = found
    return position, end


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
            # Keep what NFC left alone at either end (a space before a mark it
            # decomposed, say) aligned one to one; at least a character remains.
            head = tail = 0
            while head < min(len(cluster), len(new)) - 1 and cluster[head] == new[head]:
                head += 1
            while tail < min(len(cluster), len(new)) - head - 1 and cluster[-1 - tail] == new[-1 - tail]:
                tail += 1
            edits.append((offset + start + head, offset + end - tail, new[head : len(new) - tail]))
    return edits


def _rewrite(folded: str) -> tuple[str, _Alignment]:
    """``normalise`` of an already folded text, with its alignment to that text."""
    pattern = _SPACE_RUN if unicodedata.is_normalized("NFC", folded) else _SPACES_OR_CLUSTERS
    pieces: list[str] = []
    edits: list[tuple[int, int, int]] = []
    position = 0
    for match in pattern.finditer(folded):
        if pattern is _SPACE_RUN or match.group(1):
            replacements = [(match.start(), match.end(), " ")]
        else:
            replacements = _cluster_edits(match.group(), match.start())
        for start, end, new in replacements:
            pieces.append(folded[position:start])
            pieces.append(new)
            edits.append((start, end, len(new)))
            position = end
    pieces.append(folded[position:])
    return "".join(pieces), _Alignment(edits)


def _casefold_alignment(text: str) -> _Alignment:
    """Alignment of ``text.casefold()`` to ``text``."""
    edits: list[tuple[int, int, int]] = []
    if len(text.casefold()) != len(text):
        # A few characters fold to several ("ß" to "ss", "İ" to "i̇"), all
        # outside ASCII; runs that keep their length are skipped whole.
        for match in _NON_ASCII.finditer(text):
            run = match.group()
            if len(run.casefold()) == len(run):
                continue
            for index, char in enumerate(run, start=match.start()):
                length = len(char.casefold())
                if length != 1:
                    edits.append((index, index + 1, length))
    return _Alignment(edits)


class Haystack:
    """One body prepared for locating many quotes in it.

    The body is normalised once, in segments cut where normalising cannot reach
    across (before a character that joins nothing, or at the start of a run of
    white space). Only the segments where a match begins and ends are then
    aligned character by character, so a decomposed body costs no more than a
    composed one.
    """

    segment_chars = 512

    def __init__(self, body: str) -> None:
        self.body = body
        self._aligned: dict[int, _Alignment] = {}
        self._case_aligned: dict[int, _Alignment] = {}

    @cached_property
    def _folded(self) -> str:
        return _fold(self.body)

    def _cut(self, position: int) -> int:
        """The first safe segment boundary at or after ``position``."""
        folded = self._folded
        while position < len(folded):
            char = folded[position]
            if (char != " " and not _joins_previous(char)) or (char == " " and folded[position - 1] != " "):
                return position
            position += 1
        return len(folded)

    @cached_property
    def _segments(self) -> tuple[str, list[int], list[int]]:
        """The normalised body, and where each segment starts in the body and in it."""
        folded = self._folded
        composed = unicodedata.is_normalized("NFC", folded)
        pieces: list[str] = []
        sources, targets = [0], [0]
        while sources[-1] < len(folded):
            end = self._cut(sources[-1] + self.segment_chars)
            piece = folded[sources[-1] : end]
            if not composed:
                piece = unicodedata.normalize("NFC", piece)
            if "  " in piece:
                piece = _SPACE_RUN.sub(" ", piece)
            pieces.append(piece)
            sources.append(end)
            targets.append(targets[-1] + len(piece))
        return "".join(pieces), sources, targets

    @cached_property
    def _casefolded(self) -> tuple[str, list[int]]:
        """The normalised body case-folded, and where each segment starts in it."""
        text, _, targets = self._segments
        pieces = [text[start:end].casefold() for start, end in itertools.pairwise(targets)]
        return "".join(pieces), [0, *itertools.accumulate(len(piece) for piece in pieces)]

    def _alignment(self, segment: int) -> _Alignment:
        if segment not in self._aligned:
            _, sources, _ = self._segments
            self._aligned[segment] = _rewrite(self._folded[sources[segment] : sources[segment + 1]])[1]
        return self._aligned[segment]

    def _case_alignment(self, segment: int) -> _Alignment:
        if segment not in self._case_aligned:
            text, _, targets = self._segments
            self._case_aligned[segment] = _casefold_alignment(text[targets[segment] : targets[segment + 1]])
        return self._case_aligned[segment]

    def _body_span(self, start: int, end: int) -> tuple[int, int]:
        """Body offsets of the normalised span ``start:end`` (not empty)."""
        _, sources, targets = self._segments
        first = bisect_right(targets, start) - 1
        last = bisect_right(targets, end - 1) - 1
        return (
            sources[first] + self._alignment(first).start(start - targets[first]),
            sources[last] + self._alignment(last).end(end - targets[last]),
        )

    def _normalised_span(self, start: int, end: int) -> tuple[int, int]:
        """Normalised offsets of the case-folded span ``start:end`` (not empty)."""
        _, _, targets = self._segments
        folded_targets = self._casefolded[1]
        first = bisect_right(folded_targets, start) - 1
        last = bisect_right(folded_targets, end - 1) - 1
        return (
            targets[first] + self._case_alignment(first).start(start - folded_targets[first]),
            targets[last] + self._case_alignment(last).end(end - folded_targets[last]),
        )

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
        span = _find_in_order(self._segments[0], parts)
        if span is not None:
            return self._selector(*self._body_span(*span), case_differs=False)
        span = _find_in_order(self._casefolded[0], [part.casefold() for part in parts])
        if span is None:
            return None
        return self._selector(*self._body_span(*self._normalised_span(*span)), case_differs=True)


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


NEAR_SLACK = 64  # characters around a reader's selection searched first


def locate_near(body: str, quote: str, near: int) -> QuoteSelector | None:
    """Where ``quote`` stands in ``body`` at or just after ``near`` (the place a
    reader selected it: a passage that occurs twice is anchored where it was
    chosen), or anywhere else when it is not there."""
    if body and quote.strip() and 0 <= near < len(body):
        # From the place itself first; then a little before it, as the page's
        # count of characters may drift (UTF-16 units, trimmed white space).
        for start in (near, max(0, near - NEAR_SLACK)):
            found = locate(body[start : near + len(quote) * 2 + NEAR_SLACK], quote)
            if found is not None:
                break
        if found is not None:
            begin, end = found.start + start, found.end + start
            return QuoteSelector(
                start=begin,
                end=end,
                prefix=body[max(0, begin - CONTEXT_CHARS) : begin],
                suffix=body[end : end + CONTEXT_CHARS],
                case_differs=found.case_differs,
            )
    return locate(body, quote)


def passage(body: str, start: int, end: int, context: int = 160) -> tuple[str, str, str]:
    """The text before ``body[start:end]``, the quote itself and the text after.

    Each side holds at most ``context`` characters of the body, cut at a word
    boundary where there is one, and marked with "…" where it was cut.
    Offsets out of range are clamped to the body.
    """
    start = max(0, min(start, len(body)))
    end = max(start, min(end, len(body)))
    context = max(0, context)
    cut = start - context
    before = body[max(0, cut) : start]
    if cut > 0:
        if before and not body[cut - 1].isspace() and not before[0].isspace():
            # Drop the partial word at the cut, when a whole word remains.
            words = before.split(None, 1)
            if len(words) == 2:
                before = words[1]
        before = "\u2026" + before.lstrip()
    cut = end + context
    after = body[end:cut]
    if cut < len(body):
        if after and not body[cut].isspace() and not after[-1].isspace():
            words = after.rsplit(None, 1)
            if len(words) == 2:
                after = words[0]
        after = after.rstrip() + "\u2026"
    return before, body[start:end], after
