"""Published fact-checks (issue 14 parts 1 to 3, DESIGN 8.4): a reviewer publishes
and unpublishes a claim from its page, with who and when in its history; anyone
reads /public/, /public/claims/<id>/ and /sitemap.xml without login; the
public page shows approved work only, no user names and no forms, sets no
cookie and does not vary on one, carries OpenGraph and Twitter tags and the
full ClaimReview, and answers 304 to a matching If-None-Match."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Claim, Source, Status
from claimtracker.claims.queries import claims as claim_queries
from claimtracker.claims.views import public
from tests import schema_org
from tests.conftest import client_for
from tests.test_exports import jsonld

pytestmark = pytest.mark.django_db

SENT = "North Korea has sent troops to Russia"


@pytest.fixture
def sent(demo: None) -> Claim:
    return Claim.objects.get(text=SENT)


def assessed(text: str, editor: User, reviewer: User, slug: str = "reported") -> Claim:
    claim = services.create_claim(text=text, by=editor)
    change = services.propose_status_change(
        claim, status=Status.objects.get(slug=slug), effective_on=datetime.date(2024, 10, 28), rationale="R.", by=editor
    )
    services.approve(change, by=reviewer)
    return claim


# --- Publishing --------------------------------------------------------------------------------------


def test_a_reviewer_publishes_and_unpublishes_from_the_claim_page(demo: None, editor: User, reviewer: User) -> None:
    claim = assessed("North Korean troops are fighting in Kursk", editor, reviewer)
    client = client_for(reviewer)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Not published: only the desk can read it." in page
    assert f'action="{reverse("claims:publish", args=[claim.pk])}"' in page
    assert Client().get(claim.get_public_url()).status_code == 404

    response = client.post(reverse("claims:publish", args=[claim.pk]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.published_at is not None and claim.published_by == reviewer
    page = client.get(claim.get_absolute_url()).content.decode()
    assert f'<a href="{claim.get_public_url()}">its public page</a>' in page
    assert Client().get(claim.get_public_url()).status_code == 200
    latest = claim.history.latest("history_date")
    assert (latest.history_user, latest.history_change_reason) == (reviewer, "published")
    assert "rita changed the claim: published" in page, "the history on the page says who"

    client.post(reverse("claims:unpublish", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.published_at is None and claim.published_by is None
    assert Client().get(claim.get_public_url()).status_code == 404
    assert claim.history.latest("history_date").history_change_reason == "unpublished"


def test_only_reviewers_publish(demo: None, editor: User, viewer: User, reviewer: User) -> None:
    claim = assessed("Claim to publish", editor, reviewer)
    for user in (editor, viewer):
        assert client_for(user).post(reverse("claims:publish", args=[claim.pk])).status_code == 403
        assert "Publish</button>" not in client_for(user).get(claim.get_absolute_url()).content.decode()
    assert client_for(reviewer).get(reverse("claims:publish", args=[claim.pk])).status_code == 405
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.force_login(reviewer)
    assert csrf_checked.post(reverse("claims:publish", args=[claim.pk])).status_code == 403
    claim.refresh_from_db()
    assert claim.published_at is None


def test_a_claim_without_a_status_is_not_published(demo: None, editor: User, reviewer: User) -> None:
    claim = services.create_claim(text="Nothing assessed yet", by=editor)
    response = client_for(reviewer).post(reverse("claims:publish", args=[claim.pk]), follow=True)
    assert "no approved status yet: there is nothing to publish" in response.content.decode()
    claim.refresh_from_db()
    assert claim.published_at is None


def test_the_demo_publishes_its_assessed_claims(demo: None) -> None:
    assert Claim.objects.filter(current_status__isnull=False).count() == 6
    assert set(Claim.objects.filter(published_at__isnull=False)) == set(
        Claim.objects.filter(current_status__isnull=False)
    )


# --- The public claim page --------------------------------------------------------------------------


def test_anyone_reads_a_published_claim(sent: Claim, editor: User) -> None:
    # Work in review is not shown.
    services.add_attribution(
        sent,
        actor=Actor.objects.get(short_name="NIS"),
        source=Source.objects.get(),
        stance="denies",
        quote="A pending quote nobody approved",
        stated_on=datetime.date(2024, 10, 26),
        by=editor,
    )
    response = Client().get(sent.get_public_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{SENT}</h1>" in html
    assert "Corroborated" in html and "since 25 Oct 2024" in html
    assert "groundless rumor" in html and "DPRK representative at the UN" in html, "the approved timeline"
    assert "A pending quote nobody approved" not in html
    assert "<svg" in html, "the chart"
    assert "Who supports and who opposes it" in html
    for name in ("editor", "reviewer", "ed", "rita", "Recorded by", "Reviewer"):
        assert not re.search(rf"\b{name}\b", re.sub(r"<[^>]+>", " ", html)), name
    assert "<form" not in html and "<script src" not in html, "no forms, no scripts"
    assert "/claims/" not in re.sub(r"/public/claims/", "", html), "no links into the desk's pages"


def test_a_public_answer_sets_no_cookie_and_does_not_vary_on_one(sent: Claim, viewer: User) -> None:
    for client in (Client(), client_for(viewer)):
        response = client.get(sent.get_public_url())
        assert response.status_code == 200
        assert not response.cookies, "no cookie set"
        assert "Cookie" not in response.get("Vary", "")
        assert response["Cache-Control"] == "public, max-age=60"
        assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"]), "a strong ETag"
    anonymous, logged_in = Client().get(sent.get_public_url()), client_for(viewer).get(sent.get_public_url())
    assert anonymous.content == logged_in.content, "the same page for everyone"


def test_an_unchanged_page_is_a_304_and_a_change_changes_its_etag(sent: Claim, editor: User, reviewer: User) -> None:
    client = Client()
    first = client.get(sent.get_public_url())
    again = client.get(sent.get_public_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    entry = services.add_attribution(
        sent,
        actor=Actor.objects.get(short_name="NIS"),
        source=Source.objects.get(),
        stance="confirms",
        quote="Approved after the first read",
        stated_on=datetime.date(2024, 10, 28),
        by=editor,
    )
    assert client.get(sent.get_public_url(), headers={"If-None-Match": first["ETag"]}).status_code == 304, (
        "work in review does not change the public page"
    )
    services.approve(entry, by=reviewer)
    changed = client.get(sent.get_public_url(), headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert "Approved after the first read" in changed.content.decode()


def test_unpublished_and_unknown_claims_are_404(sent: Claim, reviewer: User, editor: User) -> None:
    services.unpublish(sent, by=reviewer)
    assert Client().get(sent.get_public_url()).status_code == 404
    assert Client().get(reverse("public:claim", args=[10**9])).status_code == 404
    draft = services.create_claim(text="Never published", by=editor)
    assert Client().get(draft.get_public_url()).status_code == 404
    assert draft.text not in Client().get(reverse("public:list")).content.decode()


def test_opengraph_and_twitter_tags_are_escaped(demo: None, editor: User, reviewer: User) -> None:
    claim = assessed('He said "<b>troops</b>" & left', editor, reviewer)
    services.publish(claim, by=reviewer)
    html = Client().get(claim.get_public_url()).content.decode()
    escaped = "He said &quot;&lt;b&gt;troops&lt;/b&gt;&quot; &amp; left"
    assert f'<meta property="og:title" content="{escaped}">' in html
    assert f'<meta name="twitter:title" content="{escaped}">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert f'<meta property="og:url" content="http://testserver{claim.get_public_url()}">' in html
    assert '<meta property="og:description" content="Status: Reported since 28 Oct 2024.">' in html
    assert "<b>troops</b>" not in html


def test_the_public_page_runs_constant_queries(sent: Claim, editor: User, reviewer: User) -> None:
    client = Client()

    def count() -> int:
        client.get(sent.get_public_url())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(sent.get_public_url()).status_code == 200
        return len(captured)

    before = count()
    nis, source = Actor.objects.get(short_name="NIS"), Source.objects.get()
    for day in range(1, 20):
        entry = services.add_attribution(
            sent, actor=nis, source=source, stance="confirms", stated_on=datetime.date(2024, 11, day), by=editor
        )
        services.approve(entry, by=reviewer)
    # The latest page holds both kinds of entry, as the first read's did.
    change = services.propose_status_change(
        sent,
        status=Status.objects.get(slug="confirmed"),
        effective_on=datetime.date(2024, 11, 20),
        rationale="R.",
        by=editor,
    )
    services.approve(change, by=reviewer)
    assert count() == before


# --- ClaimReview on the public page ------------------------------------------------------------------


def test_the_public_page_carries_the_full_claim_review(sent: Claim, settings: object) -> None:
    settings.ORGANIZATION_NAME = "The Example Times"  # type: ignore[attr-defined]
    settings.ORGANIZATION_URL = "https://example.org/"  # type: ignore[attr-defined]
    data = jsonld(Client().get(sent.get_public_url()).content.decode())
    assert data["@type"] == "ClaimReview"
    assert data["url"] == f"http://testserver{sent.get_public_url()}"
    assert data["author"] == {"@type": "Organization", "name": "The Example Times", "url": "https://example.org/"}
    assert data["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Corroborated",
        "ratingValue": 4,
        "bestRating": 5,
        "worstRating": 1,
    }
    item = data["itemReviewed"]
    assert item["datePublished"] == "2024-10"
    assert item["firstAppearance"]["@type"] == "CreativeWork"


def test_a_status_rating_is_edited_with_the_statuses(sent: Claim, superuser: User) -> None:
    corroborated = Status.objects.get(slug="corroborated")
    admin = client_for(superuser)
    url = reverse("admin:claims_status_change", args=[corroborated.pk])
    form = admin.get(url).content.decode()
    assert 'name="rating"' in form
    fields = {
        "slug": corroborated.slug,
        "label": corroborated.label,
        "description": corroborated.description,
        "color": corroborated.color,
        "order": corroborated.order,
        "verdict": corroborated.verdict,
    }
    refused = admin.post(url, fields | {"rating": "9"})
    assert refused.status_code == 200 and "Ensure this value is less than or equal to 5" in refused.content.decode()
    assert admin.post(url, fields | {"rating": "5"}).status_code == 302
    data = jsonld(Client().get(sent.get_public_url()).content.decode())
    assert data["reviewRating"]["ratingValue"] == 5, "the page's summary is drawn again"
    assert admin.post(url, fields | {"rating": ""}).status_code == 302
    data = jsonld(Client().get(sent.get_public_url()).content.decode())
    assert data["reviewRating"] == {"@type": "Rating", "alternateName": "Corroborated"}


# --- /public/ and the sitemap ----------------------------------------------------------------------


def test_the_public_list_newest_first_in_pages_with_search(
    demo: None, editor: User, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public, "PAGE_SIZE", 4)
    later = assessed("Kursk fighting reported by Kyiv", editor, reviewer)
    services.publish(later, by=reviewer)
    client = Client()
    html = client.get(reverse("public:list")).content.decode()
    titles = re.findall(r'<li><a href="/public/claims/\d+/">(.*?)</a>', html)
    assert titles[0] == later.text and len(titles) == 4
    older = re.search(r'href="\?after=([^"]+)" rel="next"', html)
    assert older
    rest = re.findall(
        r'<li><a href="/public/claims/\d+/">(.*?)</a>', client.get(f"/public/?after={older.group(1)}").content.decode()
    )
    assert len(rest) == 3 and not set(rest) & set(titles)
    found = client.get(reverse("public:list"), {"q": "Kursk"}).content.decode()
    assert later.text in found and SENT not in found
    bad = client.get(reverse("public:list"), {"after": "not-a-cursor"})
    assert bad.status_code == 400 and "Showing the first page." in bad.content.decode()


def test_the_sitemap_lists_the_published_pages(sent: Claim, reviewer: User, editor: User) -> None:
    draft = services.create_claim(text="Not published", by=editor)
    services.unpublish(sent, by=reviewer)
    response = Client().get(reverse("sitemap"))
    assert response.status_code == 200
    tree = ElementTree.fromstring(response.content)
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in tree.findall("s:url/s:loc", namespace)]
    published = Claim.objects.filter(published_at__isnull=False)
    assert sorted(locations) == sorted(f"http://testserver{c.get_public_url()}" for c in published)
    assert f"http://testserver{sent.get_public_url()}" not in locations
    assert f"http://testserver{draft.get_public_url()}" not in locations
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", m.text or "") for m in tree.findall("s:url/s:lastmod", namespace))


def test_the_claim_review_is_valid_schema_org(sent: Claim, settings: object) -> None:
    """Expanded by a JSON-LD processor against schema.org's vocabulary (tests/schema_org.py)."""
    settings.ORGANIZATION_URL = "https://example.org/"  # type: ignore[attr-defined]
    source = Source.objects.get()
    source.url = "https://en.yna.co.kr/view/AEN20241026000251315"
    source.save()
    data = jsonld(Client().get(sent.get_public_url()).content.decode())
    assert schema_org.problems(data) == []
    # The checker finds what is not schema.org.
    assert schema_org.problems(data | {"reviewScore": 4}) == ["$.reviewScore: not a schema.org property"]
    wrong = data | {"reviewRating": data["reviewRating"] | {"@type": "Ratingg"}}
    assert "$.reviewRating[0]: Ratingg is not a schema.org type" in schema_org.problems(wrong)
    assert schema_org.problems(data | {"ingredients": "troops"}) == ["$.ingredients: not a property of ClaimReview"]


