"""The source workbench (/sources/<id>/ for editors): record attributions from
passages of one source, with an existing or a new claim, the date defaulting to
the source's own, the claim kept for the next passage; viewers see approved
quotes only; the page's query count does not grow with its attributions."""

import datetime
import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, ReviewState, Source
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory
from tests.html_forms import form_on

pytestmark = pytest.mark.django_db

BODY = (
    "Seoul's top intelligence agency has confirmed that Pyongyang is expected to send some 10,000 troops "
    "to Russia by the end of this year, including around 3,000 troops already dispatched. The White House "
    "has also said that at least 3,000 North Korean troops were moved to eastern Russia earlier this month."
)
FIRST = "Pyongyang is expected to send some 10,000 troops to Russia by the end of this year"
SECOND = "at least 3,000 North Korean troops were moved to eastern Russia earlier this month"


@pytest.fixture
def source(db: None) -> Source:
    """Published at 02:09 on 26 October in Seoul: 17:09 UTC on the 25th."""
    return SourceFactory(
        title="N. Korean troops in Russia",
        body=BODY,
        published_at=datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC),
        published_tz="Asia/Seoul",
    )


@pytest.fixture
def nis(db: None) -> Actor:
    return ActorFactory(name="National Intelligence Service", short_name="NIS")


@pytest.fixture
def white_house(db: None) -> Actor:
    return ActorFactory(name="White House")


def passage(**overrides: object) -> dict[str, object]:
    return {
        "submission": str(uuid.uuid4()),
        "quote": FIRST,
        "claim": "",
        "new_claim": "",
        "actor": "NIS",
        "stance": "asserts",
        "certainty": "probable",
        "quote_kind": "direct",
        "via": "",
        "stated_on": "2024-10-26",
        "stated_on_precision": "day",
    } | overrides


