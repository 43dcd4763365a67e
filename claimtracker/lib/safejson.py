"""JSON that is safe wherever it lands: <, > and & become \\u escapes (and so do
U+2028 and U+2029), which every JSON parser reads back as the same characters,
so stored or typed text can never close a <script> element, open a comment, or
be sniffed as markup. Used for the JSON-LD on claim pages and every JSON response."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).translate(_ESCAPES)


def response(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(dumps(data), status=status, content_type="application/json")


_BYTE_ESCAPES = ((b"<", b"\\u003C"), (b">", b"\\u003E"), (b"&", b"\\u0026"))


def escape_bytes(encoded: bytes) -> bytes:
    """UTF-8 JSON written by another encoder, escaped as ``dumps`` escapes (the JSON
    encoder has already escaped U+2028 and U+2029, or left them to this): outside
    strings JSON has no <, > or &, so every one is in a string."""
    for raw, escaped in _BYTE_ESCAPES:
        encoded = encoded.replace(raw, escaped)
    return encoded.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
