"""Django admin for data entry. Every write goes through claims.services, so an
admin adding or approving a status change keeps the claim's current status right.

One module per subject; importing them here registers their admins:
``common`` (what every admin shares: the ids checked, one-time add forms, CSV
import through the services, the review actions), ``entry_rules`` (the life of
an entry: who may change what, what is kept), ``actors``, ``sources``,
``vocabulary`` (statuses and topics), ``claims`` (with their inlines and the
CSV import of timelines), ``entries`` (attributions, status changes and
evidence on their own)."""

from claimtracker.claims.admin import actors, claims, entries, sources, vocabulary
from claimtracker.claims.admin.common import ChecksIds, SubmitOnce
from claimtracker.claims.admin.entry_rules import FollowsEntryRules

__all__ = [
    "INLINE_LIMIT",
    "ChecksIds",
    "FollowsEntryRules",
    "SubmitOnce",
    "actors",
    "claims",
    "entries",
    "sources",
    "vocabulary",
]

# Read by admin/claims.py at each request, from here: the tests and the benchmark change it at run time.
INLINE_LIMIT = 100  # entries of a claim shown as inline forms on its admin page
