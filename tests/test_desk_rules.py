"""Rules a new editor met in the first walk through the desk's pages: no claim
recorded twice word for word, no attribution recorded twice, no statement
dated after the source that reports it or after today."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, Source
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory
from tests.test_workbench import BODY, passage, record_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def source() -> Source:
    """Published at 02:09 on 26 October in Seoul."""
    return SourceFactory(
        body=BODY,
        published_at=datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC),
        published_tz="Asia/Seoul",
    )


@pytest.fixture
def nis() -> Actor:
    return ActorFactory(name="National Intelligence Service", short_name="NIS")


def test_a_new_claim_worded_like_one_recorded_is_refused_with_a_pointer_to_it(editor: User, source: Source) -> None:
    existing = ClaimFactory(text="The troops were moved by ship")
    client = client_for(editor)

    from_page = client.post(
        reverse("claims:create"),
        {"submission": "c0ffee00-0000-4000-8000-000000000001", "text": "the troops were  moved by ship"},
    )
    from_workbench = client.post(record_url(source), passage(new_claim="The troops were moved by ship"))

    for response in (from_page, from_workbench):
        assert response.status_code == 400
        assert (
            f"This claim is already recorded: “The troops were moved by ship” [#{existing.pk}]"
            in response.content.decode()
        )
    assert Claim.objects.count() == 1 and not Attribution.objects.exists()


def test_the_same_attribution_is_not_recorded_twice(editor: User, source: Source, nis: Actor) -> None:
    claim = ClaimFactory()
    client = client_for(editor)
    assert client.post(record_url(source), passage(claim=f"#{claim.pk}")).status_code == 302

    again = client.post(record_url(source), passage(claim=f"#{claim.pk}"))

    assert again.status_code == 400
    assert "This attribution is already recorded on this claim (waiting for review)" in again.content.decode()
    assert Attribution.objects.count() == 1
    # Another stance by the same actor from the same passage is a different attribution.
    assert client.post(record_url(source), passage(claim=f"#{claim.pk}", stance="qualifies")).status_code == 302


def test_the_same_attribution_approved_is_named_so_and_a_rejected_one_may_be_recorded_again(
    editor: User, reviewer: User, source: Source, nis: Actor
) -> None:
    claim = ClaimFactory()
    client = client_for(editor)
    assert client.post(record_url(source), passage(claim=f"#{claim.pk}")).status_code == 302
    first = Attribution.objects.get()
    services.approve(first, by=reviewer)
    again = client.post(record_url(source), passage(claim=f"#{claim.pk}"))
    assert again.status_code == 400
    assert "This attribution is already recorded on this claim (approved)" in again.content.decode()

    assert client.post(record_url(source), passage(claim=f"#{claim.pk}", stance="qualifies")).status_code == 302
    services.reject(Attribution.objects.get(stance="qualifies"), by=reviewer, note="Wrong passage.")
    assert client.post(record_url(source), passage(claim=f"#{claim.pk}", stance="qualifies")).status_code == 302
    assert Attribution.objects.count() == 3


def test_a_statement_dated_after_its_source_was_published_is_refused(editor: User, source: Source, nis: Actor) -> None:
    claim = ClaimFactory()
    client = client_for(editor)
    late = client.post(record_url(source), passage(claim=f"#{claim.pk}", stated_on="2025-01-01"))
    assert late.status_code == 400
    assert "The source was published on 26 Oct 2024; a statement it reports cannot be later." in late.content.decode()
    # A day's difference is time zones: Washington's 25 October is Seoul's 26th.
    next_day = client.post(record_url(source), passage(claim=f"#{claim.pk}", stated_on="2024-10-27"))
    assert next_day.status_code == 302
    assert list(Attribution.objects.values_list("stated_on", flat=True)) == [datetime.date(2024, 10, 27)]


def test_a_statement_dated_after_today_is_refused_beside_its_date(editor: User, nis: Actor) -> None:
    """A source without a publication date bounds nothing: the day itself does."""
    undated = SourceFactory(published_at=None, body=BODY)
    claim = ClaimFactory()
    client = client_for(editor)
    far = timezone.localdate() + datetime.timedelta(days=2)

    refused = client.post(record_url(undated), passage(claim=f"#{claim.pk}", stated_on=far.isoformat()))

    assert refused.status_code == 400
    assert f"{far:%-d %b %Y} is after today: give the day it was said." in refused.content.decode()
    assert not Attribution.objects.exists()
    # Tomorrow is today somewhere in the world.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert (
        client.post(record_url(undated), passage(claim=f"#{claim.pk}", stated_on=tomorrow.isoformat())).status_code
        == 302
    )
    # The services refuse it too, whatever calls them (the admin, imports).
    with pytest.raises(services.DomainError, match="is after today"):
        services.add_attribution(claim, by=editor, actor=nis, source=undated, stance="asserts", stated_on=far)


def test_the_not_found_alert_names_quotes_past_the_listed_ones(
    editor: User, source: Source, nis: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimtracker.claims import services
    from claimtracker.claims.queries import sources as source_queries

    monkeypatch.setattr(source_queries, "SOURCE_LIST_LIMIT", 2)
    claim = ClaimFactory()
    for quote in ["Pyongyang is expected", "some 10,000 troops", "by the end of this year", "troops sailed to Mars"]:
        services.add_attribution(
            claim,
            actor=nis,
            source=source,
            stance="asserts",
            stated_on=datetime.date(2024, 10, 26),
            quote=quote,
            by=editor,
        )
    html = client_for(editor).get(source.get_absolute_url()).content.decode()
    assert "These recorded quotes were not found in the text below:" in html
    assert "troops sailed to Mars" in html
    assert "The first 2 of 4, in the order of the text" in html
    assert '<mark class="pending">Pyongyang is expected</mark>' in html  # every located quote is highlighted


def test_the_highlighted_text_is_escaped(editor: User, nis: Actor) -> None:
    from claimtracker.claims import services

    hostile = SourceFactory(body='He said <script>alert("x")</script> & left.', published_at=None)
    services.add_attribution(
        ClaimFactory(),
        actor=nis,
        source=hostile,
        stance="asserts",
        stated_on=datetime.date(2024, 10, 26),
        quote='<script>alert("x")</script>',
        by=editor,
    )
    html = client_for(editor).get(hostile.get_absolute_url()).content.decode()
    assert '<mark class="pending">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</mark> &amp; left.' in html
    assert "<script>alert" not in html


def test_a_passage_that_occurs_twice_is_anchored_where_it_was_selected(editor: User, nis: Actor) -> None:
    body = "Troops moved closer to Ukraine, he said.\nLater: some units moved closer to Ukraine again."
    twice = SourceFactory(body=body, published_at=None)
    second = body.index("moved closer to Ukraine", 10)
    claim = ClaimFactory()
    client = client_for(editor)
    client.post(
        record_url(twice),
        passage(claim=f"#{claim.pk}", quote="moved closer to Ukraine", quote_at=str(second), stated_on="2024-10-26"),
    )
    client.post(
        record_url(twice),
        passage(claim=f"#{claim.pk}", quote="moved closer to Ukraine", stance="qualifies", stated_on="2024-10-26"),
    )
    selected, typed = Attribution.objects.order_by("pk")
    assert (selected.quote_start, selected.quote_suffix[:7]) == (second, " again.")
    assert typed.quote_start == body.index("moved closer to Ukraine")  # typed, not selected: the first one


def test_without_javascript_a_lookup_that_misses_names_the_closest_records(
    editor: User, source: Source, nis: Actor
) -> None:
    claim = ClaimFactory(text="North Korean troops have engaged in combat in Kursk")
    response = client_for(editor).post(
        record_url(source), passage(claim="troops engaged in combat Kursk", actor="Intelligence")
    )
    html = response.content.decode()
    assert f"Did you mean “North Korean troops have engaged in combat in Kursk [#{claim.pk}]”?" in html
    assert "No actor is called “Intelligence”. Did you mean “National Intelligence Service”?" in html


def test_a_dialog_form_has_ids_of_its_own(editor: User) -> None:
    """Opened from the actor page's own form (a parent made in place), the dialog's
    fields must not repeat the page's ids, or their labels name nothing."""
    html = client_for(editor).get(reverse("claims:actor_create"), {"dialog": "id_parent"}, HTTP_HX_REQUEST="true")
    text = html.content.decode()
    assert 'id="dialog_name"' in text and 'for="dialog_name"' in text and 'id="dialog-similar-actors"' in text
    assert 'id="id_name"' not in text and 'id="similar-actors"' not in text


