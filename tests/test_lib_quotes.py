import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claimtracker.lib import quotes
from claimtracker.lib.quotes import (
    CONTEXT_CHARS,
    Haystack,
    QuoteSelector,
    _fold,  # the internals that Haystack's segments rest on
    _rewrite,
    locate,
    normalise,
    passage,
    quote_parts,
)

BODY = (
    "On Monday, a North Korean representative at the United Nations rejected reports of the country's "
    'troop dispatch as a "groundless rumor."'
)
KOREAN = (
    "북한 국가정보원은 24일 \u201c러시아 파병은 근거 없는 소문\u201d이라고 밝혔다. "
    "국정원 관계자는 \u2018확인 중\u2019이라고 말했다."
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def found(body: str, quote: str) -> QuoteSelector:
    selector = locate(body, quote)
    assert selector is not None
    assert 0 <= selector.start <= selector.end <= len(body)
    assert selector.prefix == body[max(0, selector.start - CONTEXT_CHARS) : selector.start]
    assert selector.suffix == body[selector.end : selector.end + CONTEXT_CHARS]
    # The span's own text holds the quote's parts, in order, from its first
    # character to its last.
    text = normalise(body[selector.start : selector.end])
    parts = quote_parts(quote)
    if selector.case_differs:
        text, parts = text.casefold(), [part.casefold() for part in parts]
    assert text.startswith(parts[0])
    assert text.endswith(parts[-1])
    position = 0
    for part in parts:
        position = text.index(part, position) + len(part)
    return selector


def span(body: str, quote: str) -> str:
    selector = found(body, quote)
    return body[selector.start : selector.end]


# --- Exact text ----------------------------------------------------------------------


def test_exact_quote_is_found_with_its_context() -> None:
    selector = found(BODY, "groundless rumor")

    assert BODY[selector.start : selector.end] == "groundless rumor"
    assert selector.prefix == BODY[selector.start - CONTEXT_CHARS : selector.start]
    assert selector.suffix == '."'
    assert not selector.case_differs


def test_exact_korean_quote_is_found() -> None:
    selector = found(KOREAN, "근거 없는 소문")

    assert KOREAN[selector.start : selector.end] == "근거 없는 소문"
    assert not selector.case_differs


def test_quote_is_stripped_before_matching() -> None:
    assert span(BODY, "  groundless rumor \n") == "groundless rumor"


def test_verbatim_text_is_preferred_to_an_earlier_normalised_match() -> None:
    body = "grave\nconcern, then grave concern"

    selector = found(body, "grave concern")

    assert selector.start == body.rindex("grave concern")


# --- Quotation marks and white space --------------------------------------------------------


def test_typographic_quotes_and_line_breaks_still_match() -> None:
    body = "He said \u201cgrave\nconcern\u201d over the\u00a0deployment."

    selector = locate(body, 'said "grave concern" over the deployment')

    assert selector is not None
    assert body[selector.start : selector.end] == "said \u201cgrave\nconcern\u201d over the\u00a0deployment"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("\u201c", "\u201d"),
        ("\u201e", "\u201c"),
        ("\u201f", "\u201d"),
        ("\u00ab", "\u00bb"),
        ("\u300c", "\u300d"),
        ("\u300e", "\u300f"),
        ("\u301d", "\u301e"),
        ("\uff02", "\uff02"),
    ],
)
def test_double_quotation_marks_of_all_kinds_read_as_straight(opening: str, closing: str) -> None:
    body = f"The envoy called it {opening}a groundless rumor{closing} on Monday."

    assert span(body, 'it "a groundless rumor" on') == f"it {opening}a groundless rumor{closing} on"
    # And the other way round: a curly quote typed against a straight body.
    assert span(BODY, f"as a {opening}groundless rumor.{closing}") == 'as a "groundless rumor."'


@pytest.mark.parametrize("mark", ["\u2018", "\u2019", "\u201a", "\u201b", "\u2039", "\u203a", "\uff07"])
def test_single_quotation_marks_and_apostrophes_read_as_straight(mark: str) -> None:
    assert span(BODY, f"the country{mark}s troop") == "the country's troop"


