"""`manage.py load_demo`: the seed article as data, loaded once."""

import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from claimtracker.claims.management.commands.load_demo import SOURCE_BODY
from claimtracker.claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    Claim,
    ReviewState,
    Source,
    StatusChange,
)

pytestmark = pytest.mark.django_db

SEED_ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "yonhap-2024-10-26-nk-troops.txt"

SEED_CLAIMS = [
    "North Korea has sent troops to Russia",
    "North Korea will have sent about 10,000 troops to Russia by the end of 2024",
    "At least 3,000 North Korean troops were moved to eastern Russia in October 2024",
    "The troops may be used against Ukraine",
    "The troops were moved by ship",
    "DPRK-Russia arms and missile transfers violate UN Security Council resolutions",
]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Actor, ActorAlias, Source, Claim, Attribution, StatusChange)
    } | {
        "history": sum(m.history.count() for m in (Actor, Source, Claim, Attribution)),  # type: ignore[attr-defined]
    }


def test_demo_has_the_seed_actors_claims_and_users(demo: None) -> None:
    names = set(Actor.objects.values_list("name", flat=True))
    for expected in [
        "Yonhap News Agency",
        "White House",
        "John Kirby",
        "National Intelligence Service",
        "Shin Won-sik",
        "Jake Sullivan",
        "Takeo Akiba",
        "Kim Jong-gyu",
        "DPRK representative at the UN",
        "Government of South Korea",
        "Government of the United States",
        "Korean Central News Agency",
    ]:
        assert expected in names
    assert Actor.objects.get(name="John Kirby").parent.name == "White House"
    assert set(Actor.objects.get(short_name="NIS").aliases.values_list("name", flat=True)) >= {"NIS", "국가정보원"}
    assert sorted(Claim.objects.values_list("text", flat=True)) == sorted(SEED_CLAIMS)
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    for username in ("admin", "reviewer", "editor", "viewer"):
        assert (
            authenticate(RequestFactory().post("/accounts/login/"), username=username, password="claimtracker")
            is not None
        )


def test_source_is_the_yonhap_report_published_in_seoul_time(demo: None) -> None:
    source = Source.objects.get()

    assert source.published_at == datetime.datetime(2024, 10, 26, 2, 9, 34, tzinfo=ZoneInfo("Asia/Seoul"))
    assert source.published_at.astimezone(ZoneInfo("America/New_York")).date() == datetime.date(2024, 10, 25)
    assert (source.publisher.name, source.byline, source.dateline) == (
        "Yonhap News Agency",
        "Song Sang-ho",
        "WASHINGTON, Oct. 25",
    )


def test_stored_paragraphs_and_quotes_are_exactly_as_the_article_prints_them(demo: None) -> None:
    if not SEED_ARTICLE.exists():
        pytest.skip("the shared seed article is not beside this checkout")
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    for paragraph in SOURCE_BODY.split("\n\n"):
        assert paragraph in article
    for attribution in Attribution.objects.all():
        assert attribution.quote in article
        assert attribution.quote_found is True


def test_troops_claim_has_its_stances_and_status_history(demo: None) -> None:
    claim = Claim.objects.get(text=SEED_CLAIMS[0])
    stances = {(a.actor.name, a.stance, a.certainty, a.via.name if a.via else "") for a in claim.attributions.all()}
    assert ("DPRK representative at the UN", "denies", "definite", "") in stances
    assert ("Kim Jong-gyu", "acknowledges", "conditional", "Korean Central News Agency") in stances
    assert ("Government of South Korea", "confirms", "definite", "") in stances
    denial = claim.attributions.get(stance="denies")
    assert (denial.quote, denial.stated_on, denial.stated_on_display) == (
        "groundless rumor",
        datetime.date(2024, 10, 21),
        "21 Oct 2024",
    )
    timeline = [(c.status.slug, c.effective_on_display) for c in claim.status_changes.order_by("effective_on")]
    assert timeline == [("reported", "Oct 2024"), ("disputed", "21 Oct 2024"), ("corroborated", "25 Oct 2024")]
    assert claim.current_status.slug == "corroborated"
    assert not StatusChange.objects.exclude(review_state=ReviewState.APPROVED).exists()


def test_forecast_claim_has_its_quantity_and_due_date(demo: None) -> None:
    claim = Claim.objects.get(text=SEED_CLAIMS[1])
    assert (claim.quantity, claim.quantity_unit, claim.quantity_bound) == (10_000, "troops", "about")
    assert claim.due_on == datetime.date(2024, 12, 31)
    nis = claim.attributions.get()
    assert (nis.actor.short_name, nis.certainty, nis.stated_on_display) == ("NIS", "probable", "Oct 2024")


def test_advisors_concern_is_recorded_via_kirby(demo: None) -> None:
    claim = Claim.objects.get(text=SEED_CLAIMS[3])
    assert {(a.actor.name, a.via.name, a.certainty) for a in claim.attributions.all()} == {
        (name, "John Kirby", "possible") for name in ("Shin Won-sik", "Jake Sullivan", "Takeo Akiba")
    }


def test_second_run_changes_nothing(demo: None) -> None:
    before = counts()
    out = StringIO()

    call_command("load_demo", force=True, stdout=out)

    assert counts() == before
    assert "already loaded; nothing changed" in out.getvalue()


def test_refuses_with_debug_off_unless_forced(db: None, settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("load_demo", stdout=StringIO())
    assert not Claim.objects.exists()
    assert not Actor.objects.exists()
