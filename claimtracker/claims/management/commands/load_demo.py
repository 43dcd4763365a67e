"""Loads the demo: the Yonhap report of 2024-10-26 on North Korean troops in
Russia, its actors, claims, attributions and status history, and demo users.

Idempotent: a second run finds the seed source and changes nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify

from claimtracker.accounts.roles import EDITOR, REVIEWER, VIEWER
from claimtracker.claims import services
from claimtracker.claims.models import (
    Actor,
    ActorKind,
    Attribution,
    Bound,
    Certainty,
    Claim,
    FigureBound,
    QuoteKind,
    RelationKind,
    Source,
    SourceKind,
    Stance,
    Status,
    Topic,
)
from claimtracker.lib.dates import Precision

DEMO_PASSWORD = "claimtracker"
DEMO_USERS = [
    # username, group, is_staff, is_superuser
    ("admin", None, True, True),
    ("reviewer", REVIEWER, False, False),
    ("editor", EDITOR, False, False),
    ("viewer", VIEWER, False, False),
]

SEOUL = ZoneInfo("Asia/Seoul")

SOURCE_TITLE = (
    "Top S. Korean, U.S., Japanese security officials voice 'grave concern' "
    "over N. Korean troop dispatch to Russia: White House"
)

# The paragraphs of the report that hold the recorded quotes, as published.
SOURCE_BODY = """\
WASHINGTON, Oct. 25 (Yonhap) -- The national security advisors of South Korea, the United States and Japan expressed "grave concern" over North Korea's troop dispatch to Russia potentially for use in the war against Ukraine as they held trilateral talks in Washington Friday, a White House official said.

The meeting came as Seoul and Washington have confirmed that Pyongyang sent thousands of troops to eastern Russia by ship earlier this month -- a culmination of their deepening military cooperation in the midst of Moscow's war in Ukraine.

"In particular, the national security advisors expressed grave concern over troop deployments by the Democratic People's Republic of Korea (DPRK) to Russia, potentially for use on the battlefield against Ukraine," he said in a virtual briefing, referring to North Korea by its official name.

"This deployment is the latest in a series of concerning indicators of deepening military cooperation between the DPRK and Russia, including arms and ballistic missile transfers that are in direct violation of U.N. Security Council resolutions," he added.

Just hours earlier, North Korea's Vice Foreign Minister Kim Jong-gyu said via state media that if true, the North's troop deployment would be in line with international law -- a remark seen as an apparent acknowledgement of the deployment.

On Monday, a North Korean representative at the United Nations rejected reports of the country's troop dispatch as a "groundless rumor."

Seoul's top intelligence agency has confirmed that Pyongyang is expected to send some 10,000 troops to Russia by the end of this year, including around 3,000 troops already dispatched. The White House has also said that at least 3,000 North Korean troops were moved to eastern Russia earlier this month."""


@dataclass
class ActorSeed:
    name: str
    kind: str
    short_name: str = ""
    country: str = ""
    parent: str = ""
    aliases: list[str] = field(default_factory=list)
    wikidata_id: str = ""
    description: str = ""


