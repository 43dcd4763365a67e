"""The XLSX export read by a real spreadsheet (issue 14 part 7): LibreOffice Calc
converts the workbook to CSV headless, and Korean, long text, dates at their
precision and a formula-looking cell come through unchanged.

Skipped where `soffice` is missing (outside CI; `.ci/run` installs LibreOffice
Calc from Debian's packages, and in CI a missing `soffice` fails)."""

import csv
import datetime
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claimtracker.claims import services
from claimtracker.claims.models import Actor, Source, Status
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# CSV as LibreOffice writes it: comma, double quote, UTF-8 (76), cells as shown.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false"


@pytest.fixture
def soffice() -> str:
    if SOFFICE is None:
        message = "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SOFFICE


def converted(soffice: str, workbook: bytes, folder: Path) -> list[dict[str, str]]:
    source = folder / "timeline.xlsx"
    source.write_bytes(workbook)
    profile = folder / "profile"  # a profile of its own: no lock shared with another run
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = (folder / "timeline.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_libreoffice_reads_the_workbook_as_written(
    soffice: str, demo: None, editor: User, reviewer: User, viewer: User, tmp_path: Path
) -> None:
    long_quote = ("북한군 1만여 명이 러시아로 파병됐다는 보도가 이어졌다. " * 60).strip()
    claim = services.create_claim(text="=1+1", by=editor)
    month = services.add_attribution(
        claim,
        actor=Actor.objects.get(short_name="NIS"),
        source=Source.objects.get(),
        stance="asserts",
        quote=long_quote,
        quote_kind="paraphrase",
        stated_on=datetime.date(2024, 10, 1),
        stated_on_precision="month",
        by=editor,
    )
    services.approve(month, by=reviewer)
    change = services.propose_status_change(
        claim,
        status=Status.objects.get(slug="reported"),
        effective_on=datetime.date(2024, 10, 28),
        rationale="+cmd and @SUM(A1) stay text",
        by=editor,
    )
    services.approve(change, by=reviewer)

    response = client_for(viewer).get(reverse("exports:timeline_xlsx", args=[claim.pk]))
    rows = converted(soffice, b"".join(response.streaming_content), tmp_path)

    assert [row["event"] for row in rows] == ["attribution", "status_change"]
    assert {row["claim"] for row in rows} == {"=1+1"}, "a formula-looking cell stays text, no guard"
    assert rows[0]["quote"] == long_quote, "Korean and long text intact"
    assert len(rows[0]["quote"]) > 1500
    assert [row["event_date"] for row in rows] == ["2024-10", "2024-10-28"], "dates at their precision"
    assert rows[1]["rationale"] == "+cmd and @SUM(A1) stay text"
    assert rows[0]["claim_id"] == str(claim.pk)
    recorded = datetime.datetime.strptime(rows[0]["recorded_at"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.UTC)
    assert abs(recorded - month.created_at) < datetime.timedelta(seconds=1), "a date-time, in UTC"
