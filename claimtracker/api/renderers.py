from typing import Any

from rest_framework.renderers import JSONRenderer

from claimtracker.lib.safejson import escape_bytes


class SafeJSONRenderer(JSONRenderer):
    """DRF's JSON with <, > and & written as \\u escapes (lib.safejson), as every
    JSON answer of the app is: stored text can never be read as markup."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return escape_bytes(super().render(data, accepted_media_type, renderer_context))
