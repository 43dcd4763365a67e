"""The server's log: a request the app refused on purpose is one line.

Django logs a request it refused for an exception through ``django.request``
(a 403 for ``PermissionDenied``, a 400 for a body it cannot parse) and
``django.security.*`` (a 400 for a suspicious one), each with the exception's
traceback. A viewer sending the desk's form then printed a traceback in the
server's log that reads as a failure and hides the real ones. The line Django writes says what was refused
and where ("Forbidden (Permission denied): /claims/1/attributions/"); a
server error (5xx) keeps its traceback.
"""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """settings.LOGGING's console filter: a record of a request answered below
    500 goes without its exception's traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
