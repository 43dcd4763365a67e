"""/sources/new/ and /sources/<id>/edit/: the publication time in its own zone,
safe and unique URLs, titles already recorded, similar sources while typing,
quotes located anew when the text changes, no silent cuts, and the role rules."""

import datetime
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claimtracker.claims import services
from claimtracker.claims.models import ActorKind, Attribution, Source
from tests.conftest import client_for
from tests.factories import ActorFactory, ClaimFactory, SourceFactory
from tests.html_forms import form_on

pytestmark = pytest.mark.django_db

BODY = "Officials in Seoul said on Friday that the troops had left by ship. Pyongyang denied it."


def source_data(**overrides: object) -> dict[str, object]:
    return {
        "submission": str(uuid.uuid4()),
        "title": "North Korean troops moved to Russia, Seoul says",
        "url": "https://en.yna.co.kr/view/AEN20241026000351315",
        "publisher": "",
        "byline": "Kim Eun-jung",
        "published_local": "2024-10-26T02:09",
        "published_tz": "Asia/Seoul",
        "dateline": "SEOUL, Oct. 26 (Yonhap)",
        "language": "en",
        "kind": "news_report",
        "body": BODY,
    } | overrides


def textarea(value: str) -> str:
    """A textarea's value as a browser reads it: the newline right after the tag is not part of it."""
    return value.removeprefix("\n")


def errors_of(html: str) -> str:
    """The text of the page's error lists, for asserting what the editor is told."""
    return " ".join(re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', html, re.S))


# --- Creating a source, and its time in its own zone ---------------------------------------------------


def test_editor_records_a_source_with_every_field(editor: User) -> None:
    yonhap = ActorFactory(name="Yonhap News Agency", short_name="Yonhap", kind=ActorKind.MEDIA_OUTLET)

    response = client_for(editor).post(reverse("claims:source_create"), source_data(publisher="Yonhap"))

    source = Source.objects.get()
    assert response.status_code == 302 and response["Location"] == source.get_absolute_url()
    assert (source.title, source.url, source.publisher, source.byline) == (
        "North Korean troops moved to Russia, Seoul says",
        "https://en.yna.co.kr/view/AEN20241026000351315",
        yonhap,
        "Kim Eun-jung",
    )
    assert (source.dateline, source.language, source.kind, source.body) == (
        "SEOUL, Oct. 26 (Yonhap)",
        "en",
        "news_report",
        BODY,
    )
    assert source.history.get().history_user == editor


def test_publication_time_is_stored_as_the_instant_of_the_clock_where_it_was_published(editor: User) -> None:
    client_for(editor).post(reverse("claims:source_create"), source_data())

    source = Source.objects.get()
    assert source.published_at == datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC)
    assert source.published_tz == "Asia/Seoul"


def test_source_page_shows_the_publication_time_in_its_zone_and_in_utc(editor: User, viewer: User) -> None:
    client_for(editor).post(reverse("claims:source_create"), source_data())
    source = Source.objects.get()

    html = client_for(viewer).get(source.get_absolute_url()).content.decode()

    published = html[html.index("<dt>Published</dt>") :][:400]
    assert "26 Oct 2024 02:09 Asia/Seoul" in published
    assert "25 Oct 2024 17:09 UTC" in published


def test_workbench_date_defaults_to_the_publication_date_where_it_was_published(editor: User) -> None:
    client = client_for(editor)
    client.post(reverse("claims:source_create"), source_data())  # 26 Oct in Seoul, 25 Oct in UTC
    html = client.get(Source.objects.get().get_absolute_url()).content.decode()
    assert form_on(html[html.index('id="record-form"') :].encode())["stated_on"] == "2024-10-26"


def test_edit_page_shows_the_publication_time_on_the_sources_own_clock(editor: User) -> None:
    client_for(editor).post(reverse("claims:source_create"), source_data())
    source = Source.objects.get()

    form = form_on(client_for(editor).get(reverse("claims:source_edit", args=[source.pk])).content)

    assert (form["published_local"], form["published_tz"]) == ("2024-10-26T02:09:00", "Asia/Seoul")


