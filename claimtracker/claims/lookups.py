"""Choosing an actor or a source by typing, for forms and filters that cannot
list 5,000 actors or 50,000 sources in a <select>.

A field takes text: an actor's name, short name or alias; a source's label
("title [#id]"), URL or exact title. With JavaScript, the input's <datalist> is
filled with suggestions as the user types (views.lookup); without it, typing
the name is enough.
"""

import functools
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse_lazy

from claimtracker.claims.models import Actor, ActorAlias, Attribution, Claim, ReviewState, Source
from claimtracker.claims.search import similar_claims
from claimtracker.lib import prepared
from claimtracker.lib.numbers import whole_number

SUGGESTIONS = 12
_SOURCE_ID = re.compile(r"\[#(\d+)\]\s*$")


def source_label(source: Source) -> str:
    return f"{source.title} [#{source.pk}]"


def claim_label(claim: Claim) -> str:
    return f"{claim.text} [#{claim.pk}]"


def actors_matching(text: str) -> QuerySet[Actor]:
    return Actor.objects.filter(
        Q(name__icontains=text)
        | Q(short_name__icontains=text)
        | Exists(ActorAlias.objects.filter(actor=OuterRef("pk"), name__icontains=text))
    ).order_by("name")


def sources_matching(text: str) -> QuerySet[Source]:
    return Source.objects.filter(Q(title__icontains=text) | Q(url__icontains=text)).order_by("-published_at", "-id")


def claims_matching(text: str) -> QuerySet[Claim]:
    return Claim.objects.filter(text__icontains=text).order_by("-id")


CLOSEST = 3  # near matches named in a lookup's error, for a form sent without JavaScript


def _closest(labels: list[str]) -> str:
    """Near matches, written out so that they can be typed (or pasted) exactly."""
    return f" Did you mean {' or '.join(f'“{label}”' for label in labels)}?" if labels else ""


def public_actors() -> QuerySet[Actor]:
    """Actors who took a side on a published claim, in an approved entry (or reported one's words)."""
    approved = Attribution.objects.filter(review_state=ReviewState.APPROVED, claim__published_at__isnull=False)
    return Actor.objects.filter(
        Exists(approved.filter(actor=OuterRef("pk"))) | Exists(approved.filter(via=OuterRef("pk")))
    )


def find_actor(text: str, among: QuerySet[Actor] | None = None, *, suggest: bool = True) -> Actor:
    """The actor ``text`` names (its id, name, short name or an alias), among
    ``among`` (every actor by default); ValidationError otherwise, naming near
    matches when ``suggest``."""
    actors = Actor.objects.all() if among is None else among
    text = text.strip()
    if (number := whole_number(text)) is not None:
        found = actors.filter(pk=number).first()
        if found:
            return found
    # Every attribution a form records asks among every actor.
    matches = _named(text) if among is None else list(actors.filter(pk__in=_named_ids(text))[:2])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValidationError(f"“{text}” names more than one actor; type the full name.")
    if not suggest:
        raise ValidationError(f"No actor called “{text}” is found here.")
    raise ValidationError(
        f"No actor is called “{text}”.{_closest([a.name for a in actors_matching(text)[:CLOSEST]])} "
        "Pick one, or add it with New actor."
    )


def _named_ids(text: str) -> QuerySet[Any]:
    """The ids of the actors whose name, short name or an alias is ``text``, in any
    case. Each is looked up in its own index (models: the *_upper_idx), then
    joined: an OR of the three read every actor (4 ms of 5,000)."""
    return (
        Actor.objects.filter(name__iexact=text)
        .order_by()
        .values("pk")
        .union(
            Actor.objects.filter(short_name__iexact=text).order_by().values("pk"),
            ActorAlias.objects.filter(name__iexact=text).order_by().values("actor_id"),
        )
    )


def _named(text: str) -> list[Actor]:
    """Up to two of every actor ``_named_ids`` finds, by name, read with a
    statement written once (``_named_sql``): the ORM spent about 0.7 ms of CPU
    building its union on every attribution a form records."""
    connection = connections[router.db_for_read(Actor)]
    found = prepared.rows(connection, _named_sql(), [text] * 3)
    return [prepared.Row(connection, row).model(Actor) for row in found]