def test_withdrawing_asks_first(editor: User, source: Source, nis: Actor) -> None:
    from claimtracker.claims import services

    item = services.add_attribution(
        ClaimFactory(), actor=nis, source=source, stance="asserts", stated_on=datetime.date(2024, 10, 26), by=editor
    )
    client = client_for(editor)
    url = reverse("claims:withdraw_entry", args=["attribution", item.pk])
    asked = client.get(url).content.decode()
    assert "Withdraw your entry?" in asked and "it cannot be edited or resubmitted afterwards" in asked
    item.refresh_from_db()
    assert item.review_state == "pending"  # asking changed nothing
    client.post(url)
    item.refresh_from_db()
    assert item.review_state == "withdrawn"


def test_the_source_list_searches_and_shows_times_where_published(editor: User, source: Source) -> None:
    SourceFactory(title="Kremlin readout")
    html = client_for(editor).get(reverse("claims:source_list"), {"q": source.title}).content.decode()
    assert source.title in html and "Kremlin readout" not in html
    assert '26 Oct 2024 02:09 <span class="note">Asia/Seoul</span>' in html


def test_a_publisher_that_is_not_a_media_outlet_is_refused_in_plain_words(editor: User) -> None:
    ActorFactory(name="Ministry of National Defense", kind="government_body")
    response = client_for(editor).post(
        reverse("claims:source_create"),
        {
            "submission": "c0ffee00-0000-4000-8000-000000000009",
            "title": "MND briefing",
            "publisher": "Ministry of National Defense",
            "language": "en",
            "kind": "official_statement",
        },
    )
    html = response.content.decode()
    assert "“Ministry of National Defense” is recorded as government body, and a publisher is a media outlet" in html
    assert "is not a valid choice" not in html
    assert "This is a different source with the same title" not in html  # offered only for a title already recorded
    assert not Source.objects.filter(title="MND briefing").exists()


