"""/claims/new/ and claim editing: similar claims, versioned edits, bad input."""

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.forms import FIGURE_LABELS, ClaimForm
from claimtracker.claims.models import Claim, Topic
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def claim_data(**overrides: object) -> dict[str, object]:
    return {
        "submission": str(uuid.uuid4()),
        "text": "Russia has received North Korean artillery shells",
        "context": "",
        "quantity": "",
        "quantity_bound": "",
        "quantity_unit": "",
        "due_on": "",
    } | overrides


def test_editor_creates_a_claim(editor: User, demo: None) -> None:
    topic = Topic.objects.get(name="Russia")
    response = client_for(editor).post(
        reverse("claims:create"),
        claim_data(topics=[topic.pk], quantity="1000000", quantity_bound="at_least", quantity_unit="shells"),
    )
    claim = Claim.objects.get(text="Russia has received North Korean artillery shells")
    assert response.status_code == 302 and response["Location"] == claim.get_absolute_url()
    assert (claim.created_by, claim.quantity_bound, list(claim.topics.all())) == (editor, "at_least", [topic])


def test_double_submit_creates_one_claim_and_lands_on_it(editor: User) -> None:
    client = client_for(editor)
    data = claim_data()
    first = client.post(reverse("claims:create"), data)
    second = client.post(reverse("claims:create"), data)
    assert Claim.objects.count() == 1
    assert first["Location"] == second["Location"] == Claim.objects.get().get_absolute_url()


def test_similar_claims_are_shown_while_typing(editor: User, demo: None) -> None:
    response = client_for(editor).get(
        reverse("claims:similar"), {"text": "North Korea has sent soldiers to Russia"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="similar"')
    assert "North Korea has sent troops to Russia" in html


def test_similar_claims_ignore_short_or_unrelated_text(editor: User, demo: None) -> None:
    for text in ("", "ab", "Completely unrelated weather forecast"):
        html = client_for(editor).get(reverse("claims:similar"), {"text": text}).content.decode()
        assert "Similar claims already recorded" not in html


def test_bad_claim_input_is_refused_keeping_what_was_typed(editor: User) -> None:
    response = client_for(editor).post(
        reverse("claims:create"),
        claim_data(text="Troops\x00 moved", quantity="10000", due_on="2024-13-45", context="x" * 20_001),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Null characters are not allowed." in html
    assert "Enter a valid date." in html
    assert "Say whether the quantity is exact, about, at least or at most." in html
    assert "at most 20000 characters" in html
    assert 'value="10000"' in html
    assert not Claim.objects.exists()


def test_edit_saves_and_bumps_the_version(editor: User, demo: None) -> None:
    claim = Claim.objects.get(text="The troops were moved by ship")
    response = client_for(editor).post(
        reverse("claims:edit", args=[claim.pk]), claim_data(text="The troops were moved by sea", version=1)
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.text, claim.version, claim.history.first().history_user) == (
        "The troops were moved by sea",
        2,
        editor,
    )


def test_stale_edit_is_refused_and_shows_the_other_editors_change(editor: User, other_editor: User, demo: None) -> None:
    claim = Claim.objects.get(text="The troops were moved by ship")
    services.update_claim(claim, by=other_editor, expected_version=1, text="Troops crossed by ship from Chongjin")
    records = claim.history.count()

    response = client_for(editor).post(
        reverse("claims:edit", args=[claim.pk]), claim_data(text="The troops were moved by sea", version=1)
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this claim while you were editing it." in html
    assert "Troops crossed by ship from Chongjin" in html
    assert "The troops were moved by sea" in html  # the user's own text is kept in the form
    claim.refresh_from_db()
    assert (claim.text, claim.version) == ("Troops crossed by ship from Chongjin", 2)
    assert claim.history.count() == records  # the refused edit left no record


def test_edit_of_unknown_claim_is_404(editor: User) -> None:
    assert client_for(editor).get(reverse("claims:edit", args=[424242])).status_code == 404


def test_two_editors_saving_the_same_version_through_the_pages_store_one_change(
    editor: User, other_editor: User, demo: None
) -> None:
    claim = Claim.objects.get(text="The troops were moved by ship")
    url = reverse("claims:edit", args=[claim.pk])
    first, second = client_for(editor), client_for(other_editor)
    version = first.get(url).context["form"]["version"].value()
    assert second.get(url).context["form"]["version"].value() == version
    records = claim.history.count()

    saved = first.post(url, claim_data(text="Moved by sea, says Seoul", version=version))
    refused = second.post(url, claim_data(text="Moved by rail, says Tokyo", version=version))

    assert saved.status_code == 302 and refused.status_code == 409
    assert "Moved by sea, says Seoul" in refused.content.decode()  # the other change, shown
    claim.refresh_from_db()
    assert claim.text == "Moved by sea, says Seoul"
    # The saved edit's records (the claim, then its topic list) name its editor; the refused one left none.
    changes = list(claim.history.order_by("-history_date", "-history_id")[: claim.history.count() - records])
    assert {(h.text, h.history_user) for h in changes} == {("Moved by sea, says Seoul", editor)}


def test_a_required_select_reads_its_choices_once_a_form_and_each_form_afresh(demo: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claimtracker.claims.forms import StatusChangeForm
    from claimtracker.claims.models import Status

    claim = Claim.objects.first()
    assert claim is not None
    with CaptureQueriesContext(connection) as queries:
        html = str(StatusChangeForm(claim=claim)["status"])
    assert sum('FROM "claims_status"' in query["sql"] for query in queries.captured_queries) == 1
    assert Status.objects.get(slug="confirmed").label in html
    Status.objects.filter(slug="confirmed").update(label="Borne out")
    assert "Borne out" in str(StatusChangeForm(claim=claim)["status"])  # the next form reads them again


def test_each_change_to_correct_is_named_by_its_status_date_and_rationale(demo: None) -> None:
    from django.utils.html import escape

    from claimtracker.claims.forms import StatusChangeForm
    from claimtracker.claims.models import StatusChange

    change = StatusChange.objects.filter(review_state="approved").select_related("claim", "status").first()
    assert change is not None
    html = str(StatusChangeForm(claim=change.claim)["corrects"])
    option = re.search(rf'<option value="{change.pk}">([^<]*)</option>', html)
    assert option is not None, html
    label = option.group(1)
    assert label.startswith(f"{change.status.label} on {change.effective_on_display}: ")
    assert escape(change.rationale[:20]) in label
    assert change.claim.text not in html  # the claim's own page: its text in every option said nothing


def test_the_claims_quantity_is_asked_as_a_statements_figure_is(editor: User) -> None:
    """One wording for a number on both forms: how it is given, the number, the unit."""
    form = ClaimForm()
    asked = [form.fields[name].label for name in ("quantity_bound", "quantity", "quantity_unit")]
    assert asked == [FIGURE_LABELS[name] for name in ("figure_bound", "figure", "figure_unit")]
    html = client_for(editor).get(reverse("claims:create")).content.decode()
    assert html.index(">Given as</label>") < html.index(">Number</label>") < html.index(">Unit</label>")