@functools.cache
def _named_sql() -> str:
    """``_named``'s statement, the text three times. ``UPPER(x) = UPPER(%s)`` is
    the ORM's ``iexact`` on PostgreSQL, and the index's expression; on SQLite,
    where the ORM writes ``LIKE`` (which folds ASCII letters alone, as its
    ``UPPER`` does), it finds the same actors."""
    actors, aliases = Actor._meta.db_table, ActorAlias._meta.db_table
    return (
        f"SELECT {prepared.columns('a', Actor)} FROM {actors} a WHERE a.id IN ("
        f"SELECT id FROM {actors} WHERE UPPER(name) = UPPER(%s)"
        f" UNION SELECT id FROM {actors} WHERE UPPER(short_name) = UPPER(%s)"
        f" UNION SELECT actor_id FROM {aliases} WHERE UPPER(name) = UPPER(%s)"
        ") ORDER BY a.name, a.id LIMIT 2"
    )


def find_source(text: str) -> Source:
    text = text.strip()
    by_id = _SOURCE_ID.search(text) or (re.fullmatch(r"(\d+)", text))
    found = None
    if by_id:
        number = whole_number(by_id.group(1))
        found = Source.objects.filter(pk=number).first() if number is not None else None
    elif text:
        found = Source.objects.filter(url=text).first() if "://" in text else None
        if found is None:
            titled = list(Source.objects.filter(title=text)[:2])
            if len(titled) > 1:
                raise ValidationError("Several sources have this title; pick one from the suggestions.")
            found = titled[0] if titled else None
    if found is None:
        closest = [source_label(s) for s in sources_matching(text).defer("body")[:CLOSEST]] if text else []
        raise ValidationError(f"No source matches “{text}”.{_closest(closest)} Pick one, or add it with New source.")
    return found


def find_claim(text: str) -> Claim:
    text = text.strip()
    by_id = _SOURCE_ID.search(text) or re.fullmatch(r"#?(\d+)", text)
    if by_id:
        number = whole_number(by_id.group(1))
        found = Claim.objects.filter(pk=number).first() if number is not None else None
    else:
        matches = list(Claim.objects.filter(text__iexact=text)[:2])
        if len(matches) > 1:
            raise ValidationError("Several claims have this wording; pick one from the suggestions.")
        found = matches[0] if matches else None
    if found is None:
        closest = [claim_label(c) for c in similar_claims(text, limit=CLOSEST)] if text and not by_id else []
        raise ValidationError(f"No claim matches “{text[:80]}”.{_closest(closest)} Pick one, or write a new claim.")
    return found


class LookupInput(forms.TextInput):
    """A text input whose <datalist> htmx fills with suggestions while typing."""

    template_name = "claims/widgets/lookup.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", **(attrs or {})})
        self.kind = kind

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["suggest_url"] = reverse_lazy("claims:lookup", args=[self.kind])
        return context


class ActorField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=LookupInput("actors"), max_length=200, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        # A model form's initial value is the related row's id: show its name.
        if isinstance(value, int):
            value = Actor.objects.filter(pk=value).first() or value
        return value.name if isinstance(value, Actor) else value

    def clean(self, value: Any) -> Actor | None:
        text = super().clean(value)
        return find_actor(text) if text else None


class SourceField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=LookupInput("sources"), max_length=600, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            value = Source.objects.defer("body").filter(pk=value).first() or value
        return source_label(value) if isinstance(value, Source) else value

    def clean(self, value: Any) -> Source | None:
        text = super().clean(value)
        return find_source(text) if text else None


class ClaimField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=LookupInput("claims"), max_length=1100, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            value = Claim.objects.filter(pk=value).first() or value
        return claim_label(value) if isinstance(value, Claim) else value

    def clean(self, value: Any) -> Claim | None:
        text = super().clean(value)
        return find_claim(text) if text else None