def test_saving_the_edit_form_unchanged_keeps_the_instant(editor: User) -> None:
    client = client_for(editor)
    client.post(reverse("claims:source_create"), source_data())
    source = Source.objects.get()
    url = reverse("claims:source_edit", args=[source.pk])

    form = form_on(client.get(url).content)
    form["publisher"] = ""  # no publisher was given
    response = client.post(url, form)

    assert response.status_code == 302
    source.refresh_from_db()
    assert source.published_at == datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC)


def test_editing_another_field_keeps_the_seconds_of_the_publication_time(editor: User) -> None:
    published = datetime.datetime(2024, 10, 25, 17, 9, 34, tzinfo=datetime.UTC)  # as the demo and imports record it
    source = SourceFactory(published_at=published, published_tz="Asia/Seoul")
    client = client_for(editor)
    url = reverse("claims:source_edit", args=[source.pk])

    form = form_on(client.get(url).content)
    form.update(publisher="", byline="Kim Eun-jung")
    assert client.post(url, form).status_code == 302

    source.refresh_from_db()
    assert (source.byline, source.published_at) == ("Kim Eun-jung", published)


def test_time_without_a_zone_is_taken_as_utc(editor: User, viewer: User) -> None:
    client_for(editor).post(reverse("claims:source_create"), source_data(published_tz=""))
    source = Source.objects.get()

    assert source.published_at == datetime.datetime(2024, 10, 26, 2, 9, tzinfo=datetime.UTC)
    html = client_for(viewer).get(source.get_absolute_url()).content.decode()
    assert "26 Oct 2024 02:09 UTC" in html


def test_unknown_time_zone_is_refused(editor: User) -> None:
    response = client_for(editor).post(reverse("claims:source_create"), source_data(published_tz="Mars/Olympus_Mons"))

    assert response.status_code == 400
    assert "“Mars/Olympus_Mons” is not a time zone name" in errors_of(response.content.decode())
    assert not Source.objects.exists()


def test_a_publication_time_after_today_is_refused_and_nothing_is_stored(editor: User) -> None:
    """A new user's walk had recorded a source published in 2031."""
    source = SourceFactory(published_at=datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC))
    client = client_for(editor)
    far = timezone.localdate() + datetime.timedelta(days=3)

    created = client.post(reverse("claims:source_create"), source_data(published_local=f"{far}T09:00"))
    edited = client.post(
        reverse("claims:source_edit", args=[source.pk]),
        source_data(title=source.title, url=source.url, published_local=f"{far}T09:00"),
    )

    for response in (created, edited):
        assert response.status_code == 400
        assert f"{far:%-d %b %Y} is after today: enter the date the source was published." in errors_of(
            response.content.decode()
        )
        assert f'value="{far}T09:00"' in response.content.decode()  # what was typed stays in the form
    assert Source.objects.get() == source
    source.refresh_from_db()
    assert source.published_at == datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC)
    # Tomorrow in Seoul can be today in Washington: a day's slack.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert (
        client.post(reverse("claims:source_create"), source_data(published_local=f"{tomorrow}T09:00")).status_code
        == 302
    )


def test_the_model_refuses_a_publication_time_after_today_for_the_admin_and_imports() -> None:
    source = SourceFactory.build(published_at=timezone.now() + datetime.timedelta(days=3))
    with pytest.raises(ValidationError) as refused:
        source.full_clean()
    assert "is after today" in str(refused.value.message_dict["published_at"])


def test_time_zone_choices_list_iana_names(editor: User) -> None:
    html = client_for(editor).get(reverse("claims:source_create")).content.decode()
    assert '<option value="Asia/Seoul">Asia/Seoul</option>' in html
    assert '<option value="America/New_York">America/New_York</option>' in html


# --- URLs and titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "ftp://files.example.org/report.txt", "data:text/html,hi"]
)
def test_url_other_than_http_or_https_is_refused(editor: User, url: str) -> None:
    response = client_for(editor).post(reverse("claims:source_create"), source_data(url=url))

    html = response.content.decode()
    assert response.status_code == 400
    url_field = html[html.index('<label for="id_url">') :][:1500]
    assert "Enter a valid URL." in url_field or "starts with http:// or https://" in url_field
    assert not Source.objects.exists()


def test_ftp_url_gets_the_http_or_https_message(editor: User) -> None:
    response = client_for(editor).post(reverse("claims:source_create"), source_data(url="ftp://files.example.org/a"))
    assert "Enter a web address that starts with http:// or https://." in response.content.decode()