def test_no_stored_text_closes_the_script_of_the_public_page(demo: None, editor: User, reviewer: User) -> None:
    hostile = '</script><script>alert("x")</script><!-- & '
    claim = assessed(hostile, editor, reviewer)
    services.publish(claim, by=reviewer)
    html = Client().get(claim.get_public_url()).content.decode()
    assert "<script>alert" not in html and "<!--" not in html
    assert html.count("</script>") == 1, "only the JSON-LD's own end tag"
    assert jsonld(html)["claimReviewed"] == hostile.strip()


def test_an_unchanged_page_is_served_without_rendering(sent: Claim, editor: User, reviewer: User) -> None:
    """One query reads what the page is drawn from; the page rendered from the same
    data is served again, and a change anywhere it looks renders it anew."""
    client = Client()
    first = client.get(sent.get_public_url())
    with CaptureQueriesContext(connection) as captured:
        again = client.get(sent.get_public_url())
    assert len(captured) == 1, [q["sql"][:80] for q in captured]
    assert again.content == first.content and again["ETag"] == first["ETag"]
    # A rename of the status, an actor or a source shows at once.
    corroborated = Status.objects.get(slug="corroborated")
    corroborated.label = "Backed up"
    corroborated.save()
    assert "Backed up" in client.get(sent.get_public_url()).content.decode()
    kim = Actor.objects.get(name="Kim Jong-gyu")
    kim.name = "Kim Jong Gyu"
    services.save_actor(kim, by=editor)
    assert "Kim Jong Gyu" in client.get(sent.get_public_url()).content.decode()


