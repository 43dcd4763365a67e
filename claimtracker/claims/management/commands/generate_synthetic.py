"""`manage.py generate_synthetic`: a large, realistic dataset for benchmarks.

Rows go in with bulk inserts, a batch of claims at a time, so memory stays flat:
100,000 claims with 10 events each take minutes, not hours. Every row obeys the
same constraints as data entered through the app (approved by someone other
than its author, dates fitting their precision, current status matching the
latest status change), but the services are bypassed for speed, so no history
rows are written. Never run it on a live database.

Two more shapes, each optional: ``--workbench-quotes`` makes one source with a
long body (``--workbench-body-kb``, paragraphs in English with some Korean)
and that many attributions quoting passages of it, located as the app's quote
check locates them; ``--mine-entries`` gives one editor, ``bench-editor``, that
many entries of their own in every review state (the /mine/ page).
"""

import datetime
import random
import time
from importlib import import_module
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone

from claimtracker.accounts.roles import EDITOR
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
from claimtracker.lib.quotes import locate

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

# The workbench source: found again by this URL (bench/benchmark.py), one per run.
WORKBENCH_URL = "https://bench.example.org/workbench/"
WORKBENCH_CLAIMS = 12  # the claims its quotes are spread over
WORKBENCH_ACTORS = 40  # and the actors quoted
# The editor whose own entries fill /mine/, and how those entries stand, in shares.
MINE_USERNAME = "bench-editor"
MINE_STATES = [
    (ReviewState.PENDING, 0.35),
    (ReviewState.APPROVED, 0.35),
    (ReviewState.REJECTED, 0.20),
    (ReviewState.WITHDRAWN, 0.10),
]
MINE_CLAIMS = 2000  # the claims those entries are spread over
MINE_UNTIL = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)  # they were recorded in the year before

# Text of a long source: a briefing transcript with wire copy, in English with Korean paragraphs.
PLACES = ["Pyongyang", "Kaesong", "Panmunjom", "the Yellow Sea", "Wonsan", "Sinuiju", "Gangwon province", "Busan"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
SUBJECTS = [
    "The defence ministry",
    "A senior military official",
    "The foreign ministry spokesperson",
    "The joint chiefs of staff",
    "The unification minister",
    "A government source",
    "The coast guard",
    "Diplomats close to the talks",
    "The presidential office",
    "An opposition lawmaker",
    "The navy",
    "Intelligence officials",
]
VERBS = ["said", "told reporters", "confirmed", "denied", "insisted", "warned", "acknowledged", "added", "repeated"]
REPORTED = [
    "that {n} troops had moved to within {k} kilometres of the border",
    "that a missile was fired from near {place} at {hour}:{minute:02d} local time",
    "that the talks in {place} would resume on {weekday}",
    "that no ship had crossed the maritime line since {month}",
    "that new sanctions would take effect on {day} {month}",
    "that the drill involved {n} aircraft and {k} ships",
    "that the satellite launch from {place} had failed after {k} minutes",
    "that the ceasefire was holding along the {k}-kilometre front",
    "that the envoy would travel to {place} in {month}",
    "that the summit had been postponed until {month} at the earliest",
    "that {n} workers had been sent abroad in breach of the sanctions",
    "that the deployment near {place} was purely defensive",
]
SPOKEN = [
    "We will respond firmly to any provocation near {place}",
    "The door to dialogue remains open, and we expect an answer by {weekday}",
    "There has been no change in our position since {month}",
    "We have seen no evidence of a launch from {place}",
    "The drills will go ahead as planned, with {n} troops taking part",
    "Nobody has asked us to send {k} more ships",
    "These reports are simply false",
]
CONTEXT = [
    "The briefing began at {hour}:{minute:02d} and lasted {k} minutes.",
    "Reporters pressed for details of the reports from {place}.",
    "The remarks came {k} days after the last round of talks in {place}.",
    "The claim could not be verified independently.",
    "Officials declined to say how many of the {n} soldiers had returned.",
]
PLACES_KO = ["평양", "개성", "판문점", "서해", "원산", "신의주", "강원도", "부산"]
SUBJECTS_KO = [
    "국방부는",
    "합동참모본부는",
    "외교부 대변인은",
    "통일부는",
    "정부 소식통은",
    "군 관계자는",
    "대통령실은",
]
REPORTED_KO = [
    "{n}명의 병력이 국경에서 {k}킬로미터 떨어진 곳까지 이동했다고",
    "{place} 인근에서 미사일이 발사됐다고",
    "회담이 다음 주 {place}에서 재개될 것이라고",
    "제재가 {m}월 {day}일부터 강화될 것이라고",
    "훈련에 항공기 {n}대와 함정 {k}척이 참가했다고",
    "정찰위성 발사가 {k}분 만에 실패했다고",
    "특사가 {m}월 중 {place} 방문을 추진하고 있다고",
    "휴전이 {k}킬로미터 전선에서 유지되고 있다고",
]
VERBS_KO = ["밝혔다.", "말했다.", "전했다.", "확인했다.", "부인했다.", "덧붙였다.", "강조했다."]
REVIEW_NOTES = [
    "The quote is not in the source as given: check the wording against the text.",
    "Wrong date: the briefing was the day before; the source is dated in Seoul time.",
    "This is a paraphrase; mark it so, or quote the text itself.",
    "The speaker is the deputy minister, not the minister.",
    "The source does not say this; it reports what another outlet said. Add the intermediary.",
    "Denies, not disputes: the ministry rejected the report outright.",
    "The rationale needs a source for the new status.",
    "Duplicate of an attribution already approved on this claim.",
]


def _sentence(rng: random.Random, words: int) -> str:
    language = rng.choice(list(WORDS))
    return " ".join(rng.choice(WORDS[language]) for _ in range(words))


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        n=rng.randrange(100, 20_000),
        k=rng.randrange(2, 90),
        place=rng.choice(PLACES),
        month=rng.choice(MONTHS),
        weekday=rng.choice(WEEKDAYS),
        day=rng.randrange(1, 29),
        m=rng.randrange(1, 13),
        hour=rng.randrange(6, 23),
        minute=rng.randrange(60),
    )