def test_url_already_recorded_is_refused_naming_the_other_source(editor: User) -> None:
    other = SourceFactory(title="Kirby briefing", url="https://www.whitehouse.gov/briefing/2024-10-23")

    response = client_for(editor).post(
        reverse("claims:source_create"), source_data(url="https://www.whitehouse.gov/briefing/2024-10-23")
    )

    assert response.status_code == 400
    assert f"This URL is already recorded: “Kirby briefing” (source #{other.pk})." in errors_of(
        response.content.decode()
    )
    assert Source.objects.count() == 1


def test_editing_a_source_keeps_its_own_url_without_complaint(editor: User) -> None:
    source = SourceFactory(title="Kirby briefing", url="https://www.whitehouse.gov/briefing/2024-10-23")
    response = client_for(editor).post(
        reverse("claims:source_edit", args=[source.pk]),
        source_data(title="Kirby briefing, 23 October", url=source.url),
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == "Kirby briefing, 23 October"


def test_title_already_recorded_is_refused_unless_said_to_be_another_source(editor: User) -> None:
    other = SourceFactory(title="Press briefing by John Kirby")
    client = client_for(editor)

    refused = client.post(reverse("claims:source_create"), source_data(title="press briefing by John Kirby"))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert f"A source with this title is already recorded (source #{other.pk})." in html
    assert "This is a different source with the same title" in html  # the box to tick is offered
    assert Source.objects.count() == 1

    saved = client.post(
        reverse("claims:source_create"),
        source_data(title="press briefing by John Kirby", different_source="on"),
    )
    assert saved.status_code == 302
    assert Source.objects.filter(title__iexact="Press briefing by John Kirby").count() == 2


def test_refused_form_keeps_every_typed_value(editor: User) -> None:
    SourceFactory(title="Press briefing by John Kirby")
    response = client_for(editor).post(
        reverse("claims:source_create"), source_data(title="Press briefing by John Kirby")
    )
    form = form_on(response.content)
    assert (form["url"], form["byline"], form["published_local"], form["published_tz"], textarea(form["body"])) == (
        "https://en.yna.co.kr/view/AEN20241026000351315",
        "Kim Eun-jung",
        "2024-10-26T02:09",
        "Asia/Seoul",
        BODY,
    )


def test_similar_sources_are_listed_while_typing(editor: User) -> None:
    kirby = SourceFactory(title="Press briefing by John Kirby", url="https://www.whitehouse.gov/b/1")
    SourceFactory(title="Weather in Busan", url="https://weather.example.org/busan")
    client = client_for(editor)

    by_title = client.get(
        reverse("claims:similar_sources"), {"title": "briefing by John"}, headers={"HX-Request": "true"}
    )
    by_url = client.get(reverse("claims:similar_sources"), {"title": "", "url": "https://www.whitehouse.gov/b/1"})
    excluded = client.get(reverse("claims:similar_sources"), {"title": "briefing by John", "exclude": kirby.pk})

    html = by_title.content.decode()
    assert html.lstrip().startswith('<div id="similar-sources"')
    assert "Press briefing by John Kirby" in html and "Weather in Busan" not in html
    assert "Press briefing by John Kirby" in by_url.content.decode()
    assert "Press briefing by John Kirby" not in excluded.content.decode()


def test_similar_sources_ignore_short_titles(editor: User) -> None:
    SourceFactory(title="Press briefing by John Kirby")
    html = client_for(editor).get(reverse("claims:similar_sources"), {"title": "Pre"}).content.decode()
    assert "Already recorded" not in html


# --- Publisher --------------------------------------------------------------------------------------


def test_publisher_must_be_a_media_outlet(editor: User) -> None:
    ActorFactory(name="Government of South Korea", kind=ActorKind.GOVERNMENT)
    response = client_for(editor).post(
        reverse("claims:source_create"), source_data(publisher="Government of South Korea")
    )
    assert response.status_code == 400
    assert (
        "“Government of South Korea” is recorded as government, and a publisher is a media outlet"
        in response.content.decode()
    )
    assert not Source.objects.exists()


def test_unknown_publisher_is_refused_with_a_way_to_add_it(editor: User) -> None:
    response = client_for(editor).post(reverse("claims:source_create"), source_data(publisher="Chosun Ilbo"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "No actor is called “Chosun Ilbo”." in html
    assert 'name="create" value="publisher"' in html
    assert not Source.objects.exists()


def test_edit_page_shows_the_publisher_by_name(editor: User) -> None:
    yonhap = ActorFactory(name="Yonhap News Agency", kind=ActorKind.MEDIA_OUTLET)
    source = SourceFactory(publisher=yonhap)

    form = form_on(client_for(editor).get(reverse("claims:source_edit", args=[source.pk])).content)

    assert form["publisher"] == "Yonhap News Agency"


# --- The text, its quotes, and no silent cuts --------------------------------------------------------


def test_editing_the_body_locates_every_quote_anew(editor: User, reviewer: User, viewer: User) -> None:
    source = SourceFactory(body=BODY)
    approved = services.add_attribution(
        ClaimFactory(),
        actor=ActorFactory(),
        source=source,
        stance="asserts",
        stated_on=datetime.date(2024, 10, 26),
        quote="the troops had left by ship",
        by=editor,
    )
    services.approve(approved, by=reviewer)
    gone = services.add_attribution(
        ClaimFactory(),
        actor=ActorFactory(),
        source=source,
        stance="denies",
        stated_on=datetime.date(2024, 10, 26),
        quote="Pyongyang denied it",
        by=editor,
    )
    assert (approved.quote_start, approved.quote_end) == (BODY.index("the troops"), BODY.index(" Pyongyang") - 1)

    new_body = "UPDATED, with a new first paragraph.\n\n" + BODY.replace("Pyongyang denied it.", "No comment.")
    response = client_for(editor).post(
        reverse("claims:source_edit", args=[source.pk]),
        source_data(title=source.title, url=source.url, body=new_body),
    )

    assert response.status_code == 302
    approved = Attribution.objects.get(pk=approved.pk)
    gone = Attribution.objects.get(pk=gone.pk)
    start = new_body.index("the troops had left by ship")
    assert (approved.quote_start, approved.quote_end) == (start, start + len("the troops had left by ship"))
    assert (gone.quote_start, gone.quote_end) == (None, None)
    html = client_for(editor).get(source.get_absolute_url()).content.decode()
    assert "<mark>the troops had left by ship</mark>" in html
    flagged = html[html.index("were not found in the text below") :][:500]
    assert "Pyongyang denied it" in flagged


def test_forms_set_no_maxlength_and_say_the_limit(editor: User) -> None:
    source = SourceFactory()
    for url in (reverse("claims:source_create"), reverse("claims:source_edit", args=[source.pk])):
        html = client_for(editor).get(url).content.decode()
        assert "maxlength" not in html
        assert "Up to 500,000 characters." in html


def test_over_long_body_is_refused_and_nothing_is_saved(editor: User) -> None:
    response = client_for(editor).post(reverse("claims:source_create"), source_data(body="x" * 500_001))

    assert response.status_code == 400
    assert "Ensure this value has at most 500000 characters (it has 500001)." in errors_of(response.content.decode())
    assert not Source.objects.exists()


def test_over_long_body_on_edit_leaves_the_source_as_it_was(editor: User) -> None:
    source = SourceFactory(body=BODY)
    response = client_for(editor).post(
        reverse("claims:source_edit", args=[source.pk]),
        source_data(title=source.title, url=source.url, body="x" * 500_001),
    )
    assert response.status_code == 400
    source.refresh_from_db()
    assert source.body == BODY
    assert source.history.count() == 1


def test_body_in_any_script_is_kept(editor: User, viewer: User) -> None:
    korean = "국가정보원은 북한이 러시아에 병력을 보냈다고 밝혔다."
    client_for(editor).post(
        reverse("claims:source_create"), source_data(title="국정원 발표", language="ko", body=korean, url="")
    )
    source = Source.objects.get()
    assert source.body == korean
    assert korean in client_for(viewer).get(source.get_absolute_url()).content.decode()


# --- Saving once, history, roles ----------------------------------------------------------------------


def test_double_submit_records_one_source(editor: User) -> None:
    client = client_for(editor)
    data = source_data()
    client.post(reverse("claims:source_create"), data)
    client.post(reverse("claims:source_create"), data)
    assert Source.objects.count() == 1


def test_double_submit_lands_the_second_click_on_the_saved_source(editor: User) -> None:
    client = client_for(editor)
    data = source_data()
    first = client.post(reverse("claims:source_create"), data)
    second = client.post(reverse("claims:source_create"), data)
    source = Source.objects.get()
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"] == source.get_absolute_url()


def test_new_source_form_carries_a_fresh_submission_token(editor: User) -> None:
    client = client_for(editor)
    first = form_on(client.get(reverse("claims:source_create")).content)["submission"]
    second = form_on(client.get(reverse("claims:source_create")).content)["submission"]
    assert uuid.UUID(first) and uuid.UUID(second) and first != second


def test_source_page_shows_the_history_of_edits(editor: User, other_editor: User, viewer: User) -> None:
    client_for(editor).post(reverse("claims:source_create"), source_data())
    source = Source.objects.get()
    client_for(other_editor).post(
        reverse("claims:source_edit", args=[source.pk]), source_data(byline="Kim Eun-jung and Lee Haye-ah")
    )

    html = client_for(viewer).get(source.get_absolute_url()).content.decode()

    history = html[html.index("History of edits") :]
    assert "edith changed the source" in history
    assert "ed created the source" in history


def test_edit_of_unknown_source_is_404(editor: User) -> None:
    assert client_for(editor).get(reverse("claims:source_edit", args=[424242])).status_code == 404


def test_viewer_cannot_open_or_post_source_forms(viewer: User) -> None:
    source = SourceFactory(title="Kept as it was")
    client = client_for(viewer)
    edit = reverse("claims:source_edit", args=[source.pk])
    new = reverse("claims:source_create")

    assert client.get(new).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.get(reverse("claims:similar_sources"), {"title": "Kept as"}).status_code == 403
    assert client.post(new, source_data()).status_code == 403
    assert client.post(edit, source_data(title="Changed by a viewer")).status_code == 403
    assert client.post(new, source_data(create="publisher")).status_code == 403
    assert list(Source.objects.values_list("title", flat=True)) == ["Kept as it was"]


def test_editor_sees_edit_link_viewer_does_not(editor: User, viewer: User) -> None:
    source = SourceFactory()
    edit = reverse("claims:source_edit", args=[source.pk])
    assert edit in client_for(editor).get(source.get_absolute_url()).content.decode()
    assert edit not in client_for(viewer).get(source.get_absolute_url()).content.decode()


def test_the_workbench_text_is_kept_until_the_source_or_its_quotes_change(
    editor: User, viewer: User, settings: Any
) -> None:
    """The text with its highlights and who it quotes, drawn once for each version
    of the source's data and for each kind of reader (the desk sees work in review):
    whatever writes, the next view shows it."""
    settings.PAGE_CACHE_SECONDS = 0  # every view drawn, but for its kept parts
    source = SourceFactory(body=BODY)

    def quoted(name: str, stance: str, quote: str) -> None:
        services.add_attribution(
            ClaimFactory(),
            actor=ActorFactory(name=name),
            source=source,
            stance=stance,
            stated_on=datetime.date(2024, 10, 26),
            quote=quote,
            by=editor,
        )

    quoted("Seoul Official", "asserts", "the troops had left by ship")
    desk, reader = client_for(editor), client_for(viewer)

    def view(client: Any) -> tuple[str, str]:
        with CaptureQueriesContext(connection) as captured:
            html = client.get(source.get_absolute_url()).content.decode()
        end = html.find('id="record-form"')  # the desk's form, with its tokens; a reader has none
        read = " ".join(str(query["sql"]) for query in captured)
        return html[html.index('id="workbench"') : end if end >= 0 else html.index("History of edits")], read

    drawn, drawn_read = view(desk)
    kept, kept_read = view(desk)
    assert kept == drawn and "Seoul Official" in kept
    assert "quote_start" in drawn_read and "quote_start" not in kept_read  # its quotes not read again
    assert "Seoul Official" not in view(reader)[0]  # in review: the desk's alone

    with connection.cursor() as cursor:  # as psql would
        cursor.execute("UPDATE claims_actor SET name = %s WHERE name = %s", ["Seoul, renamed", "Seoul Official"])
    assert "Seoul, renamed" in view(desk)[0]
    quoted("KCNA", "denies", "Pyongyang denied it")
    later = view(desk)[0]
    assert "KCNA" in later and "Pyongyang denied it</mark>" in later