ACTORS = [
    ActorSeed("Yonhap News Agency", ActorKind.MEDIA_OUTLET, "Yonhap", "KR", aliases=["연합뉴스"]),
    ActorSeed("Government of South Korea", ActorKind.GOVERNMENT, "Seoul", "KR", aliases=["Seoul", "대한민국 정부"]),
    ActorSeed(
        "Government of the United States", ActorKind.GOVERNMENT, "Washington", "US", aliases=["Washington", "U.S."]
    ),
    ActorSeed("Government of Japan", ActorKind.GOVERNMENT, "Tokyo", "JP", aliases=["Tokyo"]),
    ActorSeed(
        "Government of North Korea",
        ActorKind.GOVERNMENT,
        "Pyongyang",
        "KP",
        aliases=["Pyongyang", "DPRK", "Democratic People's Republic of Korea", "조선민주주의인민공화국"],
    ),
    ActorSeed(
        "White House",
        ActorKind.GOVERNMENT_BODY,
        country="US",
        parent="Government of the United States",
        wikidata_id="Q35525",
    ),
    ActorSeed(
        "John Kirby",
        ActorKind.PERSON,
        "Kirby",
        "US",
        parent="White House",
        description="National Security Communications Advisor.",
    ),
    ActorSeed(
        "National Intelligence Service",
        ActorKind.INTELLIGENCE_AGENCY,
        "NIS",
        "KR",
        parent="Government of South Korea",
        aliases=["NIS", "국가정보원", "Seoul's top intelligence agency"],
    ),
    ActorSeed(
        "Shin Won-sik",
        ActorKind.PERSON,
        country="KR",
        parent="Government of South Korea",
        aliases=["신원식"],
        description="South Korean National Security Advisor.",
    ),
    ActorSeed(
        "Jake Sullivan",
        ActorKind.PERSON,
        country="US",
        parent="White House",
        description="U.S. National Security Advisor.",
    ),
    ActorSeed(
        "Takeo Akiba",
        ActorKind.PERSON,
        country="JP",
        parent="Government of Japan",
        aliases=["秋葉剛男"],
        description="Japanese National Security Advisor.",
    ),
    ActorSeed(
        "Kim Jong-gyu",
        ActorKind.PERSON,
        country="KP",
        parent="Government of North Korea",
        aliases=["김정규"],
        description="DPRK Vice Foreign Minister.",
    ),
    ActorSeed(
        "DPRK representative at the UN",
        ActorKind.GOVERNMENT_BODY,
        country="KP",
        parent="Government of North Korea",
        aliases=["North Korean representative at the United Nations"],
    ),
    ActorSeed(
        "Korean Central News Agency",
        ActorKind.MEDIA_OUTLET,
        "KCNA",
        "KP",
        parent="Government of North Korea",
        aliases=["KCNA", "조선중앙통신"],
        description="North Korean state media.",
    ),
]

Q_CONFIRMED_BY_SHIP = (
    "Seoul and Washington have confirmed that Pyongyang sent thousands of troops to eastern Russia by ship "
    "earlier this month"
)
Q_GRAVE_CONCERN = (
    "In particular, the national security advisors expressed grave concern over troop deployments by the "
    "Democratic People's Republic of Korea (DPRK) to Russia, potentially for use on the battlefield against Ukraine"
)
Q_UNSC = (
    "This deployment is the latest in a series of concerning indicators of deepening military cooperation "
    "between the DPRK and Russia, including arms and ballistic missile transfers that are in direct violation "
    "of U.N. Security Council resolutions"
)
Q_NIS_10000 = (
    "Seoul's top intelligence agency has confirmed that Pyongyang is expected to send some 10,000 troops to "
    "Russia by the end of this year"
)
Q_NIS_3000 = "including around 3,000 troops already dispatched"
Q_WH_3000 = (
    "The White House has also said that at least 3,000 North Korean troops were moved to eastern Russia "
    "earlier this month"
)
Q_KIM = "if true, the North's troop deployment would be in line with international law"

OCT_2024 = datetime.date(2024, 10, 1)  # "earlier this month": month precision
MONDAY = datetime.date(2024, 10, 21)  # "On Monday", in New York
FRIDAY = datetime.date(2024, 10, 25)  # the briefing, in Washington


@dataclass
class AttributionSeed:
    actor: str
    stance: str
    certainty: str
    quote: str
    quote_kind: str
    stated_on: datetime.date
    precision: str = Precision.DAY
    via: str = ""
    figure: tuple[int, str, str] | None = None  # number, bound, unit


def _figure(figure: tuple[int, str, str] | None) -> dict[str, Any]:
    if figure is None:
        return {}
    number, bound, unit = figure
    return {"figure": Decimal(number), "figure_bound": bound, "figure_unit": unit}


