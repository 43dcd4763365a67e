"""Claim Tracker's domain model (docs/architecture.md draws it).

Writes go through ``claims.services``; these classes hold fields, constraints
and small read-only helpers only.
"""

import datetime
import zoneinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Now, Trim, Upper
from django.db.models.lookups import Exact, GreaterThan
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claimtracker.claims import validators
from claimtracker.lib.dates import Precision, fits, format_date, precision_constraints
from claimtracker.lib.urls import path_to

if TYPE_CHECKING:
    from claimtracker.claims.forecast import Forecast

# Limits of the long texts, shown beside their fields (a browser's maxlength
# would cut a paste without a word, so forms check them and say so).
QUOTE_MAX = 10_000
RATIONALE_MAX = 10_000
BODY_MAX = 500_000


def _choices_constraint(field: str, choices: type[models.TextChoices], prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=f"{prefix}_{field}_valid")


def _not_blank(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=GreaterThan(Length(Trim(field)), 0), name=name)


def _check_precision(value: datetime.date | None, precision: str, field: str) -> None:
    if value is not None and not fits(value, precision):
        raise ValidationError(
            {field: f"A date of {precision} precision must be the first of its {precision}; got {value.isoformat()}."}
        )


# --- Actors -----------------------------------------------------------------


class ActorKind(models.TextChoices):
    PERSON = "person", "Person"
    GOVERNMENT = "government", "Government"
    GOVERNMENT_BODY = "government_body", "Government body"
    INTELLIGENCE_AGENCY = "intelligence_agency", "Intelligence agency"
    MILITARY = "military", "Military"
    INTERNATIONAL_ORGANISATION = "international_organisation", "International organisation"
    MEDIA_OUTLET = "media_outlet", "Media outlet"
    COMPANY = "company", "Company"
    NGO = "ngo", "NGO"
    OTHER = "other", "Other"


