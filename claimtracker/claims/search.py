"""Claim search and similar-claim lookup.

PostgreSQL: weighted full-text search (claim text A, quotes B, actor names and
aliases C) with the 'simple' configuration, which works for any language, and
prefix matching so that a Korean stem finds its inflected forms; ranked by
ts_rank over the stored document (ClaimSearch, migration 0009) and its GIN index. Similar claims use
pg_trgm when the extension is installed. SQLite: every word must appear
somewhere, case-insensitively, and similarity is shared words.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramSimilarity
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import Cast

from claimtracker.claims.models import Claim

MAX_TERMS = 12
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TERM_LENGTH = 60

# The document as an expression: what migration 0009's trigger stores in
# ClaimSearch.document (and what 0005 indexed before it).
SEARCH_VECTOR = (
    SearchVector("text", weight="A", config="simple")
    + SearchVector("search_quotes", weight="B", config="simple")
    + SearchVector("search_actors", weight="C", config="simple")
)


def clean_query(text: str, max_length: int = 200) -> str:
    """User-typed search text made safe to send to the database (PostgreSQL refuses NUL)."""
    return _CONTROL.sub("", text).strip()[:max_length]


def terms(text: str) -> list[str]:
    """The words of a search, in any script; punctuation and operators dropped."""
    return [word[:MAX_TERM_LENGTH] for word in re.findall(r"\w+", text.lower())][:MAX_TERMS]


def search(queryset: QuerySet[Claim], text: str) -> QuerySet[Claim]:
    """Claims matching every word of ``text``; on PostgreSQL annotated with ``rank``."""
    words = terms(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        # Words are \\w+ only, so they are safe inside a raw tsquery.
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")
        # The stored document (ClaimSearch, kept by a trigger) and its GIN index.
        # Rank as double precision: ts_rank's real reaches Python rounded, and a
        # page cursor holding the rounded value would not compare equal to it.
        return queryset.filter(search__document=query).annotate(
            rank=Cast(SearchRank(F("search__document"), query), FloatField())
        )
    condition = Q()
    for word in words:
        condition &= Q(text__icontains=word) | Q(search_quotes__icontains=word) | Q(search_actors__icontains=word)
    return queryset.filter(condition)


_trigram_available: bool | None = None


def trigram_available() -> bool:
    global _trigram_available
    if connection.vendor != "postgresql":
        return False
    if _trigram_available is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _trigram_available = cursor.fetchone() is not None
    return _trigram_available


def similar_claims(text: str, *, exclude_pk: int | None = None, limit: int = 5) -> list[Claim]:
    """Existing claims worded like ``text``, most similar first, to catch duplicates."""
    text = clean_query(text, 1000)
    if len(text) < 4:
        return []
    candidates = Claim.objects.select_related("current_status")
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    if trigram_available():
        return list(
            candidates.annotate(similarity=TrigramSimilarity("text", text))
            .filter(similarity__gte=0.3)
            .order_by(F("similarity").desc(), "-id")[:limit]
        )
    words = {word for word in terms(text) if len(word) > 3}
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(text__icontains=word)
    scored = []
    for claim in candidates.filter(condition)[:200]:
        shared = words & set(terms(claim.text))
        if len(shared) >= max(1, len(words) // 2):
            scored.append((len(shared), claim.pk, claim))
    scored.sort(key=lambda row: (-row[0], -row[1]))
    return [claim for _, _, claim in scored[:limit]]