def test_corner_brackets_match_straight_and_curly_quotes_in_korean() -> None:
    # The body uses curly quotes; the quote was typed with corner brackets.
    assert span(KOREAN, "「러시아 파병은 근거 없는 소문」") == "\u201c러시아 파병은 근거 없는 소문\u201d"
    body = "국정원은 『확인 중』이라고 말했다."
    assert span(body, '"확인 중"이라고') == "『확인 중』이라고"
    # Double marks do not stand for single ones.
    assert locate(body, "'확인 중'") is None


def test_white_space_runs_of_any_kind_read_as_one_space() -> None:
    body = "He said:\n\n  grave\t\tconcern\u3000over\u2009the\r\ndeployment."

    assert span(body, "grave concern over the deployment") == "grave\t\tconcern\u3000over\u2009the\r\ndeployment"
    assert span(BODY, "groundless \n\n rumor") == "groundless rumor"
    assert span(KOREAN, "국정원\n관계자는\u00a0 \u2018확인") == "국정원 관계자는 \u2018확인"


# --- Unicode normalisation --------------------------------------------------------------------


def test_decomposed_korean_quote_matches_composed_body() -> None:
    quote = nfd("국가정보원")
    assert quote != "국가정보원" and len(quote) > len("국가정보원")

    selector = found(KOREAN, quote)

    assert KOREAN[selector.start : selector.end] == "국가정보원"
    assert not selector.case_differs


def test_composed_korean_quote_matches_decomposed_body_with_offsets_into_it() -> None:
    body = nfd(KOREAN)

    selector = found(body, "국가정보원은 24일 \u201c러시아 파병은")

    assert body[selector.start : selector.end] == nfd("국가정보원은 24일 \u201c러시아 파병은")
    assert body[: selector.start] == nfd("북한 ")
    assert body[selector.start] == "\u1100"  # the initial ㄱ of 국, not a vowel or final


def test_decomposed_latin_matches_composed_and_back() -> None:
    composed = "The caf\u00e9 owner said the na\u00efve plan failed."
    decomposed = nfd(composed)

    assert span(composed, nfd("caf\u00e9 owner")) == "caf\u00e9 owner"
    assert span(decomposed, "na\u00efve plan") == nfd("na\u00efve plan")


def test_bare_letter_does_not_match_an_accented_one() -> None:
    # Without its accent "cafe" is another word, even inside a decomposed body.
    assert locate("The caf\u00e9 owner", "cafe owner") is None
    assert locate(nfd("The caf\u00e9 owner"), "cafe owner") is None
    assert locate(nfd("The caf\u00e9"), "caf") is not None  # a word's beginning still is


def test_part_of_a_decomposed_syllable_is_not_found() -> None:
    # "국" is 국 alone: the decomposed 구 (ㄱ + ㅜ) inside 국 is not it.
    assert locate(nfd("국가"), "구가") is None


# --- Omissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ellipsis", ["\u2026", "...", "....", " ... ", " \u2026 ", ". . .", "[...]", " [\u2026] ", "(...)"]
)
def test_ellipsis_splits_the_quote_into_parts_found_in_order(ellipsis: str) -> None:
    selector = found(BODY, f"a North Korean representative{ellipsis}rejected reports")

    assert BODY[selector.start : selector.end] == (
        "a North Korean representative at the United Nations rejected reports"
    )


def test_ellipsis_in_korean_quote() -> None:
    assert span(KOREAN, "러시아 파병은\u2026소문") == "러시아 파병은 근거 없는 소문"
    assert (
        span(KOREAN, nfd("국가정보원은 ... 밝혔다"))
        == KOREAN[KOREAN.index("국가정보원은") : KOREAN.index("밝혔다") + 3]
    )


def test_parts_out_of_order_are_not_found() -> None:
    assert locate(BODY, "rejected reports \u2026 a North Korean representative") is None
    assert locate(KOREAN, "소문 ... 러시아 파병은") is None


def test_span_of_parts_is_as_tight_as_possible() -> None:
    body = "the minister spoke. Later the minister said the plan was dead."

    assert span(body, "the minister ... dead") == "the minister said the plan was dead"


