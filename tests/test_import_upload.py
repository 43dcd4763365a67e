"""The admin's CSV import of a larger file: the file is sent once, kept on the
server between the dry run and the import under a one-time token that only its
uploader can use, and a file with many bad rows shows the first 200 and the count."""

import os
import re
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from claimtracker.claims.models import Attribution, Claim
from claimtracker.exports import importer, uploads
from tests.conftest import client_for
from tests.test_import import HEADER, counts, row

pytestmark = pytest.mark.django_db

URL = "admin:claims_claim_import_csv"


@pytest.fixture
def kept_dir(tmp_path: Path, settings: Any) -> Path:
    """The import's storage in a folder of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {**settings.STORAGES["imports"], "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def rows(count: int, **cells: str) -> bytes:
    """A file of ``count`` rows, each a quote of its own on one of ten new claims."""
    body = "".join(row(claim=f"Imported claim {n % 10}", quote=f"imported quote {n}", **cells) for n in range(count))
    return (HEADER + "\r\n" + body).encode()


def dry_run(client: Any, content: bytes, name: str = "rows.csv") -> Any:
    return client.post(reverse(URL), {"file": SimpleUploadedFile(name, content), "_check": "1"})


def test_the_import_click_sends_a_token_not_the_file_again(
    demo: None, superuser: User, kept_dir: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The confirming click used to post the whole file back in a hidden field, and a file
    # larger than the request limit answered 400 (a 3 MB file with Django's 2.5 MB).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    content = rows(150, recorded_by="editor")  # approved by the importer, as the editor's work
    assert len(content) > 2 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client = client_for(superuser)

    checked = dry_run(client, content)
    html = checked.content.decode()
    assert "The file is valid." in html and "150 rows" in html
    token = checked.context["upload"]
    assert re.findall(r'<input type="hidden" name="upload" value="([^"]+)"', html) == [str(token)]
    assert len(html) < len(content), "the page does not carry the file"
    assert [path.stat().st_size for path in kept_dir.rglob("*.csv")] == [len(content)]

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse(URL), {"upload": token, "_import": "Import"})

    assert done.status_code == 302
    assert Attribution.objects.filter(quote__startswith="imported quote ").count() == 150
    assert Claim.objects.filter(text__startswith="Imported claim ").count() == 10
    # Each claim's search document is rebuilt once, at the end, with all its quotes.
    assert "imported quote 140" in Claim.objects.get(text="Imported claim 0").search_quotes
    assert not list(kept_dir.rglob("*.csv")), "an imported file is not kept"


def test_a_kept_file_is_its_uploaders_only(demo: None, superuser: User, kept_dir: Path) -> None:
    token = dry_run(client_for(superuser), rows(3)).context["upload"]
    other = User.objects.create_superuser("other-admin", "other@example.org", "x")
    before = counts()

    answer = client_for(other).post(reverse(URL), {"upload": token, "_import": "Import"})

    assert answer.status_code == 200
    assert "This file was already imported, or it expired: choose it again." in answer.content.decode()
    assert counts() == before
    assert len(list(kept_dir.rglob("*.csv"))) == 1, "the uploader's file is still there"


@pytest.mark.parametrize("token", ["not-a-token", "../../etc/passwd", "00000000-0000-0000-0000-000000000000"])
def test_a_bad_or_unknown_token_is_a_clear_error(demo: None, superuser: User, kept_dir: Path, token: str) -> None:
    answer = client_for(superuser).post(reverse(URL), {"upload": token, "_import": "Import"})
    assert answer.status_code == 200
    assert 'class="errorlist' in answer.content.decode()


def test_many_bad_rows_show_the_first_200_and_the_count(demo: None, superuser: User, kept_dir: Path) -> None:
    before = counts()
    content = rows(1000, stance="sort of")

    page = dry_run(client_for(superuser), content)

    html = page.content.decode()
    assert "1000 problem(s); nothing was imported." in html
    listed = re.findall(r"<li>line (\d+): bad stance", html)
    assert listed == [str(line) for line in range(2, 202)], "the first 200, in the order of the file"
    assert "… and 800 more problems." in html
    assert 'name="_import"' not in html and not list(kept_dir.rglob("*.csv"))
    assert counts() == before


def test_the_command_lists_the_first_200_problems_and_counts_the_rest(demo: None, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(rows(250, stance="sort of"))
    err = StringIO()
    with pytest.raises(CommandError, match="250 problem"):
        call_command("import_csv", str(path), "--user", "reviewer", "--dry-run", stderr=err, stdout=StringIO())
    lines = err.getvalue().splitlines()
    assert len(lines) == 201 and lines[-1].startswith("... and 50 more")


def test_files_never_imported_are_removed_after_a_day(demo: None, superuser: User, kept_dir: Path) -> None:
    dry_run(client_for(superuser), rows(2))
    [old] = kept_dir.rglob("*.csv")
    a_day_ago = time.time() - 25 * 3600
    os.utime(old, (a_day_ago, a_day_ago))

    dry_run(client_for(superuser), rows(3))  # any later upload sweeps

    assert old not in list(kept_dir.rglob("*.csv")) and len(list(kept_dir.rglob("*.csv"))) == 1


def test_a_file_with_carriage_returns_only_reads_line_by_line(demo: None) -> None:
    content = rows(3).replace(b"\r\n", b"\r")
    report = importer.check(content)
    assert report.ok, report.problems
    assert report.rows == 3
    bad = rows(3, stance="nope").replace(b"\r\n", b"\r")
    assert [problem.line for problem in importer.check(bad).problems] == [2, 3, 4]


def test_a_quote_spanning_lines_keeps_its_line_breaks(demo: None, superuser: User) -> None:
    content = (HEADER + "\r\n" + row(quote="first line\r\nsecond line", claim="A claim in two lines")).encode()
    assert importer.load(content, by=superuser).ok
    assert Attribution.objects.get(claim__text="A claim in two lines").quote == "first line\r\nsecond line"


def test_keep_and_open_round_trip(superuser: User, kept_dir: Path) -> None:
    from io import BytesIO

    token = uploads.keep(BytesIO(b"a,b\r\n"), superuser)
    with uploads.kept(token, superuser) as file:  # type: ignore[union-attr]
        assert file.read() == b"a,b\r\n"
    uploads.discard(token, superuser)
    assert uploads.kept(token, superuser) is None


def test_a_file_longer_than_one_click_imports_is_sent_to_the_command(
    demo: None, superuser: User, kept_dir: Path, settings: Any
) -> None:
    settings.IMPORT_ADMIN_MAX_ROWS = 5
    html = dry_run(client_for(superuser), rows(6)).content.decode()
    assert "The file is valid." in html and "6 rows" in html
    assert "the admin imports up to 5 rows at a time" in html and "manage.py import_csv FILE --user ada" in html
    assert 'name="_import"' not in html and not list(kept_dir.rglob("*.csv"))
    assert 'name="_import"' in dry_run(client_for(superuser), rows(5)).content.decode()
