import uuid
from typing import Any

from rest_framework.renderers import JSONRenderer

from claimtracker.lib.safejson import escape_bytes


class Written:
    """A part of an answer already written as JSON (``written``), put into the
    answer as it is where it stands as a value of the answer's top-level object:
    a large part kept written (a claim's sides, a page of its timeline: 600 KB on
    the busiest claim) costs no encoding when served again."""

    __slots__ = ("json",)

    def __init__(self, json: bytes) -> None:
        self.json = json


def written(data: Any) -> Written:
    """``data`` written as the renderer writes an answer (before its escapes, which apply to the whole)."""
    return Written(JSONRenderer().render(data))


class SafeJSONRenderer(JSONRenderer):
    """DRF's JSON with <, > and & written as \\u escapes (lib.safejson), as every
    JSON answer of the app is: stored text can never be read as markup. A
    ``Written`` value of the top-level object goes in as written."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        parts: dict[bytes, bytes] = {}
        if isinstance(data, dict) and any(isinstance(value, Written) for value in data.values()):
            data = dict(data)
            for name, value in data.items():
                if isinstance(value, Written):
                    # A mark no stored text can hold: drawn anew for each answer.
                    mark = f"written:{uuid.uuid4().hex}"
                    parts[b'"%s"' % mark.encode()] = value.json
                    data[name] = mark
        out = super().render(data, accepted_media_type, renderer_context)
        for placed, part in parts.items():
            out = out.replace(placed, part, 1)
        return escape_bytes(out)