def test_parts_do_not_overlap() -> None:
    assert locate("abc", "ab ... bc") is None
    assert span("ab bc", "ab ... bc") == "ab bc"


def test_quote_that_is_only_an_ellipsis_finds_nothing() -> None:
    body = "He paused ... and went on."
    for quote in ["...", "\u2026", " [...] ", "(\u2026)", ". . ."]:
        assert quote_parts(quote) == []
        assert locate(body, quote) is None


def test_one_or_two_dots_are_not_an_ellipsis() -> None:
    assert quote_parts("U.S. forces.. left") == ["U.S. forces.. left"]
    assert quote_parts("end . . . start") == ["end", "start"]


def test_empty_parts_are_dropped() -> None:
    assert quote_parts("... groundless rumor \u2026") == ["groundless rumor"]
    assert span(BODY, "\u2026 groundless rumor ...") == "groundless rumor"


# --- Letter case -------------------------------------------------------------------------------


def test_case_only_difference_is_flagged() -> None:
    selector = found(BODY, "GROUNDLESS Rumor")

    assert selector.case_differs
    assert BODY[selector.start : selector.end] == "groundless rumor"


def test_exact_case_anywhere_wins_over_an_earlier_case_insensitive_match() -> None:
    body = "GROUNDLESS RUMOR, he wrote; a groundless rumor, he said."

    selector = found(body, "a groundless rumor")
    assert not selector.case_differs
    assert selector.start == body.index("a groundless rumor")

    selector = found(body, "Groundless Rumor")
    assert selector.case_differs
    assert selector.start == 0


def test_case_difference_with_normalisation_and_ellipsis() -> None:
    selector = found(BODY, "\u201cGroundless \u2026 RUMOR.\u201d")

    assert selector.case_differs
    assert BODY[selector.start : selector.end] == '"groundless rumor."'


def test_case_folding_that_changes_length_keeps_offsets_right() -> None:
    body = "Die Stra\u00dfe ist lang. In der STRASSE steht er."

    selector = found(body, "Stra\u00dfe ist")
    assert not selector.case_differs
    selector = found(body, "STRASSE IST")
    assert selector.case_differs
    assert body[selector.start : selector.end] == "Stra\u00dfe ist"
    # Only part of the folded "ss" still covers the whole "ß".
    selector = found(body, "ist lang. in der strasse")
    assert body[selector.start : selector.end] == "ist lang. In der STRASSE"
    body = "\u0130stanbul and \u0130zmir"
    assert span(body, "i\u0307zmir") == "\u0130zmir"


def test_korean_with_latin_case_difference() -> None:
    body = "국정원은 UN 보고서를 인용했다."

    selector = found(body, "un 보고서를")

    assert selector.case_differs
    assert body[selector.start : selector.end] == "UN 보고서를"


# --- Not found ---------------------------------------------------------------------------------


def test_missing_or_empty_quote_is_not_found() -> None:
    assert locate(BODY, "grave concern") is None
    assert locate(BODY, "   ") is None
    assert locate(BODY, "") is None
    assert locate("", "groundless rumor") is None
    assert locate("", "") is None
    assert locate(KOREAN, "국정원 대변인") is None


# --- Haystack ----------------------------------------------------------------------------------


def test_haystack_locates_many_quotes_in_one_body() -> None:
    body = nfd(KOREAN) + "\n\n" + BODY
    haystack = Haystack(body)

    for quote in ["국가정보원", "GROUNDLESS RUMOR", "troop dispatch", "러시아 \u2026 소문", "nothing like it"]:
        assert haystack.locate(quote) == locate(body, quote)


class SmallSegments(Haystack):
    # Cuts the body into many segments, so matches start and end in different ones.
    segment_chars = 3


def test_matches_across_many_segments_keep_their_offsets() -> None:
    body = nfd(KOREAN) + "  \n " + BODY.upper() + " Stra\u00dfe"

    for quote in ["국가정보원은 24일", "러시아 ... 관계자는", "groundless rumor", "country's troop", "strasse"]:
        assert SmallSegments(body).locate(quote) == Haystack(body).locate(quote) == locate(body, quote)
        assert locate(body, quote) is not None


