"""Every create survives a double click as one record: the admin's add forms and
the CSV imports, sent twice as a browser sends them (the pages' own forms are
tested beside them: test_claim_forms, test_claim_page)."""

import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from claimtracker.claims.models import Actor, ActorAlias, Attribution, Claim, Source, Status, StatusChange, Topic
from tests.conftest import client_for
from tests.html_forms import form_on
from tests.test_import import HEADER, row

pytestmark = pytest.mark.django_db


def _errors(response: Any) -> object:
    context = response.context
    if not context or "adminform" not in context:
        return response.status_code
    return context["adminform"].form.errors, [f.formset.errors for f in context.get("inline_admin_formsets", [])]


def admin_add_data(model: str) -> dict[str, Any]:
    """What an admin types into each add form."""
    claim, actor, source = Claim.objects.first(), Actor.objects.first(), Source.objects.first()
    assert claim and actor and source
    return {
        "actor": {"name": "Russian Ministry of Defence", "kind": "government_body"},
        "actoralias": {"name": "Минобороны", "actor": actor.pk},
        "source": {"title": "Pentagon briefing, Nov. 4"},
        "status": {"label": "Unverifiable", "slug": "unverifiable", "color": "#555555"},
        "topic": {"name": "Artillery", "slug": "artillery"},
        "claim": {"text": "Russia has received North Korean artillery shells"},
        "attribution": {
            "claim": claim.pk,
            "actor": actor.pk,
            "source": source.pk,
            "stance": "asserts",
            "stated_on": "2024-11-04",
            "quote": "",
        },
        "statuschange": {
            "claim": claim.pk,
            "status": Status.objects.get(slug="disputed").pk,
            "effective_on": "2024-11-04",
            "rationale": "Moscow denies it",
        },
    }[model]


COUNTED = {
    "actor": Actor,
    "actoralias": ActorAlias,
    "source": Source,
    "status": Status,
    "topic": Topic,
    "claim": Claim,
    "attribution": Attribution,
    "statuschange": StatusChange,
}


@pytest.mark.parametrize("model", list(COUNTED))
def test_a_double_click_on_an_admin_add_form_saves_once(demo: None, superuser: User, model: str) -> None:
    client = client_for(superuser)
    add = reverse(f"admin:claims_{model}_add")
    data = form_on(client.get(add).content) | admin_add_data(model)
    assert data.get("submission"), "the add form carries a one-time token"
    before = COUNTED[model].objects.count()

    first = client.post(add, data)
    assert first.status_code == 302, _errors(first)
    second = client.post(add, data)

    assert COUNTED[model].objects.count() == before + 1
    saved = COUNTED[model].objects.order_by("-pk").first()
    assert saved is not None
    assert second.status_code == 302
    assert second["Location"] == reverse(f"admin:claims_{model}_change", args=[saved.pk])
    assert "already saved" in client.get(second["Location"]).content.decode()


def test_a_refused_admin_add_gives_its_token_back(demo: None, superuser: User) -> None:
    client = client_for(superuser)
    add = reverse("admin:claims_topic_add")
    data = form_on(client.get(add).content) | {"name": "Artillery", "slug": "not a slug!"}
    assert client.post(add, data).status_code == 200  # shown again with the error
    assert client.post(add, data | {"slug": "artillery"}).status_code == 302
    assert Topic.objects.filter(slug="artillery").count() == 1


@pytest.mark.usefixtures("flushable_db")
def test_two_racing_clicks_on_an_admin_add_form_save_once(superuser: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("racing writers need PostgreSQL's row locks; SQLite runs one writer at a time")
    add = reverse("admin:claims_topic_add")
    rounds = 8
    answers: list[int] = []
    for n in range(rounds):
        data = form_on(client_for(superuser).get(add).content) | {"name": f"Artillery {n}", "slug": f"artillery-{n}"}
        start = threading.Barrier(2)

        def click(data: dict[str, Any] = data, start: threading.Barrier = start) -> None:
            client = client_for(superuser)
            start.wait()
            answers.append(client.post(add, data).status_code)
            connection.close()

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answers == [302] * 2 * rounds
    assert Topic.objects.filter(slug__startswith="artillery-").count() == rounds


def _checked_import(client: Client, content: bytes) -> dict[str, Any]:
    url = reverse("admin:claims_claim_import_csv")
    checked = client.post(url, {"file": SimpleUploadedFile("t.csv", content), "_check": "1"})
    assert checked.status_code == 200
    return form_on(checked.content) | {"_import": "Import"}


def test_a_double_click_on_import_imports_once(demo: None, superuser: User) -> None:
    client = client_for(superuser)
    content = (HEADER + "\r\n" + row(claim="A claim imported once", quote="imported words")).encode()
    data = _checked_import(client, content)
    assert data.get("upload")
    url = reverse("admin:claims_claim_import_csv")

    first, second = client.post(url, data), client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert Attribution.objects.filter(claim__text="A claim imported once").count() == 1
    assert "already imported" in client.get(second["Location"]).content.decode()


def test_a_refused_import_gives_its_token_back(demo: None, superuser: User) -> None:
    client = client_for(superuser)
    content = (HEADER + "\r\n" + row(claim="A claim imported late", quote="imported words")).encode()
    data = _checked_import(client, content)
    url = reverse("admin:claims_claim_import_csv")
    # The actor is renamed between the check and the import: the import is refused...
    Actor.objects.filter(name="DPRK representative at the UN").update(name="DPRK envoy")
    assert client.post(url, data).status_code == 200
    assert not Claim.objects.filter(text="A claim imported late").exists()
    # ...and, the actor back, the same click imports.
    Actor.objects.filter(name="DPRK envoy").update(name="DPRK representative at the UN")
    assert client.post(url, data).status_code == 302
    assert Claim.objects.filter(text="A claim imported late").count() == 1


@pytest.mark.parametrize(
    ("resource", "model", "content"),
    [
        ("actor", Actor, "name,kind\r\nRussian Ministry of Defence,government_body\r\n"),
        ("source", Source, "title,url\r\nPentagon briefing,https://example.org/briefing\r\n"),
    ],
)
def test_a_double_click_on_confirm_import_of_actors_or_sources_imports_once(
    demo: None, superuser: User, resource: str, model: type[Actor] | type[Source], content: str
) -> None:
    client = client_for(superuser)
    url = reverse(f"admin:claims_{resource}_import")
    preview = client.post(
        url,
        {"import_file": SimpleUploadedFile("rows.csv", content.encode()), "format": "0", "resource": "0"},
    )
    assert preview.status_code == 200
    confirm = form_on(preview.content)
    before = model.objects.count()
    process = reverse(f"admin:claims_{resource}_process_import")
    assert client.post(process, confirm).status_code == 302
    second = client.post(process, confirm)
    assert second.status_code == 302
    assert model.objects.count() == before + 1
    assert "already imported" in client.get(second["Location"]).content.decode()