def _prose_sentence(rng: random.Random) -> str:
    """One sentence of an English briefing report."""
    kind = rng.random()
    if kind < 0.55:
        return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {_fill(rng, rng.choice(REPORTED))}."
    if kind < 0.8:
        subject = rng.choice(SUBJECTS)
        return f"\u201c{_fill(rng, rng.choice(SPOKEN))},\u201d {subject[0].lower()}{subject[1:]} said."
    return _fill(rng, rng.choice(CONTEXT))


def _korean_sentence(rng: random.Random) -> str:
    filled = rng.choice(REPORTED_KO).format(
        n=rng.randrange(100, 20_000),
        k=rng.randrange(2, 90),
        place=rng.choice(PLACES_KO),
        m=rng.randrange(1, 13),
        day=rng.randrange(1, 29),
    )
    return f"{rng.choice(SUBJECTS_KO)} {filled} {rng.choice(VERBS_KO)}"


def _long_body(rng: random.Random, kb: int) -> tuple[str, list[tuple[int, int]]]:
    """About ``kb`` KiB (UTF-8) of paragraphs, one in seven in Korean, and where
    each sentence stands in it (start, end)."""
    paragraphs: list[str] = []
    sentences: list[tuple[int, int]] = []
    position, size = 0, 0
    while size < kb * 1024:
        korean = rng.random() < 1 / 7
        paragraph = ""
        for _ in range(rng.randrange(3, 8)):
            sentence = _korean_sentence(rng) if korean else _prose_sentence(rng)
            if paragraph:
                paragraph += " "
            sentences.append((position + len(paragraph), position + len(paragraph) + len(sentence)))
            paragraph += sentence
        paragraphs.append(paragraph)
        position += len(paragraph) + 2  # the blank line between paragraphs
        size += len(paragraph.encode()) + 2
    return "\n\n".join(paragraphs), sentences


MISQUOTES = [
    (" said", " stated"),
    (" told reporters", " told journalists"),
    ("troops", "soldiers"),
    ("talks", "negotiations"),
    ("ministry", "department"),
    (" the ", " a "),
    ("밝혔다", "발표했다"),
    ("말했다", "언급했다"),
    ("했다고", "했다며"),
    ("됐다고", "되었다고"),
]


def _some_claims(rng: random.Random, author: User, count: int) -> list[int]:
    """``count`` of the generated claims (all when there are fewer), the same ones for the same seed."""
    ids = list(Claim.objects.filter(created_by=author).order_by("pk").values_list("pk", flat=True))
    return rng.sample(ids, min(count, len(ids)))


