from hypothesis import given
from hypothesis import strategies as st

from claimtracker.lib.quotes import CONTEXT_CHARS, locate

BODY = (
    "On Monday, a North Korean representative at the United Nations rejected reports of the country's "
    'troop dispatch as a "groundless rumor."'
)


def test_exact_quote_is_found_with_its_context() -> None:
    selector = locate(BODY, "groundless rumor")

    assert selector is not None
    assert BODY[selector.start : selector.end] == "groundless rumor"
    assert selector.prefix == BODY[selector.start - CONTEXT_CHARS : selector.start]
    assert selector.suffix == '."'


def test_typographic_quotes_and_line_breaks_still_match() -> None:
    body = "He said \u201cgrave\nconcern\u201d over the\u00a0deployment."

    selector = locate(body, 'said "grave concern" over the deployment')

    assert selector is not None
    assert body[selector.start : selector.end] == "said \u201cgrave\nconcern\u201d over the\u00a0deployment"


def test_missing_or_empty_quote_is_not_found() -> None:
    assert locate(BODY, "grave concern") is None
    assert locate(BODY, "   ") is None
    assert locate("", "groundless rumor") is None


@given(st.text(min_size=1), st.text(), st.text())
def test_any_quote_embedded_in_a_body_is_found(quote: str, before: str, after: str) -> None:
    body = before + quote + after
    selector = locate(body, quote)
    if quote.strip():
        assert selector is not None
        assert body[selector.start : selector.end] == quote.strip()
