"""schema.org ClaimReview for a claim page, embedded as JSON-LD.

The JSON is escaped so that no stored text can close the script element or
open a comment: <, > and & become \\u escapes, which JSON parsers read back as
the same characters.
"""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from claimtracker.claims.models import BEST_RATING, WORST_RATING, Actor, Claim, Source
from claimtracker.exports.timeline import timestamp
from claimtracker.lib import safejson
from claimtracker.lib.dates import iso_date

if TYPE_CHECKING:
    from claimtracker.claims.queries.claims import FirstAppearance


def claim_review(
    claim: Claim,
    url: str,
    asserting: list[Actor],
    sources: list[Source],
    first: "FirstAppearance | None" = None,
) -> dict[str, Any] | None:
    """The ClaimReview of a claim with a current status, from its approved entries;
    None while the desk has not assessed it. ``asserting``: actors who supported
    it; ``sources``: where it appeared (queries.schema_sources); ``first``: when
    and where it was first said (also queries.schema_sources). The rating is the
    status's (Status.rating, on the scale WORST_RATING to BEST_RATING), named by
    its label."""
    status = claim.current_status
    if status is None:
        return None
    # Set by queries.claim_for_page; other callers get the claim's creation date.
    reviewed_at = getattr(claim, "reviewed_at", None)
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": status.label}
    if status.rating is not None:
        rating |= {"ratingValue": status.rating, "bestRating": BEST_RATING, "worstRating": WORST_RATING}
    item: dict[str, Any] = {
        "@type": "Claim",
        "author": [
            {
                "@type": "Person" if actor.kind == "person" else "Organization",
                "name": actor.name,
                **({"sameAs": actor.wikidata_url} if actor.wikidata_id else {}),
            }
            for actor in asserting
        ],
        "appearance": [_work(source) for source in sources],
    }
    if first is not None:
        item["datePublished"] = iso_date(first.day, first.precision)
        item["firstAppearance"] = _work(first.source)
    organization = {"@type": "Organization", "name": settings.ORGANIZATION_NAME}
    if settings.ORGANIZATION_URL:
        organization["url"] = settings.ORGANIZATION_URL
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.text,
        "datePublished": timestamp(reviewed_at or claim.created_at)[:10],
        "author": organization,
        "reviewRating": rating,
        "itemReviewed": item,
    }


def _work(source: Source) -> dict[str, Any]:
    return {
        "@type": "CreativeWork",
        "headline": source.title,
        **({"url": source.url} if source.url else {}),
        **({"datePublished": timestamp(source.published_at)} if source.published_at else {}),
    }


def script_tag(data: dict[str, Any]) -> SafeString:
    text = safejson.dumps(data)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above