def errors_of(html: str) -> str:
    return " ".join(re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', html, re.S))


def textarea(value: str) -> str:
    return value.removeprefix("\n")


def record_url(source: Source) -> str:
    return reverse("claims:record_from_source", args=[source.pk])


HTMX = {"HX-Request": "true"}


# --- What editors and viewers see -------------------------------------------------------------------


def test_editor_sees_the_form_with_the_sources_own_date(editor: User, source: Source) -> None:
    html = client_for(editor).get(source.get_absolute_url()).content.decode()

    assert "Record an attribution from this source" in html
    form = form_on(html[html.index('id="record-form"') :].encode())
    assert form["stated_on"] == "2024-10-26"  # the date in Seoul, not the UTC date (25th)
    assert "The date defaults to its publication date in Asia/Seoul." in html
    assert "maxlength" not in html
    assert "Up to 10,000 characters." in html


def test_viewer_sees_approved_quotes_only_and_no_form(
    editor: User, reviewer: User, viewer: User, source: Source, nis: Actor, white_house: Actor
) -> None:
    approved = services.add_attribution(
        ClaimFactory(),
        actor=nis,
        source=source,
        stance="asserts",
        stated_on=datetime.date(2024, 10, 26),
        quote=FIRST,
        by=editor,
    )
    services.approve(approved, by=reviewer)
    services.add_attribution(
        ClaimFactory(text="Three thousand troops moved"),
        actor=white_house,
        source=source,
        stance="asserts",
        stated_on=datetime.date(2024, 10, 26),
        quote=SECOND,
        by=editor,
    )

    seen = client_for(viewer).get(source.get_absolute_url()).content.decode()
    desk = client_for(editor).get(source.get_absolute_url()).content.decode()

    assert f"<mark>{FIRST}</mark>" in seen
    assert SECOND in seen and f'<mark class="pending">{SECOND}</mark>' not in seen and "<mark>at least" not in seen
    assert "Three thousand troops moved" not in seen
    assert "Record an attribution" not in seen and 'name="quote"' not in seen
    assert f"<mark>{FIRST}</mark>" in desk
    assert f'<mark class="pending">{SECOND}</mark>' in desk
    assert "Three thousand troops moved" in desk


def test_source_without_text_says_so_and_offers_to_paste_it(editor: User, viewer: User) -> None:
    empty = SourceFactory(body="")
    desk = client_for(editor).get(empty.get_absolute_url()).content.decode()
    seen = client_for(viewer).get(empty.get_absolute_url()).content.decode()
    assert "This source has no text recorded" in desk and reverse("claims:source_edit", args=[empty.pk]) in desk
    assert "This source has no text recorded." in seen


def test_source_text_is_shown_as_text_not_markup(viewer: User) -> None:
    source = SourceFactory(body='KCNA said <script>alert("x")</script> and <b>nothing</b> more.')
    html = client_for(viewer).get(source.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "<b>nothing</b>" not in html


# --- Recording from a passage ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["label", "number", "text"])
def test_passage_with_an_existing_claim_is_recorded_pending(editor: User, source: Source, nis: Actor, how: str) -> None:
    claim = ClaimFactory(text="North Korea will send 10,000 troops to Russia by the end of 2024")
    typed = {
        "label": f"{claim.text} [#{claim.pk}]",
        "number": f"#{claim.pk}",
        "text": "north korea will send 10,000 troops to russia by the end of 2024",
    }[how]

    response = client_for(editor).post(record_url(source), passage(claim=typed))

    assert response.status_code == 302
    assert response["Location"] == f"{source.get_absolute_url()}?claim={claim.pk}#record-form"  # the next passage
    attribution = Attribution.objects.get()
    assert (attribution.claim, attribution.actor, attribution.source, attribution.review_state) == (
        claim,
        nis,
        source,
        ReviewState.PENDING,
    )
    assert (attribution.quote, attribution.stated_on, attribution.certainty) == (
        FIRST,
        datetime.date(2024, 10, 26),
        "probable",
    )
    assert (attribution.quote_start, attribution.quote_end) == (BODY.index(FIRST), BODY.index(FIRST) + len(FIRST))


def test_after_the_plain_post_the_page_says_it_was_recorded(editor: User, source: Source, nis: Actor) -> None:
    claim = ClaimFactory(text="North Korea will send 10,000 troops")
    client = client_for(editor)
    response = client.post(record_url(source), passage(claim=f"#{claim.pk}"), follow=True)
    html = response.content.decode()
    assert "Attribution recorded on “North Korea will send 10,000 troops”; it waits for a reviewer." in html
    assert f'<mark class="pending">{FIRST}</mark>' in html


def test_passage_with_a_new_claim_creates_the_claim(editor: User, source: Source, nis: Actor) -> None:
    response = client_for(editor).post(
        record_url(source), passage(new_claim="  North Korea will have sent 10,000 troops to Russia by 2025  ")
    )

    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.text, claim.created_by) == ("North Korea will have sent 10,000 troops to Russia by 2025", editor)
    assert Attribution.objects.get().claim == claim


def test_claim_is_required_and_not_twice(editor: User, source: Source, nis: Actor) -> None:
    claim = ClaimFactory()
    client = client_for(editor)

    neither = client.post(record_url(source), passage())
    both = client.post(record_url(source), passage(claim=f"#{claim.pk}", new_claim="Another claim"))
    unknown = client.post(record_url(source), passage(claim="A claim nobody recorded"))

    assert neither.status_code == both.status_code == unknown.status_code == 400
    assert "Pick the claim this passage is about, or write a new one." in errors_of(neither.content.decode())
    assert "Pick a claim or write a new one, not both." in errors_of(both.content.decode())
    assert "No claim matches “A claim nobody recorded”." in errors_of(unknown.content.decode())
    assert not Attribution.objects.exists()
    assert Claim.objects.count() == 1


def test_refused_passage_keeps_what_was_typed(editor: User, source: Source) -> None:
    response = client_for(editor).post(record_url(source), passage(actor="Nobody known", new_claim="Troops went"))
    html = response.content.decode()
    form = form_on(html[html.index('id="record-form"') :].encode())
    assert "No actor is called “Nobody known”." in errors_of(html)
    assert (textarea(form["quote"]), textarea(form["new_claim"]), form["actor"], form["certainty"]) == (
        FIRST,
        "Troops went",
        "Nobody known",
        "probable",
    )


def test_quote_not_in_the_text_is_recorded_and_flagged(editor: User, source: Source, nis: Actor) -> None:
    client = client_for(editor)
    client.post(record_url(source), passage(quote="a sentence the report never printed", new_claim="Troops went"))
    html = client.get(source.get_absolute_url()).content.decode()
    flagged = html[html.index("were not found in the text below") :][:500]
    assert "a sentence the report never printed" in flagged


def test_over_long_quote_is_refused_and_nothing_is_saved(editor: User, source: Source, nis: Actor) -> None:
    response = client_for(editor).post(record_url(source), passage(quote="q" * 10_001, new_claim="Troops went"))

    assert response.status_code == 400
    assert "Ensure this value has at most 10000 characters (it has 10001)." in errors_of(response.content.decode())
    assert not Attribution.objects.exists()
    assert not Claim.objects.exists()


def test_double_submit_records_one_attribution(editor: User, source: Source, nis: Actor) -> None:
    client = client_for(editor)
    data = passage(new_claim="Troops went")
    first = client.post(record_url(source), data)
    second = client.post(record_url(source), data)
    assert first.status_code == second.status_code == 302
    assert (Attribution.objects.count(), Claim.objects.count()) == (1, 1)


def test_viewer_cannot_record_from_a_source(viewer: User, source: Source, nis: Actor) -> None:
    client = client_for(viewer)
    assert client.post(record_url(source), passage(new_claim="Troops went")).status_code == 403
    assert client.post(record_url(source), passage(new_claim="x"), headers=HTMX).status_code == 403
    assert client.post(record_url(source), passage(create="actor")).status_code == 403
    assert not Attribution.objects.exists() and not Claim.objects.exists()


# --- With htmx: the next passage ----------------------------------------------------------------------


def test_htmx_post_answers_the_workbench_with_the_claim_kept_and_the_date_reset(
    editor: User, source: Source, nis: Actor
) -> None:
    claim = ClaimFactory(text="North Korea will send 10,000 troops")

    response = client_for(editor).post(
        record_url(source), passage(claim=f"#{claim.pk}", stated_on="2024-10-25"), headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="workbench"') and "<html" not in html
    assert "Attribution recorded on “North Korea will send 10,000 troops”; it waits for a reviewer." in html
    assert f'<mark class="pending">{FIRST}</mark>' in html
    form = form_on(response.content)
    assert form["claim"] == f"North Korea will send 10,000 troops [#{claim.pk}]"
    # The next passage's date starts again from the source's own publication date.
    assert (form["stated_on"], form["stated_on_precision"]) == ("2024-10-26", "day")
    assert (textarea(form["quote"]), form["actor"]) == ("", "")


def test_the_next_passage_goes_to_the_same_claim(editor: User, source: Source, nis: Actor, white_house: Actor) -> None:
    client = client_for(editor)
    first = client.post(record_url(source), passage(new_claim="North Korea has sent troops to Russia"), headers=HTMX)
    claim = Claim.objects.get()

    form = form_on(first.content)
    assert form["claim"] == f"North Korea has sent troops to Russia [#{claim.pk}]"
    form.update(quote=SECOND, actor="White House", stance="confirms")
    second = client.post(record_url(source), form, headers=HTMX)

    assert second.status_code == 200
    assert Claim.objects.count() == 1
    assert [(a.actor.name, a.claim_id, a.stated_on) for a in Attribution.objects.order_by("id")] == [
        ("National Intelligence Service", claim.pk, datetime.date(2024, 10, 26)),
        ("White House", claim.pk, datetime.date(2024, 10, 26)),
    ]
    html = second.content.decode()
    assert f'<mark class="pending">{FIRST}</mark>' in html and f'<mark class="pending">{SECOND}</mark>' in html


def test_htmx_post_with_errors_answers_the_workbench_with_them(editor: User, source: Source) -> None:
    response = client_for(editor).post(record_url(source), passage(actor="Nobody known", new_claim="x"), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="workbench"')
    assert "No actor is called “Nobody known”." in html
    assert not Attribution.objects.exists()


def test_htmx_double_submit_records_once(editor: User, source: Source, nis: Actor) -> None:
    client = client_for(editor)
    data = passage(new_claim="Troops went")
    client.post(record_url(source), data, headers=HTMX)
    client.post(record_url(source), data, headers=HTMX)
    assert Attribution.objects.count() == 1


# --- Query count --------------------------------------------------------------------------------------


def _attributions(source: Source, n: int, *, editor: User, reviewer: User) -> None:
    """n attributions on n claims by n actors via n others, half approved, half pending, one corrected."""
    words = source.body.split()
    for i in range(n):
        attribution = services.add_attribution(
            ClaimFactory(),
            actor=ActorFactory(),
            via=ActorFactory(),
            source=source,
            stance="asserts",
            stated_on=datetime.date(2024, 10, 26),
            quote=" ".join(words[i : i + 3]) if i % 3 else f"not in the text {i}",
            by=editor,
        )
        if i % 2:
            services.approve(attribution, by=reviewer)
    services.save_source(source, by=editor)  # a line in the history of edits


def _queries_for_first_get(client: object, url: str) -> int:
    for cache in caches.all():
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_source_page_query_count_does_not_grow_with_its_attributions(
    who: str, request: pytest.FixtureRequest, editor: User, reviewer: User
) -> None:
    reader = request.getfixturevalue(who)
    few, many = SourceFactory(body=BODY), SourceFactory(body=BODY)
    _attributions(few, 4, editor=editor, reviewer=reviewer)
    _attributions(many, 12, editor=editor, reviewer=reviewer)
    client = client_for(reader)
    client.get(reverse("claims:source_list"))  # session and login rows settled

    with_few = _queries_for_first_get(client, few.get_absolute_url())
    with_many = _queries_for_first_get(client, many.get_absolute_url())

    assert with_few == with_many
    html = client.get(many.get_absolute_url()).content.decode()
    assert f"Who is quoted ({12 if who == 'editor' else 6})" in html


def test_workbench_post_query_count_does_not_grow_with_the_attributions(
    editor: User, reviewer: User, nis: Actor
) -> None:
    few, many = SourceFactory(body=BODY), SourceFactory(body=BODY)
    _attributions(few, 4, editor=editor, reviewer=reviewer)
    _attributions(many, 12, editor=editor, reviewer=reviewer)
    client = client_for(editor)
    client.get(reverse("claims:source_list"))
    counts = []
    for source in (few, many):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(record_url(source), passage(new_claim=f"Claim from {source.pk}"), headers=HTMX)
        assert "it waits for a reviewer" in response.content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1]
