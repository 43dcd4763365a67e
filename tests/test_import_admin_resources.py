"""Bulk entry of actors and sources in the admin (django-import-export): a dry-run
preview that shows every bad row and imports nothing, then the import through
the services."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claimtracker.claims.models import Actor, Source
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ACTORS_HEADER = "name,short_name,kind,country,parent,aliases,wikidata_id,description\r\n"


def preview(client: Client, model: str, data: bytes) -> str:
    response = client.post(
        f"/admin/claims/{model}/import/", {"import_file": SimpleUploadedFile("f.csv", data), "format": "0"}
    )
    assert response.status_code == 200
    return response.content.decode()


def confirm(client: Client, model: str, html: str) -> None:
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    response = client.post(f"/admin/claims/{model}/process_import/", hidden)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_bad_actor_rows_are_listed_and_nothing_is_imported(superuser: User) -> None:
    data = (
        ACTORS_HEADER
        + "Ministry of Defence,MND,government_body,KR,,국방부,,\r\n"
        + "Bad Country,,person,kor,,,,\r\n"
        + "Bad Wikidata,,person,,,,P31,\r\n"
        + "Bad Kind,,wizard,,,,,\r\n"
        + "Orphan,,person,,No Such Parent,,,\r\n"
    ).encode("utf-8")

    html = preview(client_for(superuser), "actor", data)

    assert "Enter an ISO 3166-1 alpha-2 country code" in html
    assert "Enter a Wikidata item id such as Q35525." in html
    assert "wizard" in html and "is not a valid choice" in html
    assert "unknown actor &#x27;No Such Parent&#x27;: add it first" in html
    assert 'action="/admin/claims/actor/process_import/"' not in html, "no way to confirm a file with errors"
    assert not Actor.objects.exists()


def test_valid_actors_import_through_the_services_with_aliases_and_history(superuser: User) -> None:
    client = client_for(superuser)
    Actor.objects.create(name="Government of South Korea", kind="government")
    data = (
        ACTORS_HEADER
        + "Ministry of National Defense,MND,government_body,KR,Government of South Korea,"
        + "국방부; MND,,Seoul's defence ministry\r\n"
    ).encode("utf-8")

    html = preview(client, "actor", data)
    assert not Actor.objects.filter(name="Ministry of National Defense").exists(), "the preview is a dry run"
    confirm(client, "actor", html)

    actor = Actor.objects.get(name="Ministry of National Defense")
    assert actor.parent.name == "Government of South Korea"
    assert sorted(actor.aliases.values_list("name", flat=True)) == ["MND", "국방부"]
    assert actor.history.first().history_user == superuser


def test_sources_import_and_duplicate_urls_update_rather_than_duplicate(superuser: User) -> None:
    client = client_for(superuser)
    Actor.objects.create(name="Yonhap News Agency", kind="media_outlet")
    header = "url,title,publisher,byline,published_at,dateline,language,kind,body\r\n"
    row = (
        "https://en.yna.co.kr/view/1,Troops report,Yonhap News Agency,Song Sang-ho,"
        "2024-10-25 17:09:34,WASHINGTON,en,news_report,Body text\r\n"
    )
    confirm(client, "source", preview(client, "source", (header + row).encode("utf-8")))
    confirm(
        client,
        "source",
        preview(client, "source", (header + row.replace("Troops report", "Troops report (updated)")).encode("utf-8")),
    )

    source = Source.objects.get()
    assert (source.title, source.publisher.name) == ("Troops report (updated)", "Yonhap News Agency")
    assert source.history.count() == 2


def test_bad_source_rows_are_listed(superuser: User) -> None:
    header = "url,title,publisher,byline,published_at,dateline,language,kind,body\r\n"
    data = (header + "not a url,,Nobody,,2024-13-45,,english!,rumour,\r\n").encode("utf-8")
    html = preview(client_for(superuser), "source", data)
    assert "Enter a valid URL." in html
    assert "BCP 47" in html
    assert "unknown actor &#x27;Nobody&#x27;" in html
    assert not Source.objects.exists()


def test_editors_cannot_reach_the_admin_import(editor: User) -> None:
    response = client_for(editor).get("/admin/claims/actor/import/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