# --- Passage -----------------------------------------------------------------------------------


def test_passage_without_cuts() -> None:
    start = BODY.index("groundless")
    end = start + len("groundless rumor")

    assert passage(BODY, start, end) == (BODY[:start], "groundless rumor", BODY[end:])


def test_passage_cuts_at_word_boundaries_with_ellipses() -> None:
    start = BODY.index("rejected")
    end = start + len("rejected reports")

    before, quote, after = passage(BODY, start, end, context=17)

    assert quote == "rejected reports"
    # 17 characters back fall inside "the"; the partial word is dropped.
    assert BODY[start - 17 : start] == "e United Nations "
    assert before == "\u2026United Nations "
    # 17 characters on end right after "country's", before a space: nothing to drop.
    assert after == " of the country's\u2026"

    before, _, after = passage(BODY, start, end, context=21)

    # A whole word before the cut, and a partial one after it ("tro").
    assert BODY[start - 21 : start] == "t the United Nations "
    assert before == "\u2026the United Nations "
    assert BODY[end : end + 21] == " of the country's tro"
    assert after == " of the country's\u2026"


def test_passage_cut_on_a_space_keeps_the_whole_word() -> None:
    body = "one two three four five"
    start = body.index("four")

    before, quote, after = passage(body, start, start + 4, context=len("two three "))

    assert (before, quote, after) == ("\u2026two three ", "four", " five")


def test_passage_cut_inside_one_long_word_cuts_by_characters() -> None:
    body = "x" * 50 + " quote " + "y" * 50
    start = body.index("quote")

    before, quote, after = passage(body, start, start + 5, context=10)

    assert before == "\u2026" + "x" * 9 + " "
    assert after == " " + "y" * 9 + "\u2026"


def test_passage_in_korean() -> None:
    start = KOREAN.index("근거")
    end = start + len("근거 없는 소문")

    before, quote, after = passage(KOREAN, start, end, context=12)

    assert quote == "근거 없는 소문"
    assert before.startswith("\u2026") and KOREAN[:start].endswith(before[1:])
    assert after.endswith("\u2026") and KOREAN[end:].startswith(after[:-1])
    assert before == "\u2026\u201c러시아 파병은 "
    assert after == "\u201d이라고 밝혔다.\u2026"


def test_passage_clamps_offsets() -> None:
    assert passage("abc", -5, 99) == ("", "abc", "")
    assert passage("abc", 2, 1) == ("ab", "", "c")


def test_passage_without_context() -> None:
    assert passage("one two three", 4, 7, context=0) == ("\u2026", "two", "\u2026")
    assert passage("two", 0, 3, context=0) == ("", "two", "")


# --- Properties -------------------------------------------------------------------------------

FOLDED = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u300c\u300d\u300e\u300f\u2018\u2019\u201a\u201b"


def test_white_space_is_exactly_what_str_isspace_says() -> None:
    spaces = [chr(code) for code in range(0x110000) if chr(code).isspace()]

    assert all(normalise(f"a{space}b") == "a b" for space in spaces)
    assert normalise("a\u200bb") == "a\u200bb"  # a zero-width space is not white space


def test_no_character_composes_or_decomposes_into_a_folded_one() -> None:
    # normalise() folds before NFC and never after: this keeps that sound.
    for code in range(0x110000):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            produced = "".join(chr(int(part, 16)) for part in decomposition.split())
            assert not any(char in FOLDED or char.isspace() for char in produced) or chr(code).isspace()


def joins_previous(char: str) -> bool:
    # As the app's rule (lib/quotes._joins_previous): marks, and Hangul vowels and finals, those of
    # Hangul Jamo Extended-B (U+D7B0-U+D7FF) too, which a syllable before them takes as its own.
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char)[0] == "M"
        or "\u1160" <= char <= "\u11ff"
        or "\ud7b0" <= char <= "\ud7ff"
    )


