"""The admin's exports of actors and sources (django-import-export) neutralise
formulas as every other export does (exports/csv.py): each text cell that begins
with =, +, -, @, tab, carriage return or NUL gets a leading apostrophe, in every
format the admin offers; and such an export imports back unchanged."""

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claimtracker.claims.models import Actor, ActorAlias, Source
from claimtracker.exports.csv import FORMULA_TRIGGERS
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example","x")'


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def cells(title: str, content: str) -> list[str]:
    """Every cell of an export, header included, as text."""
    if title in ("csv", "tsv"):
        rows = csv.reader(io.StringIO(content, newline=""), delimiter="," if title == "csv" else "\t")
        return [cell for row in rows for cell in row]
    if title == "json":
        return [str(key) for item in json.loads(content) for key in item] + [
            value for item in json.loads(content) for value in item.values() if isinstance(value, str)
        ]
    if title == "html":
        parser = _Cells()
        parser.feed(content)
        return parser.cells
    raise AssertionError(f"the admin offers {title}, which this test cannot read: check the rule there too")


def export_form(client: Client, model: str) -> tuple[dict[str, str], list[str]]:
    """The export page's format choices (value -> title) and field checkboxes."""
    html = client.get(f"/admin/claims/{model}/export/").content.decode()
    select = re.search(r'<select name="format".*?</select>', html, re.S)
    assert select is not None
    formats = {v: t.strip() for v, t in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)<', select.group())}
    fields = re.findall(r'<input type="checkbox" name="(\w+resource_\w+)"', html)
    return formats, fields


def export_every_format(client: Client, model: str) -> dict[str, list[str]]:
    formats, fields = export_form(client, model)
    assert formats and fields
    exported = {}
    for value, title in formats.items():
        response = client.post(
            f"/admin/claims/{model}/export/", {"format": value, "resource": "0", **dict.fromkeys(fields, "on")}
        )
        assert response.status_code == 200, title
        assert "attachment" in response["Content-Disposition"], title
        exported[title] = cells(title, response.content.decode("utf-8-sig"))
    return exported


def assert_neutralised(exported: dict[str, list[str]], dangerous: list[str]) -> None:
    for title, found in exported.items():
        live = [cell for cell in found if cell.startswith(FORMULA_TRIGGERS)]
        assert not live, f"{title}: cells a spreadsheet would run: {live}"
        for value in dangerous:
            assert "'" + value in found, f"{title}: {value!r} missing or not neutralised"


def test_every_admin_export_of_actors_neutralises_formulas(superuser: User) -> None:
    parent = Actor.objects.create(name="@parent", kind="government")
    actor = Actor.objects.create(
        name=LINK,
        short_name="+SUM(1,2)",
        kind="person",
        country="-1",
        parent=parent,
        description="\t=1+1",
    )
    ActorAlias.objects.create(actor=actor, name="=alias")
    Actor.objects.create(name="\r=cmd", kind="person")

    exported = export_every_format(client_for(superuser), "actor")

    assert set(exported) >= {"csv"}
    assert_neutralised(exported, [LINK, "+SUM(1,2)", "-1", "@parent", "=alias", "\t=1+1", "\r=cmd"])


def test_every_admin_export_of_sources_neutralises_formulas(superuser: User) -> None:
    publisher = Actor.objects.create(name="-publisher", kind="media_outlet")
    Source.objects.create(
        title=LINK,
        url="+https://example.org/1",
        publisher=publisher,
        byline="@byline",
        dateline="=DATELINE",
        language="en",
        body="\r=body",
    )

    exported = export_every_format(client_for(superuser), "source")

    assert_neutralised(exported, [LINK, "+https://example.org/1", "-publisher", "@byline", "=DATELINE", "\r=body"])


def test_a_neutralised_export_imports_back_unchanged(superuser: User) -> None:
    client = client_for(superuser)
    Actor.objects.create(name="@parent", kind="government")
    Actor.objects.create(name="-child", kind="person", parent=Actor.objects.get(name="@parent"), description="=x")
    exported = client.post(
        "/admin/claims/actor/export/",
        {"format": "0", "resource": "0", **dict.fromkeys(export_form(client, "actor")[1], "on")},
    ).content
    assert b"'-child" in exported

    html = client.post(
        "/admin/claims/actor/import/", {"import_file": SimpleUploadedFile("a.csv", exported), "format": "0"}
    ).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert client.post("/admin/claims/actor/process_import/", hidden).status_code == 302

    assert sorted(Actor.objects.values_list("name", flat=True)) == ["-child", "@parent"]
    assert Actor.objects.get(name="-child").description == "=x"
