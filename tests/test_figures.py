"""Figures on attributions (DESIGN 8.3, issue 13 part 1): the number a statement
gives, how it is given and its unit, entered through the claim page's form, the
workbench and the admin, checked whole, shown as the estimates over time."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, Source
from tests.conftest import client_for
from tests.factories import ActorFactory, SourceFactory
from tests.html_forms import form_on
from tests.test_claim_page import attribution_data
from tests.test_workbench import BODY, FIRST, passage, record_url

pytestmark = pytest.mark.django_db

FORECAST = "North Korea will have sent about 10,000 troops to Russia by the end of 2024"
AT_LEAST = "At least 3,000 North Korean troops were moved to eastern Russia in October 2024"


def test_the_demo_records_the_seeds_figures(demo: None, viewer: User) -> None:
    figures = {
        (a.claim.text, a.actor.name): a.figure_display
        for a in Attribution.objects.exclude(figure=None).select_related("claim", "actor")
    }
    assert figures == {
        (FORECAST, "National Intelligence Service"): "about 10,000 troops",
        (AT_LEAST, "White House"): "at least 3,000 troops",
        (AT_LEAST, "National Intelligence Service"): "about 3,000 troops",
    }
    page = client_for(viewer).get(Claim.objects.get(text=AT_LEAST).get_absolute_url()).content.decode()
    table = re.search(r'<section aria-labelledby="figures-heading".*?</section>', page, re.S)
    assert table, "the claim page shows the figures over time"
    rows = re.findall(r"<tr><td>.*?</tr>", table.group(0), re.S)
    assert len(rows) == 2
    assert (
        "White House</a> asserts" in rows[0] and 'at least 3,000 troops <span class="note">(hedged)</span>' in rows[0]
    )
    assert "National Intelligence Service</a> confirms" in rows[1] and "about 3,000 troops" in rows[1]
    assert '<span class="figure">at least 3,000 troops</span>' in page, "the timeline entry shows it too"
    forecast = client_for(viewer).get(Claim.objects.get(text=FORECAST).get_absolute_url()).content.decode()
    assert "<dd>About 10,000 troops</dd>" in forecast, "the claim's own quantity reads the same way"


def test_the_service_takes_a_figure_only_whole(demo: None, editor: User) -> None:
    claim = Claim.objects.get(text=AT_LEAST)
    base = {
        "actor": Actor.objects.get(name="White House"),
        "source": Source.objects.first(),
        "stance": "asserts",
        "stated_on": datetime.date(2024, 10, 25),
        "by": editor,
    }
    made = services.add_attribution(claim, **base, figure=Decimal(8000), figure_bound="more_than", figure_unit="troops")
    assert made.figure_display == "more than 8,000 troops" and made.figure_hedged
    exact = services.add_attribution(
        claim, **base, quote="x", figure=Decimal(12), figure_bound="exactly", figure_unit=""
    )
    assert exact.figure_display == "12" and not exact.figure_hedged
    before = Attribution.objects.count()
    for fields, message in [
        ({"figure": Decimal(3000)}, "Say how the figure is given"),
        ({"figure_bound": "about"}, "needs its figure"),
        ({"figure_unit": "troops"}, "needs its figure"),
        ({"figure": Decimal(-1), "figure_bound": "about"}, "cannot be negative"),
    ]:
        with pytest.raises(services.DomainError, match=message):
            services.add_attribution(claim, **base, quote="y", **fields)
    assert Attribution.objects.count() == before


def test_the_claim_pages_form_records_a_figure_and_explains_a_half_one(demo: None, editor: User) -> None:
    claim = Claim.objects.get(text=FORECAST)
    client = client_for(editor)
    url = reverse("claims:add_attribution", args=[claim.pk])
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'name="figure"' in page and 'name="figure_bound"' in page and 'name="figure_unit"' in page

    half = client.post(url, attribution_data(figure="10000", figure_bound="", figure_unit="troops"))
    assert half.status_code == 400  # the form again, with what to mend
    assert "Say how the number is given" in half.content.decode()
    lone_unit = client.post(url, attribution_data(figure="", figure_bound="", figure_unit="troops"))
    assert "Give the number, or clear how it is given and its unit." in lone_unit.content.decode()

    assert 'name="figure" inputmode="decimal"' in page.replace('type="text" ', ""), "a text box: it takes a comma"
    done = client.post(url, attribution_data(figure="10,000", figure_bound="about", figure_unit="troops"))
    assert done.status_code == 302, done.content.decode()[:3000]
    assert Attribution.objects.get(claim=claim, actor__name="Jake Sullivan").figure_display == "about 10,000 troops"


def test_the_workbench_records_a_figure(editor: User) -> None:
    source = SourceFactory(body=BODY, published_at=datetime.datetime(2024, 10, 25, 17, 9, tzinfo=datetime.UTC))
    ActorFactory(name="National Intelligence Service", short_name="NIS")
    claim = services.create_claim(text="North Korea will send 10,000 troops by the end of 2024", by=editor)
    data = passage(claim=f"#{claim.pk}", figure="10000", figure_bound="about", figure_unit="troops")
    response = client_for(editor).post(record_url(source), data)
    assert response.status_code == 302
    assert Attribution.objects.get(quote=FIRST).figure_display == "about 10,000 troops"


def test_the_admin_records_a_figure_and_refuses_a_half_one(demo: None, superuser: User) -> None:
    client = client_for(superuser)
    add = reverse("admin:claims_attribution_add")
    form = form_on(client.get(add).content)
    assert {"figure", "figure_bound", "figure_unit"} <= set(form)
    data = form | {
        "claim": Claim.objects.get(text=FORECAST).pk,
        "actor": Actor.objects.get(name="White House").pk,
        "source": Source.objects.first().pk,
        "stance": "asserts",
        "certainty": "definite",
        "quote_kind": "reported",
        "quote": "",
        "stated_on": "2024-10-28",
        "stated_on_precision": "day",
        "submission": str(uuid.uuid4()),
    }
    refused = client.post(add, data | {"figure": "10000", "figure_bound": "", "figure_unit": "troops"})
    assert refused.status_code == 200
    assert "A figure needs how it is given" in refused.content.decode()
    saved = client.post(add, data | {"figure": "10000", "figure_bound": "up_to", "figure_unit": "troops"})
    assert saved.status_code == 302
    assert Attribution.objects.get(stated_on=datetime.date(2024, 10, 28)).figure_display == "up to 10,000 troops"
