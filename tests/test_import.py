"""CSV import: every bad row reported by line, nothing written unless all is valid,
and a round trip (export, import into an empty database, export again) loses nothing."""

import csv
import io
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Model

from claimtracker.claims.models import Actor, Attribution, Claim, ReviewState, Source, StatusChange
from claimtracker.exports import importer
from claimtracker.exports.stream import timeline_csv
from claimtracker.exports.timeline import COLUMNS

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def row(**cells: str) -> str:
    values = (
        dict.fromkeys(COLUMNS, "")
        | {
            "claim": "North Korea has sent troops to Russia",
            "event_date": "2024-10-21",
            "date_precision": "day",
            "event": "attribution",
            "actor": "DPRK representative at the UN",
            "stance": "denies",
            "certainty": "definite",
            "quote": "groundless rumor",
            "quote_kind": "direct",
            "source_title": "Yonhap report",
            "review_state": "approved",
        }
        | cells
    )
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([values[name] for name in COLUMNS])
    return out.getvalue()


def counts() -> tuple[int, ...]:
    models: list[type[Model]] = [Actor, Source, Claim, Attribution, StatusChange]
    return tuple(model.objects.count() for model in models)


def test_dry_run_reports_every_bad_row_by_line_and_writes_nothing(demo: None) -> None:
    before = counts()
    data = (
        HEADER
        + "\r\n"
        + row(actor="Nobody Known")  # line 2
        + row(event_date="2024-02-30")  # line 3
        + row(stance="sort of")  # line 4
        + row(quote="new quote")  # line 5: fine
        + row(quote="new quote")  # line 6: duplicate of line 5
        + row(event="status_change", status="Maybe", rationale="R.")  # line 7
        + row(event="status_change", status="Disputed", rationale="")  # line 8
        + row(event_date="2024-10", date_precision="day")  # line 9
    ).encode("utf-8")

    report = importer.check(data)

    assert [str(p) for p in report.problems] == [
        "line 2: unknown actor 'Nobody Known' (add the actor first, or allow creating missing actors)",
        "line 3: bad date '2024-02-30': no such day",
        "line 4: bad stance 'sort of' (asserts, confirms, acknowledges, denies, disputes, qualifies, retracts, "
        "declines_to_comment)",
        "line 6: duplicate of an earlier row",
        "line 7: unknown status 'Maybe'",
        "line 8: rationale is empty: a status change needs one",
        "line 9: bad date '2024-10' for day precision",
    ]
    assert counts() == before
    assert importer.load(data, by=User.objects.get(username="editor")).ok is False
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            (HEADER + "\r\n").encode("utf-8") + row().encode("cp949").replace(b"groundless", "국가".encode("cp949")),
            "line 2: wrong encoding",
        ),
        ((HEADER + "\r\n" + row(quote="a\x00b")).encode("utf-8"), "line 2: NUL bytes are not allowed"),
        ((HEADER + "\r\n" + row() + '1,"unclosed,2024\r\n').encode("utf-8"), "line 3: broken quoting"),
        (b"claim,colour\r\nx,red\r\n", "line 1: the header does not match"),
        (b"", "line 1: the file is empty"),
        ((HEADER + "\r\n" + "1,2,3\r\n").encode("utf-8"), f"line 2: expected {len(COLUMNS)} cells, found 3"),
    ],
)
def test_broken_files_are_refused_with_a_line_and_a_reason(demo: None, data: bytes, reason: str) -> None:
    before = counts()
    report = importer.check(data)
    assert any(str(problem).startswith(reason) for problem in report.problems), report.problems
    assert counts() == before


def test_valid_file_imports_through_the_services(demo: None, editor: User, reviewer: User) -> None:
    data = (
        HEADER
        + "\r\n"
        + row(claim="A new claim", actor="John Kirby", stance="asserts", quote="'=not a formula", recorded_by="ed")
        + row(
            claim="A new claim",
            event="status_change",
            status="reported",
            rationale="Kirby said so.",
            event_date="2024-10",
            date_precision="month",
            recorded_by="ed",
        )
        + row(claim="A new claim", actor="NIS", stance="confirms", review_state="pending", quote="x", recorded_by="ed")
    ).encode("utf-8")

    # The importing reviewer approves, in their own name, the work of the users the rows name.
    report = importer.load(data, by=reviewer)

    assert report.ok, report.problems
    claim = Claim.objects.get(text="A new claim")
    assert claim.current_status.slug == "reported"
    kirby = claim.attributions.get(actor__name="John Kirby")
    assert (kirby.quote, kirby.review_state, kirby.created_by, kirby.reviewed_by) == (
        "=not a formula",
        ReviewState.APPROVED,
        editor,
        reviewer,
    )
    nis = claim.attributions.get(actor__short_name="NIS")  # found by alias
    assert (nis.review_state, nis.created_by) == (ReviewState.PENDING, editor)
    assert claim.history.get().history_user == reviewer
    assert "2 approved and 0 rejected by rita, 1 pending review." in report.summary()