class Actor(models.Model):
    """Who says things: a person, a government, an agency, a news outlet."""

    Kind = ActorKind

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=30, choices=Kind, default=Kind.OTHER)
    country = models.CharField(
        max_length=2, blank=True, validators=[validators.country_code], help_text="ISO 3166-1 alpha-2, e.g. KR."
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="The body this actor speaks for or belongs to (John Kirby: White House).",
    )
    wikidata_id = models.CharField("Wikidata id", max_length=20, blank=True, validators=[validators.wikidata_id])
    description = models.TextField(blank=True, max_length=5000)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            _choices_constraint("kind", ActorKind, "actor"),
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="actor_wikidata_id_unique",
                violation_error_message="Another actor already has this Wikidata id.",
            ),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__startswith="Q"), name="actor_wikidata_id_format"
            ),
            models.CheckConstraint(
                condition=Q(country="") | Q(Exact(Length("country"), 2)), name="actor_country_length"
            ),
            _not_blank("name", "actor_name_not_blank"),
        ]
        indexes = [
            # An actor named in a form, whatever its case (lookups.find_actor: every attribution written).
            models.Index(Upper("name"), name="actor_name_upper_idx"),
            models.Index(Upper("short_name"), name="actor_short_name_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return path_to("claims:actor_detail", self.pk)

    @property
    def wikidata_url(self) -> str:
        return f"https://www.wikidata.org/wiki/{self.wikidata_id}" if self.wikidata_id else ""

    def clean(self) -> None:
        if self.wikidata_id and Actor.objects.filter(wikidata_id=self.wikidata_id).exclude(pk=self.pk).exists():
            raise ValidationError({"wikidata_id": "Another actor already has this Wikidata id."})
        if self.parent_id is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": "An actor cannot be its own parent."})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "This parent would make a loop of affiliations."})
            ancestor = ancestor.parent


class ActorAlias(models.Model):
    """Another name an actor goes by, in any language ("NIS", "국가정보원")."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "actor aliases"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "name"], name="actoralias_unique_per_actor"),
            _not_blank("name", "actoralias_name_not_blank"),
        ]
        indexes = [
            # Actor search by alias (claim list search, admin actor search).
            models.Index(fields=["name"], name="actoralias_name_idx"),
            models.Index(Upper("name"), name="actoralias_name_upper_idx"),  # lookups.find_actor
        ]

    def __str__(self) -> str:
        return self.name


# --- Sources ------------------------------------------------------------------


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news_report", "News report"
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    BRIEFING_TRANSCRIPT = "briefing_transcript", "Briefing transcript"
    STATE_MEDIA = "state_media", "State media"
    SOCIAL_MEDIA = "social_media", "Social media"
    DOCUMENT = "document", "Document"


class Source(models.Model):
    """A document in which actors are quoted."""

    Kind = SourceKind

    title = models.CharField(max_length=500)
    url = models.URLField("URL", max_length=2000, blank=True)
    publisher = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_sources",
        limit_choices_to={"kind": ActorKind.MEDIA_OUTLET},
    )
    byline = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="Date and time with its time zone.")
    published_tz = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        validators=[validators.time_zone],
        help_text="The IANA time zone the source was published in (Asia/Seoul); its date and time show in it.",
    )
    dateline = models.CharField(max_length=200, blank=True, help_text='As printed: "WASHINGTON, Oct. 25".')
    language = models.CharField(
        max_length=35, default="en", validators=[validators.language_tag], help_text="BCP 47 tag: en, ko, pt-BR."
    )
    kind = models.CharField(max_length=30, choices=Kind, default=Kind.NEWS_REPORT)
    body = models.TextField(
        blank=True, max_length=BODY_MAX, help_text="The paragraphs that hold the recorded quotes, as published."
    )
    retrieved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at", "title"]
        constraints = [
            _choices_constraint("kind", SourceKind, "source"),
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="source_url_unique",
                violation_error_message="A source with this URL already exists.",
            ),
            _not_blank("title", "source_title_not_blank"),
        ]
        indexes = [
            # Source list, newest first.
            models.Index(fields=["-published_at"], name="source_published_idx"),
            # The API's source list (undated sources last) has one more, on PostgreSQL: migration 0020.
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return path_to("claims:source_detail", self.pk)

    @property
    def zone(self) -> datetime.tzinfo:
        """The time zone the source was published in (UTC when none is given)."""
        try:
            return zoneinfo.ZoneInfo(self.published_tz) if self.published_tz else datetime.UTC
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return datetime.UTC

    @property
    def published_in_zone(self) -> datetime.datetime | None:
        """The publication instant on the clock of the place it was published."""
        return self.published_at.astimezone(self.zone) if self.published_at else None

    @property
    def published_utc(self) -> datetime.datetime | None:
        return self.published_at.astimezone(datetime.UTC) if self.published_at else None

    @property
    def published_on(self) -> datetime.date | None:
        """The publication date where it was published: the default date of its statements."""
        local = self.published_in_zone
        return local.date() if local else None

    def clean(self) -> None:
        if self.publisher is not None and self.publisher.kind != Actor.Kind.MEDIA_OUTLET:
            raise ValidationError({"publisher": "The publisher must be an actor of kind media outlet."})
        if self.url and Source.objects.filter(url=self.url).exclude(pk=self.pk).exists():
            raise ValidationError({"url": "A source with this URL already exists."})
        if self.published_at is not None and (error := published_too_late(self.published_at)):
            raise ValidationError({"published_at": error})


def published_too_late(published_at: datetime.datetime) -> str | None:
    """Why a source cannot have been published then: a day that has not come (a
    day's slack for the time zones of the world it reports); None when it can."""
    if published_at <= timezone.now() + datetime.timedelta(days=1):
        return None
    return f"{published_at:%-d %b %Y} is after today: enter the date the source was published."


# --- Statuses -------------------------------------------------------------------


class Verdict(models.TextChoices):
    OPEN = "open", "Open"
    TRUE = "true", "True"
    FALSE = "false", "False"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The scale of Status.rating, as a published ClaimReview states it (bestRating, worstRating).
WORST_RATING, BEST_RATING = 1, 5


class Status(models.Model):
    """A word of the desk's assessment vocabulary. Admins may rename and recolour
    statuses; code relies only on ``slug`` and ``verdict``."""

    Verdict = Verdict

    slug = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=50, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    color = models.CharField(max_length=7, default="#777777", validators=[validators.hex_color])
    order = models.PositiveSmallIntegerField(default=0)
    verdict = models.CharField(max_length=10, choices=Verdict, default=Verdict.OPEN)
    rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(WORST_RATING), MaxValueValidator(BEST_RATING)],
        help_text=(
            f"The rating published fact-checks carry (ClaimReview), from {WORST_RATING} (false) "
            f"to {BEST_RATING} (true); empty: the label alone."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "label"]
        verbose_name_plural = "statuses"
        constraints = [
            _choices_constraint("verdict", Verdict, "status"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=WORST_RATING, rating__lte=BEST_RATING),
                name="status_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(Exact(Length("color"), 7), color__startswith="#"), name="status_color_format"
            ),
        ]

    def __str__(self) -> str:
        return self.label


# --- Claims ---------------------------------------------------------------------


class Topic(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Bound(models.TextChoices):
    EXACT = "exact", "Exactly"
    ABOUT = "about", "About"
    AT_LEAST = "at_least", "At least"
    AT_MOST = "at_most", "At most"


class FigureBound(models.TextChoices):
    """How a figure in a statement is hedged: "about 10,000", "more than 3,000"."""

    EXACTLY = "exactly", "exactly"
    ABOUT = "about", "about"
    AT_LEAST = "at_least", "at least"
    MORE_THAN = "more_than", "more than"
    UP_TO = "up_to", "up to"


def format_figure(figure: Decimal | None, bound: str, unit: str) -> str:
    """ "about 10,000 troops", "3,000 troops" (exactly); empty without a figure."""
    if figure is None:
        return ""
    words = "" if bound == FigureBound.EXACTLY else f"{FigureBound(bound).label} "
    return f"{words}{figure.normalize():,f} {unit}".strip()


def is_hedged(figure: Decimal | None, bound: str) -> bool:
    """A figure given with any bound but "exactly"."""
    return figure is not None and bound != FigureBound.EXACTLY


# A claim's history. Named here as well, for services.create_claim, which writes a
# new claim's one record itself once its topics are set.
CLAIM_HISTORY = HistoricalRecords(
    excluded_fields=[
        "current_status",
        "status_since",
        "status_since_precision",
        "resolved_on",
        "search_quotes",
        "search_actors",
    ],
    # The topic list: each change of it is a record of its own, naming who changed it.
    m2m_fields=["topics"],
)


class Claim(models.Model):
    """One proposition, worded neutrally, that can be true or false."""

    Bound = Bound

    text = models.CharField(max_length=1000)
    context = models.TextField(blank=True, max_length=20_000, help_text="Editor's notes.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    quantity = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    quantity_unit = models.CharField(max_length=50, blank=True, help_text='What is counted: "troops".')
    quantity_bound = models.CharField(max_length=10, choices=Bound, blank=True)
    due_on = models.DateField(null=True, blank=True, help_text="For forecasts: the date by which it should be so.")

    # Denormalised from the latest approved StatusChange by services.refresh_current_status,
    # in the same transaction as the change that moves it.
    current_status = models.ForeignKey(Status, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status_since = models.DateField(null=True, blank=True)
    status_since_precision = models.CharField(max_length=5, choices=Precision, default=Precision.DAY)
    # The day the claim's current run of true statuses began (None unless its verdict is
    # true): when a forecast came true (claims.forecast).
    resolved_on = models.DateField(null=True, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: bumped by every edit.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    # Search documents, denormalised by services.refresh_search (claims.search reads them):
    # the approved attributions' quotes, and their actors' names and aliases.
    search_quotes = models.TextField(blank=True, editable=False)
    search_actors = models.TextField(blank=True, editable=False)

    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a reviewer published it; empty: not published."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    history = CLAIM_HISTORY

    class Meta:
        ordering = ["-id"]  # newest first, in recording order (the primary key index serves it)
        permissions = [("publish_claim", "Can publish and unpublish a claim")]
        constraints = [
            _not_blank("text", "claim_text_not_blank"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, published_by__isnull=True)
                | Q(published_at__isnull=False, published_by__isnull=False),
                name="claim_published_by_whom",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
            models.CheckConstraint(
                condition=Q(quantity_bound="") | Q(quantity_bound__in=Bound.values), name="claim_quantity_bound_valid"
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True, quantity_bound="", quantity_unit="")
                | Q(quantity__isnull=False, quantity__gte=0, quantity_bound__in=Bound.values),
                name="claim_quantity_complete",
            ),
            *precision_constraints("status_since", "status_since_precision", "claim_status_since"),
        ]
        indexes = [
            # Claim list filtered by status, and overdue forecasts (due_on passed, still open).
            models.Index(fields=["current_status", "due_on"], name="claim_status_due_idx"),
            # Actor track record (queries.track_record): each claim's status by id, read from
            # the index alone instead of the wide claim rows.
            models.Index(fields=["id"], include=["current_status"], name="claim_status_cover_idx"),
            # /public/: published claims, the latest published first.
            models.Index(
                fields=["-published_at", "-id"], condition=Q(published_at__isnull=False), name="claim_published_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    def get_absolute_url(self) -> str:
        return path_to("claims:detail", self.pk)

    def get_public_url(self) -> str:
        """Its page for readers, once published (/public/claims/<id>/)."""
        return path_to("public:claim", self.pk)

    @property
    def status_since_display(self) -> str:
        return format_date(self.status_since, self.status_since_precision)

    @property
    def quantity_display(self) -> str:
        """ "About 10,000 troops"; empty without a quantity."""
        if self.quantity is None:
            return ""
        return f"{self.get_quantity_bound_display()} {self.quantity.normalize():,f} {self.quantity_unit}".strip()

    @property
    def forecast(self) -> "Forecast | None":
        """The forecast's outcome today; None without a due date (claims.forecast)."""
        return self.forecast_on(timezone.localdate())

    def forecast_on(self, day: datetime.date) -> "Forecast | None":
        """The forecast's outcome judged on the day, from the status the claim holds."""
        from claimtracker.claims.forecast import judge

        verdict = self.current_status.verdict if self.current_status_id is not None else None  # type: ignore[union-attr]
        return judge(self.due_on, verdict, self.resolved_on, day)

    def clean(self) -> None:
        has_quantity = self.quantity is not None
        if has_quantity and not self.quantity_bound:
            raise ValidationError({"quantity_bound": "Say whether the quantity is exact, about, at least or at most."})
        if not has_quantity and (self.quantity_bound or self.quantity_unit):
            raise ValidationError({"quantity": "Enter the quantity that this unit or bound describes."})


class RelationKind(models.TextChoices):
    """How one claim stands to another, read from the first: "10,000 by the end of
    2024" refines "troops were sent"."""

    REFINES = "refines", "Refines"
    SUPERSEDES = "supersedes", "Supersedes"
    CONTRADICTS = "contradicts", "Contradicts"
    RELATED = "related", "Related to"


# The same link read from the other claim.
INVERSE_LABELS = {
    RelationKind.REFINES: "Refined by",
    RelationKind.SUPERSEDES: "Superseded by",
    RelationKind.CONTRADICTS: "Contradicted by",
    RelationKind.RELATED: "Related to",
}


class Relation(models.Model):
    """A typed, directed link between two claims. Editors add and remove links
    from the claim page; every change is kept in the history (docs/decisions.md)."""

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=12, choices=RelationKind)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "to_claim_id"]
        constraints = [
            _choices_constraint("kind", RelationKind, "relation"),
            models.CheckConstraint(condition=~Q(from_claim=models.F("to_claim")), name="relation_not_to_itself"),
            # One link between two claims, whichever way it is read (services.add_relation
            # refuses the reverse of an existing link).
            models.UniqueConstraint(fields=["from_claim", "to_claim"], name="relation_unique"),
        ]
        indexes = [models.Index(fields=["to_claim"], name="relation_to_claim_idx")]

    def __str__(self) -> str:
        return f"Claim {self.from_claim_id} {self.get_kind_display().lower()} claim {self.to_claim_id}"


class ClaimSearch(models.Model):
    """A claim's weighted search document (claim text A, quotes B, actor names C),
    stored so that ranking reads it instead of parsing three texts per match.
    PostgreSQL only: a trigger on the claim table keeps it (migration 0009), and
    a GIN index serves the match. On SQLite the table stays empty and search
    falls back to substring matching (claims.search)."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="search")
    document = SearchVectorField()

    def __str__(self) -> str:
        return f"Search document of claim {self.claim_id}"


# --- Review ------------------------------------------------------------------------


class ReviewState(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    # Taken back by its author: kept, but out of every count, page and export
    # except the author's own list and the history.
    WITHDRAWN = "withdrawn", "Withdrawn"


# What the desk (editors and reviewers) sees of entries: everything but withdrawn ones.
DESK_STATES = (ReviewState.PENDING, ReviewState.APPROVED, ReviewState.REJECTED)


def _review_constraints(prefix: str, author_field: str) -> list[models.BaseConstraint]:
    """Review fields agree with the state, and nobody reviews their own work."""
    return [
        _choices_constraint("review_state", ReviewState, prefix),
        models.CheckConstraint(
            condition=Q(review_state=ReviewState.PENDING, reviewed_by__isnull=True, reviewed_at__isnull=True)
            | Q(
                review_state__in=[ReviewState.APPROVED, ReviewState.REJECTED],
                reviewed_by__isnull=False,
                reviewed_at__isnull=False,
            )
            # A withdrawn entry keeps the review it had, if any.
            | Q(review_state=ReviewState.WITHDRAWN),
            name=f"{prefix}_review_fields_match_state",
        ),
        models.CheckConstraint(
            condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=models.F(author_field)),
            name=f"{prefix}_no_self_review",
        ),
    ]


class Reviewable(models.Model):
    review_state = models.CharField(max_length=10, choices=ReviewState, default=ReviewState.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, max_length=5000)
    # Goes up each time the author resubmits a rejected entry; earlier rounds'
    # notes stay in the history.
    review_round = models.PositiveSmallIntegerField(default=1)

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.review_state == ReviewState.PENDING

    @property
    def is_approved(self) -> bool:
        return self.review_state == ReviewState.APPROVED

    @property
    def is_rejected(self) -> bool:
        return self.review_state == ReviewState.REJECTED

    @property
    def is_withdrawn(self) -> bool:
        return self.review_state == ReviewState.WITHDRAWN


# --- Attributions -----------------------------------------------------------------


class Polarity(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    OPPOSES = "opposes", "Opposes"
    NEUTRAL = "neutral", "Neutral"


class Stance(models.TextChoices):
    ASSERTS = "asserts", "asserts"
    CONFIRMS = "confirms", "confirms"
    ACKNOWLEDGES = "acknowledges", "acknowledges"
    DENIES = "denies", "denies"
    DISPUTES = "disputes", "disputes"
    QUALIFIES = "qualifies", "qualifies"
    RETRACTS = "retracts", "retracts"
    DECLINES_TO_COMMENT = "declines_to_comment", "declines to comment"

    @property
    def polarity(self) -> Polarity:
        return STANCE_POLARITY[self]


STANCE_POLARITY: dict[str, Polarity] = {
    Stance.ASSERTS: Polarity.SUPPORTS,
    Stance.CONFIRMS: Polarity.SUPPORTS,
    Stance.ACKNOWLEDGES: Polarity.SUPPORTS,
    Stance.DENIES: Polarity.OPPOSES,
    Stance.DISPUTES: Polarity.OPPOSES,
    # A retraction withdraws the actor's earlier support: it counts against the claim.
    Stance.RETRACTS: Polarity.OPPOSES,
    Stance.QUALIFIES: Polarity.NEUTRAL,
    Stance.DECLINES_TO_COMMENT: Polarity.NEUTRAL,
}


class Certainty(models.TextChoices):
    DEFINITE = "definite", "definite"
    PROBABLE = "probable", "probable"
    POSSIBLE = "possible", "possible"
    CONDITIONAL = "conditional", "conditional"
    UNSPECIFIED = "unspecified", "unspecified"


class QuoteKind(models.TextChoices):
    DIRECT = "direct", "Direct quote"
    PARAPHRASE = "paraphrase", "Paraphrase"
    REPORTED = "reported", "Reported by the source"


class Attribution(Reviewable):
    """One actor taking one stance on one claim in one source. Frozen once
    approved (a database trigger refuses a change to its content); a
    correction is a new attribution that ``corrects`` it."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attributions")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="attributions")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="attributions")
    stance = models.CharField(max_length=20, choices=Stance)
    certainty = models.CharField(max_length=12, choices=Certainty, default=Certainty.UNSPECIFIED)
    quote = models.TextField(max_length=QUOTE_MAX, blank=True, help_text="Verbatim, as the source prints it.")
    quote_kind = models.CharField(max_length=12, choices=QuoteKind, default=QuoteKind.DIRECT)
    via = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relayed_attributions",
        help_text='The intermediary in reported speech: "according to Kirby", "via state media".',
    )
    stated_on = models.DateField(help_text="The date in the speaker's own place.")
    stated_on_precision = models.CharField(max_length=5, choices=Precision, default=Precision.DAY)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The approved attribution this one corrects; once approved, it replaces it.",
    )
    # The figure the statement gives, if any: "about 10,000 troops".
    figure = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    figure_bound = models.CharField(max_length=10, choices=FigureBound, blank=True)
    figure_unit = models.CharField(max_length=50, blank=True, help_text='What is counted: "troops".')

    # Where the quote stands in source.body (TextQuoteSelector: exact + prefix + suffix,
    # with offsets); all empty when the source has no body or the quote is not in it.
    quote_start = models.PositiveIntegerField(null=True, blank=True, editable=False)
    quote_end = models.PositiveIntegerField(null=True, blank=True, editable=False)
    quote_prefix = models.CharField(max_length=64, blank=True, editable=False)
    quote_suffix = models.CharField(max_length=64, blank=True, editable=False)
    # The quote was found only when letter case is ignored (lib.quotes).
    quote_case_differs = models.BooleanField(default=False, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["stated_on", "id"]
        permissions = [("review_attribution", "Can approve or reject attributions")]
        constraints = [
            _choices_constraint("stance", Stance, "attribution"),
            _choices_constraint("certainty", Certainty, "attribution"),
            _choices_constraint("quote_kind", QuoteKind, "attribution"),
            *precision_constraints("stated_on", "stated_on_precision", "attribution_stated_on"),
            *_review_constraints("attribution", "created_by"),
            models.CheckConstraint(
                condition=Q(quote_start__isnull=True, quote_end__isnull=True)
                | Q(quote_start__isnull=False, quote_end__gt=models.F("quote_start")),
                name="attribution_quote_span_valid",
            ),
            models.CheckConstraint(condition=~Q(via=models.F("actor")), name="attribution_via_not_actor"),
            models.CheckConstraint(condition=~Q(corrects=models.F("id")), name="attribution_not_self_correction"),
            models.CheckConstraint(
                condition=Q(figure__isnull=True, figure_bound="", figure_unit="")
                | Q(figure__isnull=False, figure__gte=0, figure_bound__in=FigureBound.values),
                name="attribution_figure_complete",
                violation_error_message=(
                    "A figure needs how it is given (exactly, about, at least, more than, up to); "
                    "how it is given and a unit need the figure."
                ),
            ),
        ]
        indexes = [
            # Claim page timeline and export: a claim's attributions in date order.
            models.Index(fields=["claim", "stated_on"], name="attribution_claim_date_idx"),
            # Views of the past (claims.moment): whether a claim had been said by a date, and
            # known by then, read from the index alone (on PostgreSQL) for every claim of a list.
            models.Index(
                fields=["claim", "stated_on"],
                include=["created_at", "reviewed_at"],
                condition=Q(review_state="approved"),
                name="attribution_approved_date_idx",
            ),
            # Actor page: every stance an actor took, newest first.
            models.Index(fields=["actor", "-stated_on"], name="attribution_actor_date_idx"),
            # Review queue: pending items, by claim (the queue's claims in order; the header's count).
            models.Index(fields=["claim"], condition=Q(review_state="pending"), name="attribution_pending_claim_idx"),
            # The header's count of one's entries sent back, asked before every stored page.
            models.Index(fields=["created_by"], condition=Q(review_state="rejected"), name="attribution_rejected_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_stance_display()}: {self.claim}"

    @property
    def polarity(self) -> Polarity:
        return STANCE_POLARITY[self.stance]

    @property
    def stated_on_display(self) -> str:
        return format_date(self.stated_on, self.stated_on_precision)

    @property
    def figure_display(self) -> str:
        return format_figure(self.figure, self.figure_bound, self.figure_unit)

    @property
    def figure_hedged(self) -> bool:
        return is_hedged(self.figure, self.figure_bound)

    @property
    def _source_has_text(self) -> bool:
        # Pages that list many attributions annotate source_has_text instead of reading each body.
        has_text = getattr(self, "source_has_text", None)
        return bool(self.source.body if has_text is None else has_text)

    @property
    def quote_check(self) -> str:
        """found, found_case, not_found, no_text (the source has no text) or
        paraphrase; empty when there is no quote to check. Only a direct quote
        must be in the text: a paraphrase is not looked for, and speech the
        source reports counts as found when its words are there, else as a
        paraphrase."""
        if not self.quote:
            return ""
        if self.quote_kind == QuoteKind.PARAPHRASE:
            return "paraphrase"
        direct = self.quote_kind == QuoteKind.DIRECT
        if not self._source_has_text:
            return "no_text" if direct else "paraphrase"
        if self.quote_start is None:
            return "not_found" if direct else "paraphrase"
        return "found_case" if self.quote_case_differs else "found"

    @property
    def quote_found(self) -> bool | None:
        """True or False when the source has a body to look in, else None."""
        if not self._source_has_text:
            return None
        return self.quote_start is not None

    def clean(self) -> None:
        _check_precision(self.stated_on, self.stated_on_precision, "stated_on")
        if self.via_id is not None and self.via_id == self.actor_id:
            raise ValidationError({"via": "The intermediary must be another actor than the speaker."})


# --- Status changes ------------------------------------------------------------------


class StatusChange(Reviewable):
    """One entry of a claim's assessment timeline. Append-only once approved:
    a database trigger refuses to update or delete an approved entry; a
    correction is a new entry that ``corrects`` the old one."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="status_changes")
    status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="changes")
    effective_on = models.DateField(help_text="When it became so in the world.")
    effective_on_precision = models.CharField(max_length=5, choices=Precision, default=Precision.DAY)
    rationale = models.TextField(max_length=RATIONALE_MAX)
    evidence: "models.ManyToManyField[Attribution, Evidence]" = models.ManyToManyField(
        Attribution, through="Evidence", blank=True, related_name="status_changes"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(db_default=Now(), editable=False)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")

    history = HistoricalRecords()

    class Meta:
        ordering = ["effective_on", "recorded_at", "id"]
        permissions = [("review_statuschange", "Can approve or reject status changes")]
        constraints = [
            *precision_constraints("effective_on", "effective_on_precision", "statuschange_effective_on"),
            *_review_constraints("statuschange", "recorded_by"),
            _not_blank("rationale", "statuschange_rationale_required"),
            models.CheckConstraint(condition=~Q(corrects=models.F("id")), name="statuschange_not_self_correction"),
        ]
        indexes = [
            # refresh_current_status and the claim timeline: a claim's changes by effective date.
            models.Index(fields=["claim", "effective_on", "recorded_at"], name="statuschange_claim_date_idx"),
            # Views of the past (claims.moment): a claim's approved changes up to a date in
            # timeline order, the latest read first, without sorting.
            models.Index(
                fields=["claim", "effective_on", "recorded_at", "id"],
                include=["reviewed_at", "status"],
                condition=Q(review_state="approved"),
                name="statuschange_approved_date_idx",
            ),
            # Review queue: pending items, by claim (the queue's claims in order; the header's count).
            models.Index(fields=["claim"], condition=Q(review_state="pending"), name="statuschange_pending_claim_idx"),
            # The header's count of one's entries sent back, asked before every stored page.
            models.Index(
                fields=["recorded_by"], condition=Q(review_state="rejected"), name="statuschange_rejected_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim}: {self.status} on {self.effective_on_display}"

    @property
    def effective_on_display(self) -> str:
        return format_date(self.effective_on, self.effective_on_precision)

    def clean(self) -> None:
        _check_precision(self.effective_on, self.effective_on_precision, "effective_on")
        if not (self.rationale or "").strip():
            raise ValidationError({"rationale": "Say why the status changes."})


class Evidence(models.Model):
    """An attribution cited by a status change. Rows of an approved change are
    frozen by a database trigger, as the change itself."""

    status_change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="evidence_links")
    attribution = models.ForeignKey(Attribution, on_delete=models.PROTECT, related_name="evidence_links")

    class Meta:
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["status_change", "attribution"], name="evidence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attribution} for {self.status_change}"


class Submission(models.Model):
    """A form submission already handled: a double click on a create button
    meets this row's unique token and saves nothing twice."""

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    redirect_to = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return str(self.token)


class DataVersion(models.Model):
    """A counter the database bumps whenever what it counts changes (a claim,
    an actor, a source, or everything): the page cache's keys
    (claims/versions.py). Written by triggers only."""

    scope = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.scope} {self.value}"


class QueueLength(models.Model):
    """How many entries wait for review (attributions and status changes in
    review): the header's count, which every desk page shows. Kept by the
    database's triggers whatever wrote (claims/versions.py), read with the data
    versions in one index lookup instead of counted. One row (id 1), written by
    triggers only."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    pending = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.pending} in review"
