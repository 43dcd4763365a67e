"""The claim page's summary: who supports and who opposes the claim, the status
their stances suggest, the chart and the ClaimReview. Cached.

All four are drawn from the claim's approved stances, thousands on a long story,
which makes them the page's costliest part; they change far less often than
the page is read. The cache key holds the data versions of what readers see of
the claim (``ca:``) and of the status vocabulary (claims/versions.py), which
the database bumps in the transaction of any write they are drawn from (the
claim, its approved entries, the actors and sources it quotes, the statuses),
whatever made it: the cache never
serves a summary of older data, it only saves recomputing an unchanged one.
Shared by the desk's pages, the public page and the API, and by every worker
and server when CACHE_URL names a Redis (settings.CACHES["default"]).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache

from claimtracker.claims import assessment, chart, queries
from claimtracker.claims.models import Claim, Source
from claimtracker.claims.moment import TODAY, Moment
from claimtracker.exports import jsonld

TIMEOUT = 24 * 3600  # seconds; entries of older versions simply expire
T = TypeVar("T")


@dataclass(frozen=True)
class Summary:
    sides: dict[str, queries.Side]
    suggestion: assessment.Suggestion
    chart_svg: str
    figures: list[queries.Said]  # the estimates over time: approved stances that give a figure
    review: dict[str, Any] | None  # ClaimReview without its "url", which depends on the request's host
    sources: list[Source]  # where it appeared, the latest cited first (queries.SCHEMA_LIMIT of them)


def _key(claim: Claim, moment: Moment) -> str:
    drawn_from = (
        moment.judged_on(),  # the chart marks today
        moment.as_of,
        moment.known,
        claim.pk,
        # Read with the claim (queries.claim_for_page): work in review leaves the summary as it was.
        claim.approved_version,  # type: ignore[attr-defined]
        claim.vocabulary_version,  # type: ignore[attr-defined]
    )
    return "claim-summary:" + hashlib.sha256(repr(drawn_from).encode()).hexdigest()


def summary(claim: Claim, moment: Moment = TODAY) -> Summary:
    """For a claim loaded by queries.claim_for_page; in a
    view of the past, drawn from the entries of then (claims.moment)."""
    key = _key(claim, moment)
    found = cache.get(key)
    if isinstance(found, Summary):
        return found
    return _made(claim, moment, key)


def everyone(claim: Claim, moment: Moment, write: Callable[[dict[str, list[queries.Said]]], T]) -> T:
    """Every actor's latest stance, by side, as ``write`` writes them (the read
    API's sides): kept beside the summary, under its key, written, as it holds a
    row for each actor (600 KB of JSON on a claim of 5,000 events, which took 18
    ms to read back and write again) that the claim's pages do not show."""
    key = _key(claim, moment) + _EVERYONE
    found = cache.get(key)
    if found is None:
        found = write(queries.by_side(queries.approved_stances(claim, moment)))
        cache.set(key, found, TIMEOUT)
    return found  # type: ignore[no-any-return]


# Named anew when what is kept changes: a cache shared across a deployment holds the old for a day.
_EVERYONE = ":everyone-written"


def _made(claim: Claim, moment: Moment, key: str) -> Summary:
    """The summary, drawn and kept."""
    stances = queries.approved_stances(claim, moment)
    drawn = chart.build(
        queries.chart_changes(claim, moment),
        queries.chart_stances(stances),
        queries.chart_figures(stances),
        due_on=claim.due_on,
        today=moment.judged_on(),
        past=moment.past,
    )
    asserting, sources, first = queries.schema_sources(stances)
    made = Summary(
        sides=queries.sides(stances),
        suggestion=assessment.suggest(queries.voices(stances)),
        chart_svg=chart.svg(drawn) if drawn else "",
        figures=queries.figures(stances),
        review=jsonld.claim_review(claim, "", asserting, sources, first),
        sources=sources,
    )
    cache.set(key, made, TIMEOUT)
    return made