def _story_goes_on() -> None:
    """Corrections, a rejected and a pending entry, a figure and its correction: what the round trip must carry."""
    import datetime
    from decimal import Decimal

    from claimtracker.claims import services

    editor, reviewer = User.objects.get(username="editor"), User.objects.get(username="reviewer")
    nis = Attribution.objects.get(figure=Decimal(10_000))
    fixed = services.correct_attribution(
        nis,
        by=editor,
        **{name: getattr(nis, name) for name in services.ATTRIBUTION_FIELDS} | {"figure_unit": "soldiers"},
    )
    services.approve(fixed, by=reviewer)
    change = StatusChange.objects.filter(review_state=ReviewState.APPROVED).order_by("pk").first()
    assert change is not None
    corrected = services.correct_status_change(
        change,
        status=change.status,
        effective_on=change.effective_on,
        effective_on_precision=change.effective_on_precision,
        rationale="Corrected: " + change.rationale,
        evidence=change.evidence.all(),
        by=editor,
    )
    services.approve(corrected, by=reviewer)
    base = {"actor": nis.actor, "source": nis.source, "stated_on": datetime.date(2024, 11, 1), "by": editor}
    services.reject(services.add_attribution(nis.claim, stance="denies", **base), by=reviewer, note="Misread.")
    services.add_attribution(nis.claim, stance="acknowledges", **base)


def test_round_trip_export_import_export_loses_nothing(demo: None, tmp_path: Path) -> None:
    """Export, import into an empty database, export again: the same file but for the
    recording columns (who recorded and reviewed, and when), and with the new
    database's ids, given consistently (the same claim or entry always gets the
    same new id, and evidence, corrections and links follow)."""
    from importlib import import_module

    from django.db import IntegrityError, connection, transaction

    from claimtracker.claims import services
    from claimtracker.claims.models import Evidence, Relation
    from claimtracker.exports.timeline import RECORDING_COLUMNS

    _story_goes_on()
    exported = b"".join(timeline_csv(Claim.objects.all(), include_pending=True))
    bodies = {source.title: source.body for source in Source.objects.all()}
    # Empty the database; the append-only (0003) and frozen-attribution (0013, 0016)
    # triggers must step aside for that.
    trigger_sets = [
        import_module(f"claimtracker.claims.migrations.{name}").STATEMENTS[connection.vendor]
        for name in ("0003_triggers", "0016_attribution_figures")
    ]
    with connection.cursor() as cursor:
        for _, drop in trigger_sets:
            for statement in drop:
                cursor.execute(statement)
    Relation.objects.all().delete()
    Evidence.objects.all().delete()
    StatusChange.objects.filter(corrects__isnull=False).delete()
    StatusChange.objects.all().delete()
    Attribution.objects.filter(corrects__isnull=False).delete()
    Attribution.objects.all().delete()
    Claim.objects.all().delete()
    Source.objects.all().delete()
    Actor.objects.update(parent=None)
    Actor.objects.all().delete()
    with connection.cursor() as cursor:
        for create, _ in trigger_sets:
            for statement in create:
                cursor.execute(statement)
    assert counts() == (0, 0, 0, 0, 0)

    path = tmp_path / "timelines.csv"
    path.write_bytes(exported)
    out = StringIO()
    # The demo's entries are the editor's work (recorded_by): the reviewer who imports approves them again.
    call_command("import_csv", str(path), "--user", "reviewer", "--create-missing", stdout=out)
    assert "Imported 26 rows: 6 new claim(s), 16 attribution(s), 10 status change(s)." in out.getvalue()
    assert "24 approved and 1 rejected by reviewer, 1 pending review." in out.getvalue()
    # The timeline CSV does not carry a source's text: give it back, and the quotes are found in it again.
    reviewer = User.objects.get(username="reviewer")
    for source in Source.objects.all():
        source.body = bodies[source.title]
        services.save_source(source, by=reviewer)

    again = b"".join(timeline_csv(Claim.objects.all(), include_pending=True))
    before, after = (list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))) for data in (exported, again))
    assert len(before) == len(after) == 26
    renamed: dict[str, str] = {}  # old id -> new id, claims and entries alike

    def same_id(old: str, new: str) -> None:
        assert renamed.setdefault(old, new) == new, f"{old} became both {renamed[old]} and {new}"

    for old, new in zip(before, after, strict=True):
        same_id(f"claim {old['claim_id']}", f"claim {new['claim_id']}")
        same_id(old["event_id"], new["event_id"])
    assert len(set(renamed.values())) == len(renamed), "two old ids became one"

    def mapped(row: dict[str, str]) -> dict[str, str]:
        return row | {
            "claim_id": "",
            "event_id": "",
            # Listed by id, and the new ids follow the file's order rather than the old ones'.
            "evidence": " ".join(sorted((renamed[i] for i in row["evidence"].split()), key=lambda i: int(i[1:]))),
            "corrects": renamed.get(row["corrects"], row["corrects"]),
            "relations": " ".join(
                f"{kind}:{renamed[f'claim {claim}'].split()[1]}"
                for kind, _, claim in (link.partition(":") for link in row["relations"].split())
            ),
        }

    def kept(row: dict[str, str]) -> dict[str, str]:
        return {name: value for name, value in row.items() if name not in RECORDING_COLUMNS}

    for line, (old, new) in enumerate(zip(before, after, strict=True), start=2):
        old, new = kept(mapped(old)), kept(new) | {"claim_id": "", "event_id": ""}
        assert old == new, (line, {name: (old[name], new[name]) for name in old if old[name] != new[name]})
    # What the comparison rests on is there to compare.
    assert any(r["corrects"] for r in after if r["event"] == "attribution")
    assert any(r["corrects"] for r in after if r["event"] == "status_change")
    assert any(r["evidence"] for r in after) and any(r["relations"] for r in after)
    assert any(r["figure"] for r in after) and {r["quote_check"] for r in after} >= {"found", ""}
    assert {r["review_state"] for r in after} == {"approved", "rejected", "pending"}
    # The triggers are back: imported, approved entries are frozen again.
    for table, model in (("claims_attribution", Attribution), ("claims_statuschange", StatusChange)):
        approved = model.objects.filter(review_state=ReviewState.APPROVED).first()
        assert approved is not None
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [approved.pk])