@dataclass
class ChangeSeed:
    status: str
    effective_on: datetime.date
    rationale: str
    precision: str = Precision.DAY
    evidence: list[str] = field(default_factory=list)  # actor names of the claim's attributions


@dataclass
class ClaimSeed:
    text: str
    topics: list[str]
    attributions: list[AttributionSeed]
    changes: list[ChangeSeed]
    quantity: Decimal | None = None
    quantity_unit: str = ""
    quantity_bound: str = ""
    due_on: datetime.date | None = None
    context: str = ""


CLAIMS = [
    ClaimSeed(
        "North Korea has sent troops to Russia",
        ["North Korea", "Russia", "War in Ukraine"],
        [
            AttributionSeed(
                "DPRK representative at the UN",
                Stance.DENIES,
                Certainty.DEFINITE,
                "groundless rumor",
                QuoteKind.DIRECT,
                MONDAY,
            ),
            AttributionSeed(
                "Kim Jong-gyu",
                Stance.ACKNOWLEDGES,
                Certainty.CONDITIONAL,
                Q_KIM,
                QuoteKind.PARAPHRASE,
                FRIDAY,
                via="Korean Central News Agency",
            ),
            AttributionSeed(
                "Government of South Korea",
                Stance.CONFIRMS,
                Certainty.DEFINITE,
                Q_CONFIRMED_BY_SHIP,
                QuoteKind.REPORTED,
                OCT_2024,
                Precision.MONTH,
            ),
            AttributionSeed(
                "Government of the United States",
                Stance.CONFIRMS,
                Certainty.DEFINITE,
                Q_CONFIRMED_BY_SHIP,
                QuoteKind.REPORTED,
                OCT_2024,
                Precision.MONTH,
            ),
        ],
        [
            ChangeSeed(
                "reported",
                OCT_2024,
                "Seoul reports that North Korean troops were moved to eastern Russia.",
                Precision.MONTH,
                ["Government of South Korea"],
            ),
            ChangeSeed(
                "disputed",
                MONDAY,
                'North Korea\'s representative at the UN called the reports a "groundless rumor".',
                evidence=["DPRK representative at the UN"],
            ),
            ChangeSeed(
                "corroborated",
                FRIDAY,
                "Seoul and Washington both confirm the dispatch; Pyongyang's vice foreign minister "
                "appears to acknowledge it.",
                evidence=["Government of South Korea", "Government of the United States", "Kim Jong-gyu"],
            ),
        ],
    ),
    ClaimSeed(
        "North Korea will have sent about 10,000 troops to Russia by the end of 2024",
        ["North Korea", "Russia", "War in Ukraine"],
        [
            AttributionSeed(
                "National Intelligence Service",
                Stance.ASSERTS,
                Certainty.PROBABLE,
                Q_NIS_10000,
                QuoteKind.REPORTED,
                OCT_2024,
                Precision.MONTH,
                figure=(10_000, FigureBound.ABOUT, "troops"),
            ),
        ],
        [
            ChangeSeed(
                "reported",
                OCT_2024,
                "South Korea's intelligence agency expects some 10,000 troops by the end of the year.",
                Precision.MONTH,
                ["National Intelligence Service"],
            ),
        ],
        quantity=Decimal(10_000),
        quantity_unit="troops",
        quantity_bound=Bound.ABOUT,
        due_on=datetime.date(2024, 12, 31),
        context="A forecast: due by the end of 2024.",
    ),
    ClaimSeed(
        "At least 3,000 North Korean troops were moved to eastern Russia in October 2024",
        ["North Korea", "Russia"],
        [
            AttributionSeed(
                "White House",
                Stance.ASSERTS,
                Certainty.DEFINITE,
                Q_WH_3000,
                QuoteKind.REPORTED,
                OCT_2024,
                Precision.MONTH,
                figure=(3_000, FigureBound.AT_LEAST, "troops"),
            ),
            AttributionSeed(
                "National Intelligence Service",
                Stance.CONFIRMS,
                Certainty.DEFINITE,
                Q_NIS_3000,
                QuoteKind.REPORTED,
                OCT_2024,
                Precision.MONTH,
                figure=(3_000, FigureBound.ABOUT, "troops"),
            ),
        ],
        [
            ChangeSeed(
                "reported",
                OCT_2024,
                "South Korea's intelligence agency reports around 3,000 troops already dispatched.",
                Precision.MONTH,
                ["National Intelligence Service"],
            ),
            ChangeSeed(
                "corroborated",
                FRIDAY,
                "The White House independently says at least 3,000 troops were moved.",
                evidence=["White House", "National Intelligence Service"],
            ),
        ],
        quantity=Decimal(3_000),
        quantity_unit="troops",
        quantity_bound=Bound.AT_LEAST,
    ),
    ClaimSeed(
        "The troops may be used against Ukraine",
        ["North Korea", "War in Ukraine"],
        [
            AttributionSeed(
                name, Stance.ASSERTS, Certainty.POSSIBLE, Q_GRAVE_CONCERN, QuoteKind.DIRECT, FRIDAY, via="John Kirby"
            )
            for name in ("Shin Won-sik", "Jake Sullivan", "Takeo Akiba")
        ],
        [
            ChangeSeed(
                "reported",
                FRIDAY,
                "The three national security advisors voice concern that the troops may fight Ukraine.",
                evidence=["Shin Won-sik", "Jake Sullivan", "Takeo Akiba"],
            ),
        ],
    ),
    ClaimSeed(
        "The troops were moved by ship",
        ["North Korea", "Russia"],
        [
            AttributionSeed(
                name,
                Stance.CONFIRMS,
                Certainty.DEFINITE,
                Q_CONFIRMED_BY_SHIP,
                QuoteKind.REPORTED,
                OCT_2024,
                Precision.MONTH,
            )
            for name in ("Government of South Korea", "Government of the United States")
        ],
        [
            ChangeSeed(
                "corroborated",
                OCT_2024,
                "Seoul and Washington both say the troops went by ship.",
                Precision.MONTH,
                ["Government of South Korea", "Government of the United States"],
            ),
        ],
    ),
    ClaimSeed(
        "DPRK-Russia arms and missile transfers violate UN Security Council resolutions",
        ["North Korea", "Russia", "Sanctions"],
        [
            AttributionSeed("John Kirby", Stance.ASSERTS, Certainty.DEFINITE, Q_UNSC, QuoteKind.DIRECT, FRIDAY),
        ],
        [
            ChangeSeed(
                "reported",
                FRIDAY,
                "The White House says the transfers directly violate UN Security Council resolutions.",
                evidence=["John Kirby"],
            ),
        ],
    ),
]