def test_a_kept_page_is_answered_as_it_was_drawn(sent: Claim, viewer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """publiccache.PublicPageMiddleware answers before the session, CSRF and
    security-header middleware run: the headers they set are kept with the page."""
    drawn, logged_in = Client().get(sent.get_public_url()), client_for(viewer)
    with CaptureQueriesContext(connection) as captured:
        kept = logged_in.get(sent.get_public_url())
    assert len(captured) == 1, "the versions only: no session, no user"
    assert kept.content == drawn.content
    for header in ("Content-Type", "Content-Length", "ETag", "Cache-Control", "Content-Security-Policy"):
        assert kept[header] == drawn[header], header
    assert kept["X-Frame-Options"] == "DENY" and kept["X-Content-Type-Options"] == "nosniff"
    assert not kept.cookies and "Cookie" not in kept.get("Vary", "")
    monkeypatch.setattr(claim_queries, "TIMELINE_PAGE_SIZE", 2)
    latest, first = (Client().get(sent.get_public_url(), {"events": events}) for events in ("", "1"))
    assert latest.content != first.content, "each page of the timeline kept apart"
    assert latest.content == Client().get(sent.get_public_url()).content


def test_without_the_page_cache_the_page_is_drawn_each_time(sent: Claim, settings: object) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    client = Client()
    first = client.get(sent.get_public_url())
    with CaptureQueriesContext(connection) as captured:
        again = client.get(sent.get_public_url())
    assert len(captured) > 1 and again.content == first.content


def test_a_write_elsewhere_does_not_render_the_page_again(sent: Claim, editor: User, reviewer: User) -> None:
    client = Client()
    first = client.get(sent.get_public_url())
    other = Claim.objects.exclude(pk=sent.pk).first()
    assert other is not None
    services.update_claim(other, by=editor, expected_version=other.version, text=other.text + " (edited)")
    with CaptureQueriesContext(connection) as captured:
        again = client.get(sent.get_public_url())
    # Only the versions of what the page shows are read (one query): the other claim's is not among them.
    assert len(captured) == 1, [q["sql"][:80] for q in captured]
    assert again.content == first.content


def test_head_and_errors_read_no_session_either(sent: Claim, viewer: User) -> None:
    for client in (Client(), client_for(viewer)):
        head = client.head(sent.get_public_url())
        assert head.status_code == 200 and head.content == b""
        assert head["ETag"] == client.get(sent.get_public_url())["ETag"]
        assert client.head(reverse("public:list")).status_code == 200
        sitemap = client.get(reverse("sitemap"))
        assert sitemap["Cache-Control"] == "public, max-age=60" and sitemap["ETag"]
        assert client.get(reverse("sitemap"), headers={"If-None-Match": sitemap["ETag"]}).status_code == 304
        for response in (
            sitemap,
            client.get(reverse("public:claim", args=[10**9])),
            client.get(reverse("public:list"), {"after": "garbage"}),
            client.get(reverse("sitemap"), {"p": "9"}),
        ):
            assert "Cookie" not in response.get("Vary", ""), response.status_code
            assert not response.cookies
    assert Client().get(reverse("sitemap"), {"p": "9"}).status_code == 404


def test_work_in_review_on_the_claim_leaves_its_page_kept_until_approved(
    sent: Claim, editor: User, reviewer: User
) -> None:
    """Readers see approved entries alone: an attribution sent for review does not
    draw the page again; its approval does, and shows it."""
    client = Client()
    first = client.get(sent.get_public_url())
    pending = services.add_attribution(
        sent,
        actor=Actor.objects.get(name="Kim Jong-gyu"),
        source=sent.attributions.first().source,  # type: ignore[union-attr]
        stance="confirms",
        stated_on=datetime.date(2024, 11, 1),
        quote="Waiting for a reviewer",
        by=editor,
    )
    with CaptureQueriesContext(connection) as captured:
        again = client.get(sent.get_public_url())
    assert len(captured) == 1 and again.content == first.content
    services.approve(pending, by=reviewer)
    assert "Waiting for a reviewer" in client.get(sent.get_public_url()).content.decode()
