"""Parts of the claim page drawn once for each set of the data versions they show
(views/claims._claim_page_context): the history of edits, and the status form's
fields, apart, so that work sent for review re-renders only what it changes. The
page cache off, so that each request is rendered."""

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Attribution, Claim, Relation, Status, StatusChange
from tests.conftest import client_for
from tests.test_claim_page import TROOPS
from tests.test_pagecache import _pending_attribution, url_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0


def drawn(client: Client, claim: Claim) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url_of(claim))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _history(page: str) -> str:
    found = re.search(r'<section aria-labelledby="history-heading".*?</section>', page, re.S)
    assert found
    return found.group(0)


def _reads_history(sqls: list[str]) -> bool:
    return any("historical" in sql for sql in sqls)


def test_the_history_of_edits_is_read_once_for_each_version_of_the_claim(
    demo: None, editor: User, reviewer: User
) -> None:
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(reviewer)
    first, reading = drawn(client, claim)
    again, kept = drawn(client, claim)
    assert _reads_history(reading) and not _reads_history(kept)
    assert _history(again) == _history(first)
    _pending_attribution(claim, by=editor)
    after, reading = drawn(client, claim)
    assert _reads_history(reading)
    assert _history(after).count("<li>") == _history(first).count("<li>") + 1


def test_a_viewer_is_never_given_the_desks_history(demo: None, editor: User, reviewer: User, viewer: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    _pending_attribution(claim, by=editor)
    desk, _ = drawn(client_for(reviewer), claim)
    shown, _ = drawn(client_for(viewer), claim)
    assert _history(shown).count("<li>") < _history(desk).count("<li>")
    entries = re.findall(r"<li>.*?</li>", _history(shown), re.S)
    assert all("(approved)" in entry or "the claim" in entry for entry in entries), entries


def test_the_status_form_offers_each_entry_sent_for_review_as_evidence(demo: None, editor: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(editor)
    before, _ = drawn(client, claim)
    sent = _pending_attribution(claim, by=editor, quote="Sent for review")
    after, _ = drawn(client, claim)
    offered = re.findall(r'name="evidence" value="(\d+)"', after)
    assert str(sent.pk) in offered and str(sent.pk) not in re.findall(r'name="evidence" value="(\d+)"', before)
    corrects = re.compile(r'<select name="corrects".*?</select>', re.S)
    assert corrects.search(after).group(0) == corrects.search(before).group(0)  # type: ignore[union-attr]
    assert Attribution.objects.filter(pk=sent.pk, review_state="pending").exists()


def test_the_history_names_an_actor_renamed_that_only_an_earlier_round_quoted(
    demo: None, editor: User, reviewer: User
) -> None:
    """An edit of an entry in review may name an actor the claim no longer quotes:
    renaming that actor bumps no counter of the claim, but the history shows it."""
    claim = Claim.objects.get(text=TROOPS)
    lone = services.save_actor(Actor(name="An actor of an earlier round"), by=editor)
    sent = _pending_attribution(claim, by=editor)
    services.revise_attribution(sent, by=editor, actor=lone)
    services.revise_attribution(
        Attribution.objects.get(pk=sent.pk), by=editor, actor=Actor.objects.get(name="Jake Sullivan")
    )
    client = client_for(reviewer)
    assert "An actor of an earlier round" in _history(drawn(client, claim)[0])
    lone.name = "The same actor renamed"
    services.save_actor(lone, by=editor)
    assert "The same actor renamed" in _history(drawn(client, claim)[0])


def test_pruned_history_leaves_the_page(demo: None, reviewer: User) -> None:
    from django.core.management import call_command

    claim = Claim.objects.get(text=TROOPS)
    client = client_for(reviewer)
    assert "<li>" in _history(drawn(client, claim)[0])
    call_command("clean_old_history", "--auto", "--days", "0", verbosity=0)
    assert "No edits recorded." in _history(drawn(client, claim)[0])


def test_a_viewer_sees_no_round_of_review_of_an_approved_entry(
    demo: None, editor: User, reviewer: User, viewer: User
) -> None:
    claim = Claim.objects.get(text=TROOPS)
    never = services.save_actor(Actor(name="An actor never approved"), by=editor)
    sent = _pending_attribution(claim, by=editor)
    services.revise_attribution(sent, by=editor, actor=never)
    services.reject(Attribution.objects.get(pk=sent.pk), by=reviewer, note="Not this actor")
    services.revise_attribution(
        Attribution.objects.get(pk=sent.pk), by=editor, actor=Actor.objects.get(name="Jake Sullivan")
    )
    services.approve(Attribution.objects.get(pk=sent.pk), by=reviewer)
    shown = _history(drawn(client_for(viewer), claim)[0])
    assert "An actor never approved" not in shown and "rejected" not in shown
    assert "An actor never approved" in _history(drawn(client_for(reviewer), claim)[0])


def test_an_entry_whose_actor_is_gone_is_still_named_an_attribution(demo: None, editor: User, reviewer: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    gone = services.save_actor(Actor(name="An actor soon deleted"), by=editor)
    sent = _pending_attribution(claim, by=editor)
    services.revise_attribution(sent, by=editor, actor=gone)
    Attribution.objects.get(pk=sent.pk).delete()
    gone.delete()
    shown = _history(drawn(client_for(reviewer), claim)[0])
    assert "deleted the attribution of an actor since deleted" in shown


def test_the_kept_tag_keeps_a_part_under_its_key_and_draws_it_anew_without_one() -> None:
    from django.core.cache import cache
    from django.template import Context, Template, TemplateSyntaxError

    part = Template("{% load kept %}{% kept greeting key %}Hello {{ name }}{% endkept %}")
    assert part.render(Context({"key": "k1", "name": "desk"})) == "Hello desk"
    assert part.render(Context({"key": "k1", "name": "reader"})) == "Hello desk"  # kept under k1
    assert part.render(Context({"key": "k2", "name": "reader"})) == "Hello reader"  # another key, drawn
    assert part.render(Context({"key": "", "name": "form"})) == "Hello form"  # no key: drawn each time
    assert part.render(Context({"name": "form"})) == "Hello form"
    cache.clear()
    with pytest.raises(TemplateSyntaxError, match="a part's name and its key"):
        Template("{% load kept %}{% kept greeting %}x{% endkept %}")


def test_kept_parts_read_ahead_serve_the_tag_and_store_what_it_draws() -> None:
    from django.core.cache import cache
    from django.core.cache.utils import make_template_fragment_key
    from django.template import Context, Template

    from claimtracker.claims.views.common import KeptParts

    part = Template("{% load kept %}{% kept greeting key %}Hello {{ name }}{% endkept %}")
    cache.set(make_template_fragment_key("greeting", ["k1"]), "Hello kept")
    parts = KeptParts({"greeting": "k1", "other": ""})
    assert list(parts.read) == [make_template_fragment_key("greeting", ["k1"])]  # a blank key is not asked
    cache.delete(make_template_fragment_key("greeting", ["k1"]))
    # What was read serves the part, though the cache has lost it since.
    assert part.render(Context({"key": "k1", "name": "desk", "kept_parts": parts})) == "Hello kept"
    drawn = KeptParts({"greeting": "k2"})
    assert part.render(Context({"key": "k2", "name": "desk", "kept_parts": drawn})) == "Hello desk"
    assert part.render(Context({"key": "k2", "name": "reader", "kept_parts": drawn})) == "Hello desk"
    assert cache.get(make_template_fragment_key("greeting", ["k2"])) is None  # stored only by store()
    drawn.store()
    assert cache.get(make_template_fragment_key("greeting", ["k2"])) == "Hello desk" and not drawn.drawn
    # A part the page's kept_parts do not name asks the cache alone, as without them.
    assert part.render(Context({"key": "k3", "name": "alone", "kept_parts": drawn})) == "Hello alone"
    assert cache.get(make_template_fragment_key("greeting", ["k3"])) == "Hello alone"
    cache.clear()


def kept_part_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """Each call to the default cache from now on, with the ``{% kept %}`` parts' keys it names."""
    from django.core.cache import caches

    default = caches["default"]
    calls: list[tuple[str, list[str]]] = []
    inside: list[str] = []  # local memory's get_many calls its get: the outer call alone is counted
    for name in ("get", "get_many", "set", "set_many"):
        real = getattr(default, name)

        def counted(keys: Any, *args: Any, _name: str = name, _real: Any = real, **kwargs: Any) -> Any:
            if not inside:
                asked = list(keys) if _name.endswith("_many") else [keys]
                calls.append((_name, [key for key in asked if key.startswith("template.cache.")]))
            inside.append(_name)
            try:
                return _real(keys, *args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(default, name, counted)
    return calls


def test_the_claim_pages_kept_parts_are_asked_of_the_cache_at_once(
    demo: None, editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's page has six kept parts (the forms' fields, the history of
    edits): one round trip to the cache reads them all, and one stores those drawn."""
    calls = kept_part_calls(monkeypatch)
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(editor)
    for view in ("first", "again"):
        calls.clear()
        drawn(client, claim)
        parts = [(name, keys) for name, keys in calls if keys]
        stored = [] if view == "again" else [("set_many", parts[-1][1])]
        assert parts == [("get_many", parts[0][1]), *stored] and len(parts[0][1]) == 6, view
        if stored:
            assert sorted(parts[-1][1]) == sorted(parts[0][1])


# --- The timeline's items ------------------------------------------------------------------------------


def _timeline(page: str) -> str:
    found = re.search(r'<section aria-labelledby="timeline-heading".*?</section>', page, re.S)
    assert found
    return found.group(0)


def _item(page: str, attribution: Attribution) -> str:
    found = re.search(rf'<li class="event attribution[^"]*" id="a{attribution.pk}">.*?</li>', _timeline(page), re.S)
    assert found, f"no item for attribution {attribution.pk}"
    return found.group(0)


def _attributions_read(sqls: list[str]) -> list[set[str]]:
    """The ids of each read of whole attributions by id (the timeline's items)."""
    reads = [_TIMELINE_READ.search(sql) for sql in sqls]
    return [set(re.findall(r"\d+", read.group(1))) for read in reads if read]


# The statement of the timeline's attributions (claims.queries.claims._timeline_sql), as logged.
_TIMELINE_READ = re.compile(r"^SELECT .* FROM claims_attribution e JOIN .* WHERE e\.id IN \(([^)]*)\)$", re.S)


def test_work_sent_for_review_reads_and_draws_its_own_item_alone(demo: None, editor: User, reviewer: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(reviewer)
    before, reading = drawn(client, claim)
    approved = list(claim.attributions.filter(review_state="approved").order_by("pk"))
    assert approved and {str(a.pk) for a in approved} <= set().union(*_attributions_read(reading))
    sent = _pending_attribution(claim, by=editor, quote="A statement sent for review")
    after, reading = drawn(client, claim)
    assert _attributions_read(reading) == [{str(sent.pk)}]  # the approved items are kept
    assert "A statement sent for review" in _item(after, sent) and "Pending" in _item(after, sent)
    for attribution in approved:
        assert _item(after, attribution) == _item(before, attribution)


def test_an_approved_item_follows_what_changes_it(demo: None, editor: User, reviewer: User, viewer: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(reviewer)
    sent = _pending_attribution(claim, by=editor, quote="Soon approved")
    drawn(client, claim)
    services.approve(Attribution.objects.get(pk=sent.pk), by=reviewer)
    item = _item(drawn(client, claim)[0], sent)
    assert "Pending" not in item and "unreviewed" not in item and "Propose a correction" in item
    actor = Actor.objects.get(name="Jake Sullivan")
    actor.name = "Jake Sullivan (renamed)"
    services.save_actor(actor, by=editor)
    assert "Jake Sullivan (renamed)" in _item(drawn(client, claim)[0], sent)
    correction = services.correct_attribution(
        Attribution.objects.get(pk=sent.pk),
        actor=actor,
        source=sent.source,
        stance="denies",
        stated_on=sent.stated_on,
        by=editor,
    )
    services.approve(correction, by=reviewer)
    assert "corrected" in _item(drawn(client, claim)[0], sent).split(">")[0]
    # The desk's items are kept apart from the viewers': no link to correct an entry for a viewer.
    shown = _item(drawn(client_for(viewer), claim)[0], correction)
    assert "Propose a correction" in _item(drawn(client, claim)[0], correction)
    assert "Propose a correction" not in shown


def _change_item(page: str, change: StatusChange) -> str:
    found = re.search(rf'<li class="event status-change[^"]*" id="s{change.pk}">.*?</li>\n', _timeline(page), re.S)
    assert found, f"no item for status change {change.pk}"
    return found.group(0)


@pytest.mark.parametrize("then", ["revised", "withdrawn"])
def test_an_approved_change_citing_evidence_in_review_follows_that_evidence(
    demo: None, editor: User, reviewer: User, viewer: User, then: str
) -> None:
    """The services refuse to approve a change before its evidence; a write past
    them (an update, psql) can. The desk's item shows the evidence, which can
    change while what readers see of the claim does not."""
    claim = Claim.objects.get(text=TROOPS)
    evidence = _pending_attribution(claim, by=editor, quote="First words")
    change = services.propose_status_change(
        claim,
        status=Status.objects.first(),
        effective_on=datetime.date(2024, 10, 31),
        rationale="Seen",
        by=editor,
        evidence=[evidence],
    )
    StatusChange.objects.filter(pk=change.pk).update(
        review_state="approved", reviewed_by=reviewer, reviewed_at=timezone.now()
    )
    client = client_for(reviewer)
    cited = _change_item(drawn(client, claim)[0], change)
    assert "First words" in cited and "Pending" in cited
    # Readers see the approved evidence alone.
    assert "First words" not in _change_item(drawn(client_for(viewer), claim)[0], change)
    if then == "revised":
        services.revise_attribution(Attribution.objects.get(pk=evidence.pk), by=editor, quote="Edited words")
        assert "Edited words" in _change_item(drawn(client, claim)[0], change)
    else:
        services.withdraw(Attribution.objects.get(pk=evidence.pk), by=editor)
        assert "Withdrawn" in _change_item(drawn(client, claim)[0], change)


def test_a_view_of_the_past_offers_the_desk_no_correction(demo: None, reviewer: User) -> None:
    claim = Claim.objects.get(text=TROOPS)
    client = client_for(reviewer)
    assert "Propose a correction" in _timeline(drawn(client, claim)[0])
    response = client.get(f"{url_of(claim)}?as_of=2024-12-31")
    assert response.status_code == 200
    past = _timeline(response.content.decode())
    assert 'class="event attribution' in past and "Propose a correction" not in past


def test_a_claims_status_then_is_kept_until_its_approved_changes_or_the_vocabulary_change(
    demo: None, editor: User, reviewer: User, viewer: User
) -> None:
    """A view of the past reads the claim's status then once for each version of
    its approved entries and of the vocabulary: work in review leaves it kept;
    an approved change, or a status renamed, draws it anew."""
    claim = Claim.objects.get(text="North Korea has sent troops to Russia")
    # Its links would read the linked claims' statuses then (queries.links), with a query of the same kind.
    Relation.objects.filter(Q(from_claim=claim) | Q(to_claim=claim)).delete()
    client = client_for(viewer)

    def then() -> tuple[str, bool]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url_of(claim)}?as_of=2024-10-24")
        assert response.status_code == 200
        current = re.search(r'<p class="current">(.*?)</p>', response.content.decode(), re.S)
        assert current
        read = any("then_status_id" in q["sql"] for q in queries.captured_queries)  # queries.with_then
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", current.group(1))).strip(), read

    assert then() == ("Disputed since 21 Oct 2024", True)
    assert then() == ("Disputed since 21 Oct 2024", False)
    reported = Status.objects.get(slug="reported")
    change = services.propose_status_change(
        claim, status=reported, effective_on=datetime.date(2024, 10, 23), rationale="Seoul again.", by=editor
    )
    assert then() == ("Disputed since 21 Oct 2024", False)  # in review: not part of what readers saw
    services.approve(change, by=reviewer)
    assert then() == ("Reported since 23 Oct 2024", True)
    reported.label = "Reported by a credible outlet"
    reported.save()
    assert then() == ("Reported by a credible outlet since 23 Oct 2024", True)