# How the claims stand to one another (DESIGN 8.6): the two figures refine the dispatch.
SENT = "North Korea has sent troops to Russia"
RELATIONS = [
    ("North Korea will have sent about 10,000 troops to Russia by the end of 2024", RelationKind.REFINES, SENT),
    ("At least 3,000 North Korean troops were moved to eastern Russia in October 2024", RelationKind.REFINES, SENT),
    ("The troops may be used against Ukraine", RelationKind.RELATED, SENT),
]


class Command(BaseCommand):
    help = "Load the demo data (the seed Yonhap report) and the demo users. Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off. The demo users have a published password: never on a live site.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "load_demo creates users with a published password, so it runs only with DEBUG on. "
                "Use --force to load it anyway (never on a live site)."
            )
        with transaction.atomic():
            users = self._ensure_users()
            if Source.objects.filter(title=SOURCE_TITLE, publisher__name="Yonhap News Agency").exists():
                self.stdout.write("Demo data is already loaded; nothing changed.")
                return
            self._load(editor=users["editor"], reviewer=users["reviewer"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(ACTORS)} actors, 1 source and {len(CLAIMS)} claims. "
                f"Log in as admin, reviewer, editor or viewer with the password {DEMO_PASSWORD!r}."
            )
        )

    def _ensure_users(self) -> dict[str, User]:
        users = {}
        for username, group_name, is_staff, is_superuser in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username, password=DEMO_PASSWORD, is_staff=is_staff, is_superuser=is_superuser
                )
                if group_name:
                    user.groups.add(Group.objects.get(name=group_name))
                self.stdout.write(f"Created user {username}.")
            users[username] = user
        return users

    def _load(self, *, editor: User, reviewer: User) -> None:
        actors: dict[str, Actor] = {}
        for seed in ACTORS:
            actors[seed.name] = services.save_actor(
                Actor(
                    name=seed.name,
                    short_name=seed.short_name,
                    kind=seed.kind,
                    country=seed.country,
                    parent=actors[seed.parent] if seed.parent else None,
                    wikidata_id=seed.wikidata_id,
                    description=seed.description,
                ),
                by=editor,
                aliases=seed.aliases,
            )
        source = services.save_source(
            Source(
                title=SOURCE_TITLE,
                publisher=actors["Yonhap News Agency"],
                byline="Song Sang-ho",
                published_at=datetime.datetime(2024, 10, 26, 2, 9, 34, tzinfo=SEOUL),
                published_tz="Asia/Seoul",
                dateline="WASHINGTON, Oct. 25",
                language="en",
                kind=SourceKind.NEWS_REPORT,
                body=SOURCE_BODY,
            ),
            by=editor,
        )
        statuses = {status.slug: status for status in Status.objects.all()}
        claims = {
            seed.text: self._load_claim(seed, actors, source, statuses, editor=editor, reviewer=reviewer)
            for seed in CLAIMS
        }
        for first, kind, second in RELATIONS:
            services.add_relation(claims[first], claims[second], kind=kind, by=editor)
        # DESIGN 8.6: the claims whose status a reviewer approved are published (/public/).
        for claim in claims.values():
            claim.refresh_from_db(fields=["current_status"])
            if claim.current_status_id is not None:
                services.publish(claim, by=reviewer)

    def _load_claim(
        self,
        seed: ClaimSeed,
        actors: dict[str, Actor],
        source: Source,
        statuses: dict[str, Status],
        *,
        editor: User,
        reviewer: User,
    ) -> Claim:
        topics = [
            Topic.objects.get_or_create(name=name, defaults={"slug": slugify(name, allow_unicode=True)})[0]
            for name in seed.topics
        ]
        claim = services.create_claim(
            text=seed.text,
            context=seed.context,
            topics=topics,
            quantity=seed.quantity,
            quantity_unit=seed.quantity_unit,
            quantity_bound=seed.quantity_bound,
            due_on=seed.due_on,
            by=editor,
        )
        by_actor: dict[str, Attribution] = {}
        for a in seed.attributions:
            attribution = services.add_attribution(
                claim,
                actor=actors[a.actor],
                source=source,
                stance=a.stance,
                certainty=a.certainty,
                quote=a.quote,
                quote_kind=a.quote_kind,
                via=actors[a.via] if a.via else None,
                stated_on=a.stated_on,
                stated_on_precision=a.precision,
                **_figure(a.figure),
                by=editor,
            )
            if attribution.quote_start is None:
                raise CommandError(f"Seed quote not found in the source body: {a.quote!r}")
            services.approve(attribution, by=reviewer)
            by_actor[a.actor] = attribution
        for c in seed.changes:
            change = services.propose_status_change(
                claim,
                status=statuses[c.status],
                effective_on=c.effective_on,
                effective_on_precision=c.precision,
                rationale=c.rationale,
                evidence=[by_actor[name] for name in c.evidence],
                by=editor,
            )
            services.approve(change, by=reviewer)
        return claim