def test_import_command_dry_run_and_errors(demo: None, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\r\n" + row(quote="dry run quote"), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\r\n" + row(stance="nope"), encoding="utf-8")
    before = counts()

    out = StringIO()
    call_command("import_csv", str(good), "--dry-run", "--user", "editor", stdout=out)
    assert "Dry run, nothing imported: 1 rows" in out.getvalue()
    assert counts() == before

    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_csv", str(bad), "--user", "editor", stdout=StringIO(), stderr=err)
    assert "line 2: bad stance 'nope'" in err.getvalue()
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("import_csv", str(good), "--user", "ghost")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_csv", str(tmp_path / "missing.csv"), "--user", "editor")
    # Nobody approves in another's name: the option to name a reviewer is gone.
    with pytest.raises(CommandError, match="unrecognized arguments: --reviewer reviewer"):
        call_command("import_csv", str(good), "--user", "editor", "--reviewer", "reviewer")
    assert counts() == before


def test_admin_checks_then_imports_a_valid_file(demo: None, superuser: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.conftest import client_for

    client = client_for(superuser)
    url = reverse("admin:claims_claim_import_csv")
    assert "Import from CSV" in client.get(reverse("admin:claims_claim_changelist")).content.decode()
    bad = (HEADER + "\r\n" + row(stance="nope") + row(actor="Nobody")).encode("utf-8")

    response = client.post(url, {"file": SimpleUploadedFile("bad.csv", bad), "_check": "1"})
    html = response.content.decode()
    assert "line 2: bad stance" in html and "line 3: unknown actor" in html
    assert 'name="_import"' not in html

    before = counts()
    good = (HEADER + "\r\n" + row(quote="admin import quote", recorded_by="editor")).encode("utf-8")
    checked = client.post(url, {"file": SimpleUploadedFile("good.csv", good), "_check": "1"})
    html = checked.content.decode()
    assert "The file is valid." in html and "1 approved and 0 rejected by ada, 0 pending review." in html
    assert 'name="reviewer"' not in html
    assert counts() == before, "the dry run writes nothing"

    reviewer = User.objects.get(username="reviewer")
    # A form that names another reviewer (as the old one did) names nobody: the one who imports approves.
    done = client.post(url, {"upload": checked.context["upload"], "_import": "1", "reviewer": reviewer.pk})
    assert done.status_code == 302
    imported = Attribution.objects.get(quote="admin import quote")
    editor = User.objects.get(username="editor")
    assert (imported.created_by, imported.reviewed_by, imported.review_state) == (editor, superuser, "approved")


def test_admin_import_page_carries_the_checked_file_once(demo: None, superuser: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.conftest import client_for

    good = (HEADER + "\r\n" + row(quote="carried")).encode("utf-8")
    response = client_for(superuser).post(
        reverse("admin:claims_claim_import_csv"), {"file": SimpleUploadedFile("good.csv", good), "_check": "1"}
    )
    html = response.content.decode()
    assert html.count('name="upload"') == 1
    assert 'name="_import"' in html
