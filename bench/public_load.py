"""The public page under load (issue 14 part 3), for bench/load_test.sh.

python bench/public_load.py publish
    Publishes the busiest claim and an ordinary one (10 events), as
    bench-reviewer, and prints their public paths: the ordinary first.
python bench/public_load.py writes BASE_URL PATH SECONDS
    For SECONDS, once a second, changes what the public page at PATH shows (the
    claim's text gains " [n]", through services.update_claim, committed), then
    reads the page over HTTP, as the writer, and counts it stale when the text
    it just wrote is missing. Restores the text at the end. Prints
    "writes N stale S"; exits 1 when a page was stale.
"""

import os
import sys
import time
import urllib.request
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db.models import Count  # noqa: E402

from claimtracker.claims import services  # noqa: E402
from claimtracker.claims.models import Attribution, Claim  # noqa: E402


def busiest() -> Claim:
    pk = (
        Attribution.objects.values("claim_id").annotate(n=Count("pk")).order_by("-n").values_list("claim_id", flat=True)
    )[0]
    return Claim.objects.get(pk=pk)


def publish() -> None:
    reviewer, _ = User.objects.get_or_create(username="bench-reviewer")
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    ordinary = Claim.objects.filter(current_status__isnull=False).order_by("pk").first()
    claims = [ordinary, busiest()]
    for claim in claims:
        if claim is None or claim.current_status_id is None:
            raise SystemExit("no claim with a status to publish")
        services.publish(claim, by=reviewer)
    print(" ".join(claim.get_public_url() for claim in claims if claim is not None))


def writes(base: str, path: str, seconds: float) -> None:
    editor, _ = User.objects.get_or_create(username="bench-editor")
    editor.groups.add(Group.objects.get(name="Editor"))
    claim = busiest()
    original, done, stale = claim.text, 0, 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            started = time.monotonic()
            done += 1
            text = f"{original} [{done}]"
            claim = services.update_claim(claim, by=editor, expected_version=claim.version, text=text)
            # Committed: every page read from here on must show it.
            with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310 - the bench's own server
                page = unescape(response.read().decode())
            if f"<h1>{text}</h1>" not in page:
                stale += 1
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    finally:
        claim.refresh_from_db()
        services.update_claim(claim, by=editor, expected_version=claim.version, text=original)
    print(f"writes {done} stale {stale}")
    if stale:
        raise SystemExit(1)


if sys.argv[1:2] == ["publish"]:
    publish()
elif sys.argv[1:2] == ["writes"] and len(sys.argv) == 5:
    writes(sys.argv[2], sys.argv[3], float(sys.argv[4]))
else:
    raise SystemExit(__doc__)
