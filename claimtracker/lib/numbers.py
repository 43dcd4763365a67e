"""Reading whole numbers typed by users or put in URLs."""

MAX_DIGITS = 18  # fits a 64-bit id; longer is no id of ours


def whole_number(text: str) -> int | None:
    """The number written in ASCII digits, or None. str.isdigit() alone also accepts
    "²" and other digits that int() refuses, and numbers of any length."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return None
