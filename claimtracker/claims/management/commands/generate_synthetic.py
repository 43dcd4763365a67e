"""`manage.py generate_synthetic`: a large, realistic dataset for benchmarks.

Rows go in with bulk inserts, a batch of claims at a time, so memory stays flat:
100,000 claims with 10 events each take minutes, not hours. Every row obeys the
same constraints as data entered through the app (approved by someone other
than its author, dates fitting their precision, current status matching the
latest status change), but the services are bypassed for speed, so no history
rows are written. Never run it on a live database.
"""

import datetime
import random
import time
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from claimtracker.claims import pagecache
from claimtracker.claims.models import (
    Actor,
    ActorKind,
    Attribution,
    Certainty,
    Claim,
    QuoteKind,
    ReviewState,
    Source,
    SourceKind,
    Stance,
    Status,
    StatusChange,
)
from claimtracker.lib.dates import Precision, truncate

WORDS = {
    "en": [
        "troops",
        "missile",
        "border",
        "talks",
        "sanctions",
        "ship",
        "envoy",
        "deployment",
        "ceasefire",
        "drill",
        "satellite",
        "summit",
    ],
    "ko": ["군대", "미사일", "국경", "회담", "제재", "선박", "특사", "파병", "휴전", "훈련", "위성", "정상회담"],
    "ja": ["部隊", "ミサイル", "国境", "会談", "制裁", "船舶", "特使", "派遣", "停戦", "演習", "衛星", "首脳会談"],
    "ru": ["войска", "ракета", "граница", "переговоры", "санкции", "судно", "посланник", "развертывание"],
}
ACTOR_KINDS = [k for k in ActorKind.values if k != ActorKind.MEDIA_OUTLET]
BATCH_CLAIMS = 1000


def _sentence(rng: random.Random, words: int) -> str:
    language = rng.choice(list(WORDS))
    return " ".join(rng.choice(WORDS[language]) for _ in range(words))