def test_only_marks_and_hangul_vowels_and_finals_compose_with_what_precedes() -> None:
    # Haystack normalises cluster by cluster, a cluster starting at each character
    # that joins nothing before it; this checks that rule against the Unicode data.
    for code in range(0x110000):
        char = chr(code)
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<") and " " in decomposition:
            assert joins_previous(chr(int(decomposition.split()[1], 16)))
        if not joins_previous(char):
            assert unicodedata.combining(unicodedata.normalize("NFD", char)[0]) == 0
        # The rule the properties below slice bodies by is the app's: "0" before U+D7B0 is no quote.
        assert joins_previous(char) == quotes._joins_previous(char), hex(code)


text_with_traps = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            "ab AB ß İ ı é e\u0301 \u0301\u0323 가각 \u1100\u1161\u11a8 \n\t\u00a0\u3000 .…[]() \"'" + FOLDED
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(text_with_traps)
def test_haystack_normalises_like_normalise(body: str) -> None:
    for haystack in (Haystack(body), SmallSegments(body)):
        text, sources, targets = haystack._segments
        assert text == normalise(body)
        assert haystack._casefolded[0] == normalise(body).casefold()
        # Each segment, aligned character by character, comes out the same.
        for index in range(len(sources) - 1):
            segment = _rewrite(_fold(body[sources[index] : sources[index + 1]]))[0]
            assert segment == text[targets[index] : targets[index + 1]]


def starts_a_cluster(body: str, index: int) -> bool:
    return index == len(body) or not joins_previous(body[index])


def quotable(body: str, start: int, end: int) -> bool:
    # A slice through a character and its marks is not the text, nor is one
    # that starts (once stripped) with a bare mark; one with an ellipsis in it
    # is several quotes.
    parts = quote_parts(body[start:end])
    return (
        starts_a_cluster(body, start)
        and starts_a_cluster(body, end)
        and len(parts) == 1
        and not joins_previous(parts[0][0])
    )


@settings(max_examples=200, deadline=None)
@given(text_with_traps, st.data())
def test_any_slice_of_a_body_is_found_however_it_is_typed(body: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(body)))
    end = data.draw(st.integers(min(start + 1, len(body)), len(body)))
    quote = body[start:end]
    assume(quotable(body, start, end))
    parts = quote_parts(quote)
    # Typed another way: decomposed, straight quotes, other white space.
    typed = data.draw(
        st.sampled_from([quote, nfd(quote), quote.replace("\u201c", '"'), quote.replace(" ", "\n\u00a0")])
    )
    assert quote_parts(typed) == parts

    for haystack in (Haystack(body), SmallSegments(body)):
        selector = haystack.locate(typed)

        assert selector is not None
        assert 0 <= selector.start <= selector.end <= len(body)
        assert normalise(body[selector.start : selector.end]) == parts[0]
        assert not selector.case_differs


@settings(max_examples=200, deadline=None)
@given(text_with_traps, st.data())
def test_a_slice_in_other_letter_case_is_found_and_covered(body: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(body)))
    end = data.draw(st.integers(min(start + 1, len(body)), len(body)))
    quote = body[start:end]
    assume(quotable(body, start, end))
    typed = data.draw(st.sampled_from([quote.upper(), quote.lower(), quote.swapcase()]))
    assume(len(quote_parts(typed)) == 1)

    selector = SmallSegments(body).locate(typed)

    if selector is not None:
        assert 0 <= selector.start <= selector.end <= len(body)
        text = normalise(body[selector.start : selector.end]).casefold()
        assert quote_parts(typed)[0].casefold() in text
    if quote_parts(typed)[0].casefold() == quote_parts(quote)[0].casefold():
        assert selector is not None


def test_locate_near_prefers_the_occurrence_at_the_selection() -> None:
    from claimtracker.lib.quotes import locate_near

    body = "They left. " + "x" * 300 + " They left again; officials said they left."
    last = body.rindex("they left")
    assert locate_near(body, "they left", last).start == last
    assert locate_near(body, "They left", 0).start == 0
    # A place that does not hold the quote falls back to the whole text.
    assert locate_near(body, "They left again", 3).start == body.index("They left again")
    assert locate_near(body, "nowhere", 5) is None