def test_viewers_see_nothing_of_work_in_review(
    editor: User, reviewer: User, viewer: User, source: Source, nis: Actor
) -> None:
    """Issue 12, part 3: no history line, filter or export tells a viewer of pending,
    rejected or withdrawn entries."""
    from claimtracker.claims import services

    claim = ClaimFactory(text="Troops reached the Kursk front")
    quiet = ClaimFactory(text="Nothing in review here")
    shown = services.add_attribution(
        claim, actor=nis, source=source, stance="asserts", stated_on=datetime.date(2024, 10, 26), by=editor
    )
    services.approve(shown, by=reviewer)
    for stance in ("denies", "qualifies", "disputes"):
        item = services.add_attribution(
            claim,
            actor=ActorFactory(name=f"Hidden {stance}"),
            source=source,
            stance=stance,
            stated_on=datetime.date(2024, 10, 26),
            by=editor,
        )
        if stance == "qualifies":
            services.reject(item, by=reviewer, note="No.")
        if stance == "disputes":
            services.withdraw(item, by=editor)
    client = client_for(viewer)

    page = client.get(claim.get_absolute_url()).content.decode()
    assert "the attribution of National Intelligence Service" in page
    assert "Hidden" not in page
    listed = client.get(reverse("claims:list"), {"pending": "on"}).content.decode()
    assert "Troops reached the Kursk front" in listed and "Nothing in review here" in listed  # the filter is ignored
    assert 'name="pending"' not in listed
    export = b"".join(client.get(reverse("exports:claims_csv")).streaming_content).decode()
    assert "Hidden" not in export
    assert client.get(reverse("exports:claims_csv"), {"pending": "1"}).status_code == 403  # the desk's option
    # The desk still has both.
    desk = client_for(editor)
    assert "Hidden denies" in desk.get(claim.get_absolute_url()).content.decode()
    desk_list = desk.get(reverse("claims:list"), {"pending": "on"}).content.decode()
    assert "Troops reached the Kursk front" in desk_list and "Nothing in review here" not in desk_list
    assert quiet.pk


def test_without_javascript_the_next_passage_starts_on_the_same_claim(editor: User, source: Source, nis: Actor) -> None:
    claim = ClaimFactory(text="North Korea will send 10,000 troops")
    client = client_for(editor)
    response = client.post(record_url(source), passage(claim=f"#{claim.pk}"))
    assert (
        response.status_code == 302
        and response["Location"] == f"{source.get_absolute_url()}?claim={claim.pk}#record-form"
    )
    page = client.get(response["Location"]).content.decode()
    assert f'value="North Korea will send 10,000 troops [#{claim.pk}]"' in page