class Command(BaseCommand):
    help = "Generate synthetic actors, sources, claims and timeline events for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=int, default=1000, help="How many claims (default 1000).")
        parser.add_argument("--events-per-claim", type=int, default=10, help="Timeline events per claim (default 10).")
        parser.add_argument("--actors", type=int, default=None, help="Default: claims / 20, from 50 to 5,000.")
        parser.add_argument("--sources", type=int, default=None, help="Default: claims / 2, from 20 to 50,000.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for repeatable datasets.")
        parser.add_argument(
            "--hot-claims", type=int, default=0, help="Extra claims with --hot-events events each (a long story)."
        )
        parser.add_argument("--hot-events", type=int, default=5000, help="Events of each hot claim (default 5,000).")
        parser.add_argument(
            "--hot-actor-stances",
            type=int,
            default=0,
            help="Give one actor this many of the generated stances (an agency quoted everywhere).",
        )

        parser.add_argument(
            "--pending",
            type=int,
            default=0,
            help="Also leave this many attributions and status changes in review (half each), on random claims.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        claims, per_claim = options["claims"], options["events_per_claim"]
        if claims < 1 or per_claim < 1:
            raise CommandError("--claims and --events-per-claim must be at least 1.")
        rng = random.Random(options["seed"])
        started = time.monotonic()
        author, reviewer = self._users()
        actors = self._actors(rng, options["actors"] or min(max(claims // 20, 50), 5000))
        sources = self._sources(rng, options["sources"] or min(max(claims // 2, 20), 50_000))
        statuses = list(Status.objects.all())
        events = 0
        for start in range(0, claims, BATCH_CLAIMS):
            events += self._batch(
                rng, min(BATCH_CLAIMS, claims - start), per_claim, actors, sources, statuses, author, reviewer
            )
            self.stdout.write(f"  {start + min(BATCH_CLAIMS, claims - start):,} claims, {events:,} events")
        for _ in range(options["hot_claims"]):
            events += self._batch(rng, 1, options["hot_events"], actors, sources, statuses, author, reviewer)
        if options["hot_actor_stances"]:
            hot = actors[0]
            chosen = Attribution.objects.filter(claim__created_by=author).order_by("?").values("pk")
            Attribution.objects.filter(pk__in=chosen[: options["hot_actor_stances"]]).update(actor=hot)
            self.stdout.write(f"  actor #{hot.pk} now has {hot.attributions.count():,} stances")
        if options["pending"]:
            self._pending(rng, options["pending"], actors, sources, statuses, author)
            self.stdout.write(f"  {options['pending']:,} items waiting for review")
        claims += options["hot_claims"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {claims:,} claims and {events:,} events in {time.monotonic() - started:.1f} s."
            )
        )

    def _users(self) -> tuple[User, User]:
        author, _ = User.objects.get_or_create(username="synthetic-editor")
        reviewer, _ = User.objects.get_or_create(username="synthetic-reviewer")
        return author, reviewer

    def _actors(self, rng: random.Random, count: int) -> list[Actor]:
        first = Actor.objects.count()
        Actor.objects.bulk_create(
            [
                Actor(name=f"Synthetic actor {first + i} {_sentence(rng, 2)}", kind=rng.choice(ACTOR_KINDS))
                for i in range(count)
            ],
            batch_size=5000,
        )
        return list(Actor.objects.filter(name__startswith="Synthetic actor").only("pk"))

    def _sources(self, rng: random.Random, count: int) -> list[Source]:
        first = Source.objects.count()
        publisher = Actor.objects.create(
            name=f"Synthetic wire service {first}", kind=ActorKind.MEDIA_OUTLET, short_name="SWS"
        )
        base = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        Source.objects.bulk_create(
            [
                Source(
                    title=f"Report {first + i}: {_sentence(rng, 6)}",
                    url=f"https://synthetic.example.org/{first + i}",
                    publisher=publisher,
                    published_at=base + datetime.timedelta(hours=rng.randrange(5 * 365 * 24)),
                    kind=rng.choice(SourceKind.values),
                    language=rng.choice(list(WORDS)),
                )
                for i in range(count)
            ],
            batch_size=5000,
        )
        return list(Source.objects.filter(url__startswith="https://synthetic.example.org/").only("pk"))

    @transaction.atomic
    def _pending(
        self,
        rng: random.Random,
        count: int,
        actors: list[Actor],
        sources: list[Source],
        statuses: list[Status],
        author: User,
    ) -> None:
        claim_ids = list(Claim.objects.filter(created_by=author).order_by("?").values_list("pk", flat=True)[:count])
        day = datetime.date(2024, 6, 1)
        attributions = [
            Attribution(
                claim_id=rng.choice(claim_ids),
                actor=rng.choice(actors),
                source=rng.choice(sources),
                stance=rng.choice(Stance.values),
                quote=_sentence(rng, 12),
                stated_on=day,
                created_by=author,
            )
            for _ in range(count - count // 2)
        ]
        changes = [
            StatusChange(
                claim_id=rng.choice(claim_ids),
                status=rng.choice(statuses),
                effective_on=day,
                rationale=_sentence(rng, 8),
                recorded_by=author,
            )
            for _ in range(count // 2)
        ]
        Attribution.objects.bulk_create(attributions)
        StatusChange.objects.bulk_create(changes)

    @transaction.atomic
    def _batch(
        self,
        rng: random.Random,
        count: int,
        per_claim: int,
        actors: list[Actor],
        sources: list[Source],
        statuses: list[Status],
        author: User,
        reviewer: User,
    ) -> int:
        now = timezone.now()
        plans = []
        for _ in range(count):
            changes = max(1, per_claim // 4)
            start = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(4 * 365))
            dated = []
            for n in range(per_claim):
                precision = rng.choices(Precision.values, weights=[8, 3, 1])[0]
                day = truncate(start + datetime.timedelta(days=rng.randrange(365)), precision)
                dated.append((day, precision, "change" if n < changes else "attribution"))
            # The entry refresh_current_status would pick: latest date, then the last inserted.
            _, latest = max(((i, d) for i, d in enumerate(dated) if d[2] == "change"), key=lambda p: (p[1][0], p[0]))
            status = rng.choice(statuses)
            plans.append((dated, latest, status))
        claims = Claim.objects.bulk_create(
            [
                Claim(
                    text=_sentence(rng, rng.randrange(6, 16)),
                    created_by=author,
                    current_status=status,
                    status_since=latest[0],
                    status_since_precision=latest[1],
                )
                for dated, latest, status in plans
            ]
        )
        attributions, changes_rows = [], []
        for claim, (dated, latest, status) in zip(claims, plans, strict=True):
            for day, precision, kind in dated:
                if kind == "change":
                    changes_rows.append(
                        StatusChange(
                            claim=claim,
                            status=status if (day, precision) == latest[:2] else rng.choice(statuses),
                            effective_on=day,
                            effective_on_precision=precision,
                            rationale=_sentence(rng, 8),
                            recorded_by=author,
                            review_state=ReviewState.APPROVED,
                            reviewed_by=reviewer,
                            reviewed_at=now,
                        )
                    )
                else:
                    attributions.append(
                        Attribution(
                            claim=claim,
                            actor=rng.choice(actors),
                            source=rng.choice(sources),
                            stance=rng.choice(Stance.values),
                            certainty=rng.choice(Certainty.values),
                            quote=_sentence(rng, rng.randrange(5, 25)),
                            quote_kind=rng.choice(QuoteKind.values),
                            stated_on=day,
                            stated_on_precision=precision,
                            created_by=author,
                            review_state=ReviewState.APPROVED,
                            reviewed_by=reviewer,
                            reviewed_at=now,
                        )
                    )
        _insert(Attribution, attributions)
        _insert(StatusChange, changes_rows)
        return len(attributions) + len(changes_rows)


def _insert(model: type[Attribution] | type[StatusChange], objects: list[Any]) -> None:
    """Bulk insert; on PostgreSQL through COPY FROM STDIN, several times faster than
    INSERT for these row counts. Columns the database fills (db_default) are left out."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=5000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.db_default is NOT_PROVIDED]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            copy.write_row([getattr(obj, f.attname) for f in fields])
    pagecache.changed()  # COPY passes by the SQL wrapper that sees other writes