def _misquote(quote: str) -> str:
    """The passage as someone misremembered it: one word changed."""
    for typed, written in MISQUOTES:
        if typed in quote:
            return quote.replace(typed, written, 1)
    return f"{quote} (sic)"


def _passage(rng: random.Random, body: str, sentences: list[tuple[int, int]]) -> str:
    """What an editor would select: a sentence, two in a row, or the words said
    (inside the quotation marks, or the reported "that ..." clause)."""
    index = rng.randrange(len(sentences))
    start, end = sentences[index]
    sentence = body[start:end]
    kind = rng.random()
    if kind < 0.15 and index + 1 < len(sentences) and "\n" not in body[end : sentences[index + 1][0]]:
        return body[start : sentences[index + 1][1]]
    if kind < 0.45 and sentence.startswith("\u201c"):
        return sentence[1 : sentence.index(",\u201d")]
    if kind < 0.45 and " that " in sentence:
        return sentence[sentence.index(" that ") + 1 : -1]
    return sentence


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
        parser.add_argument(
            "--workbench-quotes",
            type=int,
            default=0,
            help="Make one source with a long body and this many attributions quoting passages of it.",
        )
        parser.add_argument(
            "--workbench-body-kb", type=int, default=100, help="Size of that body in KiB of UTF-8 (default 100)."
        )
        parser.add_argument(
            "--mine-entries",
            type=int,
            default=0,
            help=f"Give the editor {MINE_USERNAME} this many entries of their own, in every review state.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        claims, per_claim = options["claims"], options["events_per_claim"]
        if claims < 1 or per_claim < 1:
            raise CommandError("--claims and --events-per-claim must be at least 1.")
        if options["workbench_quotes"] < 0 or options["mine_entries"] < 0 or options["workbench_body_kb"] < 1:
            raise CommandError("--workbench-quotes and --mine-entries cannot be negative, nor the body empty.")
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
            self._hot_actor(hot, author, options["hot_actor_stances"])
            self.stdout.write(f"  actor #{hot.pk} now has {hot.attributions.count():,} stances")
        if options["pending"]:
            self._pending(rng, options["pending"], actors, sources, statuses, author)
            self.stdout.write(f"  {options['pending']:,} items waiting for review")
        if options["workbench_quotes"]:
            self._workbench(rng, options["workbench_quotes"], options["workbench_body_kb"], actors, author, reviewer)
        if options["mine_entries"]:
            self._mine(rng, options["mine_entries"], actors, sources, statuses, author, reviewer)
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
    def _hot_actor(self, hot: Actor, author: User, count: int) -> None:
        """Give ``hot`` ``count`` of the generated (approved) stances. Approved
        attributions are frozen by a trigger (migrations 0013, 0016), so it steps aside
        for this one UPDATE, in the same transaction, and is made again."""
        create, drop = import_module("claimtracker.claims.migrations.0016_attribution_figures").STATEMENTS[
            connection.vendor
        ]
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)
        chosen = Attribution.objects.filter(claim__created_by=author).order_by("?").values("pk")
        Attribution.objects.filter(pk__in=chosen[:count]).update(actor=hot)
        with connection.cursor() as cursor:
            for statement in create:
                cursor.execute(statement)

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
    def _workbench(
        self, rng: random.Random, count: int, kb: int, actors: list[Actor], author: User, reviewer: User
    ) -> None:
        """One long source and ``count`` attributions quoting it: most approved,
        a quarter in review, a few rejected or withdrawn (the page leaves those
        out); a few quotes typed with straight quotes or another letter case,
        and one in twenty not in the text at all. Each is located by
        lib.quotes.locate, as services.add_attribution would locate it."""
        body, sentences = _long_body(rng, kb)
        number = Source.objects.filter(url__startswith=WORKBENCH_URL).count() + 1
        published = datetime.datetime(2024, 10, 25, 1, 30, tzinfo=datetime.UTC)
        publisher = Actor.objects.filter(kind=ActorKind.MEDIA_OUTLET, short_name="SWS").order_by("pk").first()
        (source,) = Source.objects.bulk_create(
            [
                Source(
                    title=f"Workbench {number}: defence and foreign ministry briefings, full transcript",
                    url=f"{WORKBENCH_URL}{number}",
                    publisher=publisher,
                    published_at=published,
                    published_tz="Asia/Seoul",
                    kind=SourceKind.BRIEFING_TRANSCRIPT,
                    language="en",
                    body=body,
                )
            ]
        )
        claim_ids = _some_claims(rng, author, WORKBENCH_CLAIMS)
        speakers = rng.sample(actors, min(WORKBENCH_ACTORS, len(actors)))
        states = rng.choices(
            [ReviewState.APPROVED, ReviewState.PENDING, ReviewState.REJECTED, ReviewState.WITHDRAWN],
            weights=[66, 25, 6, 3],
            k=count,
        )
        now = timezone.now()
        rows, checks = [], {"found": 0, "found_case": 0, "not_found": 0}
        for index, state in enumerate(states):
            quote = _passage(rng, body, sentences)
            shape = index % 20
            if shape == 7:
                quote = _misquote(quote)  # then not in the source (as the check below finds)
            elif shape in (3, 13, 17):
                quote = quote.replace("\u201c", '"').replace("\u201d", '"')  # typed, not pasted
            elif shape in (5, 15):
                quote = quote.lower()  # found only when letter case is ignored
            actor = rng.choice(speakers)
            via = rng.choice(speakers) if rng.random() < 0.1 else None
            attribution = Attribution(
                claim_id=rng.choice(claim_ids),
                actor=actor,
                via=None if via == actor else via,
                source=source,
                stance=rng.choice(Stance.values),
                certainty=rng.choice(Certainty.values),
                quote=quote,
                quote_kind=QuoteKind.DIRECT if rng.random() < 0.9 else QuoteKind.PARAPHRASE,
                stated_on=datetime.date(2024, 10, 25),
                created_by=author,
                review_state=state,
            )
            selector = locate(body, quote)
            if selector is not None:
                attribution.quote_start, attribution.quote_end = selector.start, selector.end
                attribution.quote_prefix, attribution.quote_suffix = selector.prefix, selector.suffix
                attribution.quote_case_differs = selector.case_differs
            checks["not_found" if selector is None else "found_case" if selector.case_differs else "found"] += 1
            if state in (ReviewState.APPROVED, ReviewState.REJECTED):
                attribution.reviewed_by, attribution.reviewed_at = reviewer, now
            if state == ReviewState.REJECTED:
                attribution.review_note = rng.choice(REVIEW_NOTES)
            rows.append(attribution)
        Attribution.objects.bulk_create(rows, batch_size=1000)
        self.stdout.write(
            f"  source #{source.pk}: {len(body):,} characters ({len(body.encode()) / 1024:,.0f} KiB), "
            f"{count:,} attributions over {len(claim_ids)} claims and {len(speakers)} actors; quotes "
            + ", ".join(f"{n:,} {check.replace('_', ' ')}" for check, n in checks.items())
        )

    @transaction.atomic
    def _mine(
        self,
        rng: random.Random,
        count: int,
        actors: list[Actor],
        sources: list[Source],
        statuses: list[Status],
        author: User,
        reviewer: User,
    ) -> None:
        """``count`` entries of the editor MINE_USERNAME (three attributions to one
        status change), in the shares of MINE_STATES, recorded in the year to MINE_UNTIL:
        the rejected ones with a reviewer's note (some in their second round), the
        withdrawn ones half of them after a rejection. Approved status changes
        take effect before any generated status, so no claim's current status moves."""
        editor, _ = User.objects.get_or_create(username=MINE_USERNAME)
        editor.groups.add(Group.objects.get(name=EDITOR))
        claim_ids = _some_claims(rng, author, MINE_CLAIMS)
        states: list[str] = []
        for kept, share in MINE_STATES[1:]:
            states += [kept] * round(count * share)
        states = [ReviewState.PENDING] * (count - len(states)) + states
        rng.shuffle(states)
        attributions, changes = [], []
        for state in states:
            recorded = MINE_UNTIL - datetime.timedelta(seconds=rng.randrange(365 * 24 * 3600))
            review: dict[str, Any] = {}
            if (
                state == ReviewState.APPROVED
                or state == ReviewState.REJECTED
                or (state == ReviewState.WITHDRAWN and rng.random() < 0.5)
            ):
                review = {
                    "reviewed_by": reviewer,
                    "reviewed_at": recorded + datetime.timedelta(hours=rng.randrange(1, 72)),
                }
                if state != ReviewState.APPROVED:
                    review["review_note"] = rng.choice(REVIEW_NOTES)
                    review["review_round"] = 2 if rng.random() < 0.2 else 1
            if rng.random() < 0.75:
                attributions.append(
                    Attribution(
                        claim_id=rng.choice(claim_ids),
                        actor=rng.choice(actors),
                        source=rng.choice(sources),
                        stance=rng.choice(Stance.values),
                        certainty=rng.choice(Certainty.values),
                        quote=_prose_sentence(rng),
                        quote_kind=rng.choice(QuoteKind.values),
                        stated_on=recorded.date() - datetime.timedelta(days=rng.randrange(3)),
                        created_by=editor,
                        created_at=recorded,
                        review_state=state,
                        **review,
                    )
                )
            else:
                approved = state == ReviewState.APPROVED
                changes.append(
                    StatusChange(
                        claim_id=rng.choice(claim_ids),
                        status=rng.choice(statuses),
                        # Before every generated timeline (those start in 2020).
                        effective_on=datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(365))
                        if approved
                        else recorded.date(),
                        rationale=_prose_sentence(rng),
                        recorded_by=editor,
                        recorded_at=recorded,
                        review_state=state,
                        **review,
                    )
                )
        Attribution.objects.bulk_create(attributions, batch_size=2000)
        StatusChange.objects.bulk_create(changes, batch_size=2000)
        shares = ", ".join(f"{states.count(kept):,} {kept}" for kept, _ in MINE_STATES)
        self.stdout.write(
            f"  {MINE_USERNAME} (Editor) has {count:,} entries ({len(attributions):,} attributions, "
            f"{len(changes):,} status changes) on {len(claim_ids):,} claims: {shares}"
        )

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
            # Recorded within three days of its date, and approved within a day of that: a view
            # as known on a date (claims.moment) then holds the entries of before it. Entries of
            # one day are recorded in the order inserted, as refresh_current_status orders them.
            recorded = [
                min(now, _at(day) + datetime.timedelta(hours=rng.randrange(72), minutes=n))
                for n, (day, _, _) in enumerate(dated)
            ]
            reviewed = [min(now, at + datetime.timedelta(minutes=rng.randrange(30, 24 * 60))) for at in recorded]
            plans.append((dated, latest, status, recorded, reviewed))
        claims = Claim.objects.bulk_create(
            [
                Claim(
                    text=_sentence(rng, rng.randrange(6, 16)),
                    created_by=author,
                    current_status=status,
                    status_since=latest[0],
                    status_since_precision=latest[1],
                    created_at=min(recorded) - datetime.timedelta(hours=1),
                )
                for dated, latest, status, recorded, _ in plans
            ]
        )
        attributions, changes_rows = [], []
        for claim, (dated, latest, status, recorded, reviewed) in zip(claims, plans, strict=True):
            for (day, precision, kind), recorded_at, reviewed_at in zip(dated, recorded, reviewed, strict=True):
                if kind == "change":
                    changes_rows.append(
                        StatusChange(
                            claim=claim,
                            status=status if (day, precision) == latest[:2] else rng.choice(statuses),
                            effective_on=day,
                            effective_on_precision=precision,
                            rationale=_sentence(rng, 8),
                            recorded_by=author,
                            recorded_at=recorded_at,
                            review_state=ReviewState.APPROVED,
                            reviewed_by=reviewer,
                            reviewed_at=reviewed_at,
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
                            created_at=recorded_at,
                            review_state=ReviewState.APPROVED,
                            reviewed_by=reviewer,
                            reviewed_at=reviewed_at,
                        )
                    )
        _insert(Attribution, attributions)
        _insert(StatusChange, changes_rows)
        return len(attributions) + len(changes_rows)


def _at(day: datetime.date) -> datetime.datetime:
    """The start of the day, in UTC."""
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC)


def _insert(model: type[Attribution] | type[StatusChange], objects: list[Any]) -> None:
    """Bulk insert; on PostgreSQL through COPY FROM STDIN, several times faster than
    INSERT for these row counts. Columns the database fills (db_default) are left
    out unless given."""
    if connection.vendor != "postgresql" or not objects:
        model.objects.bulk_create(objects, batch_size=5000)
        return
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and (f.db_default is NOT_PROVIDED or not isinstance(getattr(objects[0], f.attname), DatabaseDefault))
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            copy.write_row([getattr(obj, f.attname) for f in fields])
