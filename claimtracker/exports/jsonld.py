"""schema.org ClaimReview for a claim page, embedded as JSON-LD.

The JSON is escaped so that no stored text can close the script element or
open a comment: <, > and & become \\u escapes, which JSON parsers read back as
the same characters.
"""

from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from claimtracker.claims.models import Actor, Claim, Source
from claimtracker.exports.timeline import timestamp
from claimtracker.lib import safejson


def claim_review(claim: Claim, url: str, asserting: list[Actor], sources: list[Source]) -> dict[str, Any] | None:
    """The ClaimReview of a claim with a current status, from its approved entries;
    None while the desk has not assessed it. ``asserting``: actors who supported
    it; ``sources``: where it appeared (queries.schema_sources)."""
    if claim.current_status is None:
        return None
    # Set by queries.claim_for_page; other callers get the claim's creation date.
    reviewed_at = getattr(claim, "reviewed_at", None)
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.text,
        "datePublished": timestamp(reviewed_at or claim.created_at)[:10],
        "author": {"@type": "Organization", "name": settings.ORGANIZATION_NAME},
        "reviewRating": {
            "@type": "Rating",
            "alternateName": claim.current_status.label,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": [
                {
                    "@type": "Person" if actor.kind == "person" else "Organization",
                    "name": actor.name,
                    **({"sameAs": actor.wikidata_url} if actor.wikidata_id else {}),
                }
                for actor in asserting
            ],
            "appearance": [
                {
                    "@type": "CreativeWork",
                    "headline": source.title,
                    **({"url": source.url} if source.url else {}),
                    **({"datePublished": timestamp(source.published_at)} if source.published_at else {}),
                }
                for source in sources
            ],
        },
    }


def script_tag(data: dict[str, Any]) -> SafeString:
    text = safejson.dumps(data)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above
