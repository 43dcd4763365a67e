"""The CSV import gives approval only in the importing user's own name (DESIGN
8.2): rows load as pending unless the importing user may review; a reviewer's
import approves or rejects the rows so marked as the work of the user each
row's recorded_by names, never as their own work."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from claimtracker.claims.models import Attribution, ReviewState, StatusChange
from claimtracker.exports import importer
from tests.test_import import HEADER, row

pytestmark = pytest.mark.django_db


def mixed_file() -> bytes:
    """Rows marked approved, rejected and pending, recorded by the editor (ed),
    the reviewer (rita), a user who does not exist, and nobody."""
    return (
        HEADER
        + "\r\n"
        + row(claim="Shells were shipped", quote="ed approved", recorded_by="ed")
        + row(claim="Shells were shipped", quote="ed rejected", recorded_by="ed", review_state="rejected")
        + row(claim="Shells were shipped", quote="ed pending", recorded_by="ed", review_state="pending")
        + row(
            claim="Shells were shipped",
            event="status_change",
            status="reported",
            rationale="Ed's rationale.",
            recorded_by="ed",
        )
        + row(claim="Shells were shipped", quote="rita approved", recorded_by="rita")
        + row(claim="Shells were shipped", quote="ghost approved", recorded_by="ghost")
        + row(claim="Shells were shipped", quote="nobody rejected", recorded_by="", review_state="rejected")
    ).encode("utf-8")


def entries() -> dict[str, Attribution]:
    return {a.quote: a for a in Attribution.objects.filter(claim__text="Shells were shipped")}


def test_reviewer_approves_in_own_name_the_work_recorded_by_others(demo: None, editor: User, reviewer: User) -> None:
    report = importer.load(mixed_file(), by=reviewer)

    assert report.ok, report.problems
    loaded = entries()
    approved, rejected, pending = loaded["ed approved"], loaded["ed rejected"], loaded["ed pending"]
    assert (approved.created_by, approved.review_state, approved.reviewed_by, approved.review_note) == (
        editor,
        ReviewState.APPROVED,
        reviewer,
        "Imported.",
    )
    assert (rejected.created_by, rejected.review_state, rejected.reviewed_by, rejected.review_note) == (
        editor,
        ReviewState.REJECTED,
        reviewer,
        "Imported as rejected.",
    )
    assert (pending.created_by, pending.review_state, pending.reviewed_by) == (editor, ReviewState.PENDING, None)
    change = StatusChange.objects.get(claim__text="Shells were shipped")
    assert (change.recorded_by, change.review_state, change.reviewed_by) == (editor, ReviewState.APPROVED, reviewer)
    assert change.claim.current_status is not None and change.claim.current_status.slug == "reported"


def test_reviewer_leaves_their_own_rows_and_authorless_rows_pending(demo: None, editor: User, reviewer: User) -> None:
    report = importer.load(mixed_file(), by=reviewer)

    loaded = entries()
    for quote in ("rita approved", "ghost approved", "nobody rejected"):
        assert (loaded[quote].created_by, loaded[quote].review_state) == (reviewer, ReviewState.PENDING), quote
        assert loaded[quote].reviewed_by is None
    # The report says how many stayed pending, and why.
    summary = report.summary()
    assert "7 rows: 1 new claim(s), 6 attribution(s), 1 status change(s)." in summary
    assert "2 approved and 1 rejected by rita, 4 pending review." in summary
    assert "1 row(s) marked approved or rejected stay pending: their recorded_by is rita" in summary
    assert (
        "2 row(s) marked approved or rejected stay pending: their recorded_by names no existing user, "
        "so rita is their author, and nobody reviews their own work." in summary
    )


def test_editor_import_loads_every_row_pending_as_their_own_work(demo: None, editor: User, reviewer: User) -> None:
    report = importer.load(mixed_file(), by=editor)

    assert report.ok, report.problems
    loaded = list(entries().values())
    assert len(loaded) == 6
    assert {(a.created_by, a.review_state, a.reviewed_by) for a in loaded} == {(editor, ReviewState.PENDING, None)}
    change = StatusChange.objects.get(claim__text="Shells were shipped")
    assert (change.recorded_by, change.review_state) == (editor, ReviewState.PENDING)
    assert change.claim.current_status is None
    assert "0 approved and 0 rejected by ed, 7 pending review." in report.summary()
    assert "6 row(s) marked approved or rejected stay pending: ed may not review." in report.summary()


def imported_rows(table: str, author: str, before: set[int]) -> list[tuple[int, str, int | None, int]]:
    """id, review_state, reviewed_by_id and author of the rows not in ``before``, read with raw SQL."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, review_state, reviewed_by_id, {author} FROM {table}")
        return [r for r in cursor.fetchall() if r[0] not in before]


@pytest.mark.parametrize("importer_name", ["ed", "rita", "admin"])
def test_no_imported_row_is_reviewed_by_anyone_but_the_importer(
    demo: None, editor: User, reviewer: User, other_reviewer: User, importer_name: str
) -> None:
    by = User.objects.get(username=importer_name)
    # A row naming another reviewer (rob) as its author: his work, not his review.
    data = mixed_file() + row(claim="Shells were shipped", quote="rob's", recorded_by="rob").encode()
    tables = (("claims_attribution", "created_by_id"), ("claims_statuschange", "recorded_by_id"))
    before = {table: {r[0] for r in imported_rows(table, author, set())} for table, author in tables}

    assert importer.load(data, by=by).ok

    for table, author in tables:
        imported = imported_rows(table, author, before[table])
        assert imported, table
        assert all(reviewed_by in (None, by.pk) for _, _, reviewed_by, _ in imported), imported
        assert all(reviewed_by != author_id for _, _, reviewed_by, author_id in imported), imported
        assert all(
            (state in ("approved", "rejected")) == (reviewed_by is not None) for _, state, reviewed_by, _ in imported
        )


def test_withdrawn_rows_are_refused(demo: None, reviewer: User) -> None:
    data = (HEADER + "\r\n" + row(review_state="withdrawn", quote="taken back", recorded_by="editor")).encode()
    report = importer.load(data, by=reviewer)
    assert [str(p) for p in report.problems] == ["line 2: bad review_state 'withdrawn' (approved, pending or rejected)"]
    assert not Attribution.objects.filter(quote="taken back").exists()


def test_command_approves_in_the_importing_users_name_only(
    demo: None, editor: User, reviewer: User, tmp_path: Path
) -> None:
    path = tmp_path / "timeline.csv"
    path.write_bytes(mixed_file())

    out = StringIO()
    call_command("import_csv", str(path), "--user", "ed", "--dry-run", stdout=out)
    assert "Dry run, nothing imported: 7 rows" in out.getvalue()
    assert "6 row(s) marked approved or rejected stay pending: ed may not review." in out.getvalue()
    assert not entries()

    out = StringIO()
    call_command("import_csv", str(path), "--user", "rita", stdout=out)
    assert "2 approved and 1 rejected by rita, 4 pending review." in out.getvalue()
    assert {a.reviewed_by for a in entries().values()} == {None, reviewer}


def test_command_line_reviewer_option_is_refused_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "timeline.csv"
    path.write_bytes(mixed_file())
    finished = subprocess.run(
        [sys.executable, "manage.py", "import_csv", str(path), "--user", "ed", "--reviewer", "rita"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 2
    assert "unrecognized arguments: --reviewer rita" in finished.stderr
    assert "Traceback" not in finished.stderr
