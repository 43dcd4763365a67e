"""Choosing actors and sources by typing: suggestions, names, aliases, ids."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from claimtracker.claims.lookups import find_actor, find_source, source_label
from claimtracker.claims.models import Actor, Source
from tests.conftest import client_for
from tests.factories import ActorFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_suggestions_match_names_short_names_and_aliases(demo: None, editor: User) -> None:
    client = client_for(editor)
    url = reverse("claims:lookup", args=["actors"])
    korean = client.get(url, {"field": "actor", "actor": "국가정보"}).content.decode()
    assert '<option value="National Intelligence Service"></option>' in korean
    short = client.get(url, {"field": "via", "via": "KCNA"}).content.decode()
    assert '<option value="Korean Central News Agency"></option>' in short
    assert client.get(url, {"field": "actor", "actor": "K"}).content.decode().strip() == ""  # too short to suggest


def test_source_suggestions_carry_the_id(demo: None, editor: User) -> None:
    source = Source.objects.get()
    html = (
        client_for(editor)
        .get(reverse("claims:lookup", args=["sources"]), {"field": "source", "source": "grave concern"})
        .content.decode()
    )
    assert f"[#{source.pk}]" in html


def test_unknown_lookup_kind_is_404(editor: User) -> None:
    response = client_for(editor).get(reverse("claims:lookup", args=["users"]), {"q": "admin"})
    assert response.status_code == 404


def test_find_actor_by_name_alias_or_id_and_refuses_ambiguity(demo: None) -> None:
    nis = Actor.objects.get(short_name="NIS")
    assert find_actor("national intelligence service") == nis
    assert find_actor("국가정보원") == nis
    assert find_actor(str(nis.pk)) == nis
    ActorFactory(name="Ministry A", short_name="MOD")
    ActorFactory(name="Ministry B", short_name="MOD")
    with pytest.raises(ValidationError, match="more than one actor"):
        find_actor("MOD")
    with pytest.raises(ValidationError, match="No actor is called"):
        find_actor("Nobody")


def test_find_source_by_label_url_or_unique_title() -> None:
    source = SourceFactory(title="Same title")
    assert find_source(source_label(source)) == source
    assert find_source(source.url) == source
    assert find_source("Same title") == source
    SourceFactory(title="Same title")
    with pytest.raises(ValidationError, match="Several sources"):
        find_source("Same title")
    with pytest.raises(ValidationError, match="No source matches"):
        find_source("Unheard of")


def test_numbers_that_are_no_ids_find_nothing(demo: None) -> None:
    from django.core.exceptions import ValidationError

    from claimtracker.claims.lookups import find_actor, find_source

    for text in ["²", "99999999999999999999999", "#99999999999999999999999", "[#99999999999999999999]", "٣"]:
        with pytest.raises(ValidationError):
            find_actor(text)
        with pytest.raises(ValidationError):
            find_source(text)


def test_an_actor_named_in_a_form_is_read_from_the_name_indexes_not_by_reading_every_actor(demo: None) -> None:
    """Every attribution written looks its actor up by name, short name or alias,
    whatever the case: each from its own index (an OR of the three read every
    actor, 4 ms of 5,000)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the plan asked of is PostgreSQL's")
    actor = Actor.objects.exclude(short_name="").first()
    assert actor is not None
    with CaptureQueriesContext(connection) as queries:
        assert find_actor(actor.name.upper()) == actor
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a table of a few rows would be read whole anyway
        try:
            cursor.execute(f"EXPLAIN {queries.captured_queries[-1]['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
    for index in ("actor_name_upper_idx", "actor_short_name_upper_idx", "actoralias_name_upper_idx"):
        assert index in plan, plan
