"""Helpers for the writes bench/load_test.sh mixes into its page mix.

python bench/load_writes.py target     # prints: CLAIM_PATH SOURCE_ID ACTOR_NAME
python bench/load_writes.py claims N FILE  # writes the paths of N ordinary claims to FILE,
                                          # one a line (the spread mix reads and writes them)
python bench/load_writes.py count RUN  # prints how many attributions run RUN stored,
                                       # and how many of them twice
python bench/load_writes.py forget RUN  # deletes them, and their history
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtracker.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402

from claimtracker.claims.models import Actor, Attribution, Source  # noqa: E402

if sys.argv[1:2] == ["target"]:
    # The busiest claim: its page is in the mix, so every write changes a page being read.
    busiest = (
        Attribution.objects.values("claim_id").annotate(n=Count("pk")).order_by("-n").values_list("claim_id", flat=True)
    )[0]
    actor = Actor.objects.order_by("pk").values_list("name", flat=True)[0]
    source = Source.objects.order_by("pk").values_list("pk", flat=True)[0]
    print(f"/claims/{busiest}/ {source} {actor}")
elif sys.argv[1:2] == ["claims"] and len(sys.argv) == 4:
    # Claims of the synthetic data with a usual story (10 events), spread over the ids.
    ordinary = Attribution.objects.values("claim_id").annotate(n=Count("pk")).filter(n__lte=20)
    ids = list(ordinary.order_by("claim_id").values_list("claim_id", flat=True)[:100_000])
    step = max(1, len(ids) // int(sys.argv[2]))
    Path(sys.argv[3]).write_text("".join(f"/claims/{pk}/\n" for pk in ids[::step][: int(sys.argv[2])]))
elif sys.argv[1:2] == ["count"] and len(sys.argv) == 3:
    stored = Attribution.objects.filter(quote__startswith=f"load {sys.argv[2]} ")
    twice = stored.values("quote").annotate(n=Count("pk")).filter(n__gt=1).count()
    print(stored.count(), twice)
elif sys.argv[1:2] == ["forget"] and len(sys.argv) == 3:
    deleted, _ = Attribution.objects.filter(quote__startswith=f"load {sys.argv[2]} ").delete()
    # And their history (the claims' histories of edits would grow with every run).
    Attribution.history.filter(quote__startswith=f"load {sys.argv[2]} ").delete()
    print(deleted)
else:
    raise SystemExit(__doc__)
