"""A page's form as a browser would send it, for tests that post real forms."""

from html.parser import HTMLParser
from typing import Any


class _Form(HTMLParser):
    """The fields of the page's main form with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self._multiple = "multiple" in a
            self.data.setdefault(name, [] if self._multiple else None)
        elif tag == "option" and self._select:
            if self._multiple:
                if "selected" in a:
                    self.data[self._select].append(a.get("value", ""))
            elif self.data[self._select] is None or "selected" in a:
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def form_on(page: bytes) -> dict[str, Any]:
    parser = _Form()
    parser.feed(page.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return {k: v for k, v in parser.data.items() if v is not None and not k.startswith("_")}
