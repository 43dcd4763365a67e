"""What the API answers, field by field. Each serializer both writes the JSON
and describes it in the OpenAPI schema (drf-spectacular), so the schema the
docs show and the fuzzing test checks is the one the code follows.

Dates of an entry carry their precision: "2024", "2024-10" or "2024-10-25"
(DESIGN 8.3), as in timeline.json and the CSV.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claimtracker.api.renderers import Written, written
from claimtracker.claims import queries
from claimtracker.claims.forecast import Outcome
from claimtracker.claims.models import (
    Actor,
    Certainty,
    Claim,
    FigureBound,
    QuoteKind,
    RelationKind,
    ReviewState,
    Source,
    Stance,
    Verdict,
)
from claimtracker.lib.dates import Precision, iso_date

PARTIAL_DATE = "A date at its precision: YYYY, YYYY-MM or YYYY-MM-DD."


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class StatusSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not the serializer's own label
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="The ClaimReview rating: 1 false … 5 true.")


class ForecastSerializer(serializers.Serializer[Any]):
    due_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    days = serializers.IntegerField(min_value=0, help_text="How early, how late or how long overdue; 0 otherwise.")


class SideCountsSerializer(serializers.Serializer[Any]):
    supports = serializers.IntegerField(min_value=0, help_text="Actors whose latest stance supports the claim.")
    opposes = serializers.IntegerField(min_value=0, help_text="Actors whose latest stance opposes it.")


class TopicSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()


class ClaimSerializer(serializers.Serializer[Any]):
    """A claim as the list shows it; in a view of the past, as it stood then."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="This claim in the API.")
    page_url = serializers.SerializerMethodField(help_text="The desk's page of the claim; null for a reader.")
    public_url = serializers.SerializerMethodField(help_text="Its page for readers; null unless published.")
    status = StatusSerializer(source="current_status", allow_null=True)
    status_since = serializers.SerializerMethodField(help_text=PARTIAL_DATE)
    status_since_precision = serializers.SerializerMethodField()
    due_on = serializers.DateField(allow_null=True, help_text="For forecasts: when it should be so.")
    forecast = ForecastSerializer(source="api_forecast", allow_null=True)
    side_counts = SideCountsSerializer(source="api_side_counts")
    topics = TopicSerializer(many=True, source="topics.all")
    published_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, claim: Claim) -> str:
        return _absolute(self.context, reverse("api:claim", args=[claim.pk]))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_page_url(self, claim: Claim) -> str | None:
        return _absolute(self.context, claim.get_absolute_url()) if self.context.get("desk_urls") else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_public_url(self, claim: Claim) -> str | None:
        return _absolute(self.context, claim.get_public_url()) if claim.published_at else None

    @extend_schema_field({"type": "string", "nullable": True, "pattern": r"^\d{4}(-\d{2}){0,2}$"})
    def get_status_since(self, claim: Claim) -> str | None:
        return iso_date(claim.status_since, claim.status_since_precision) or None

    @extend_schema_field({"type": "string", "nullable": True, "enum": [*Precision.values, None]})
    def get_status_since_precision(self, claim: Claim) -> str | None:
        return claim.status_since_precision if claim.status_since else None


class SideStanceSerializer(serializers.Serializer[Any]):
    """An actor's latest approved stance on the claim."""

    actor_id = serializers.IntegerField()
    actor = serializers.CharField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    certainty = serializers.ChoiceField(choices=Certainty.choices)
    stated_on = serializers.CharField(help_text=PARTIAL_DATE)
    stated_on_precision = serializers.ChoiceField(choices=Precision.choices)
    event_id = serializers.CharField(help_text="The attribution in the timeline: a<id>.")


class SidesSerializer(serializers.Serializer[Any]):
    supports = SideStanceSerializer(many=True)
    opposes = SideStanceSerializer(many=True)
    neutral = SideStanceSerializer(many=True)


class RelationSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=RelationKind.choices)
    direction = serializers.ChoiceField(
        choices=["outgoing", "incoming"], help_text="outgoing: this claim <kind> the other; incoming: the reverse."
    )
    claim_id = serializers.IntegerField()
    claim = serializers.CharField()
    status = serializers.CharField(allow_null=True, help_text="The other claim's status slug.")


class FigureSerializer(serializers.Serializer[Any]):
    value = serializers.FloatField()
    bound = serializers.ChoiceField(choices=FigureBound.choices, allow_blank=True)
    unit = serializers.CharField(allow_blank=True)


class EventSerializer(serializers.Serializer[Any]):
    """An entry of the timeline: an attribution or a status change, as in timeline.json."""

    claim_id = serializers.IntegerField()
    claim = serializers.CharField()
    event_date = serializers.CharField(help_text=PARTIAL_DATE)
    date_precision = serializers.ChoiceField(choices=Precision.choices)
    event = serializers.ChoiceField(choices=["attribution", "status_change"])
    actor = serializers.CharField(allow_blank=True)
    via = serializers.CharField(allow_blank=True, help_text="Who reported the actor's words, if anyone.")
    stance = serializers.ChoiceField(choices=Stance.choices, allow_blank=True)
    certainty = serializers.ChoiceField(choices=Certainty.choices, allow_blank=True)
    status = serializers.CharField(allow_blank=True, help_text="The status label a status change moves the claim to.")
    quote = serializers.CharField(allow_blank=True)
    quote_kind = serializers.ChoiceField(choices=QuoteKind.choices, allow_blank=True)
    rationale = serializers.CharField(allow_blank=True)
    source_title = serializers.CharField(allow_blank=True)
    source_publisher = serializers.CharField(allow_blank=True)
    source_url = serializers.CharField(allow_blank=True)
    source_published_at = serializers.CharField(allow_blank=True, help_text="ISO 8601 in UTC, or empty.")
    recorded_by = serializers.CharField(allow_null=True, help_text="A username; null for a reader.")
    recorded_at = serializers.CharField(help_text="ISO 8601 in UTC.")
    review_state = serializers.ChoiceField(choices=ReviewState.choices)
    event_id = serializers.CharField(help_text="a<id> for an attribution, s<id> for a status change.")
    quote_check = serializers.CharField(allow_blank=True)
    evidence = serializers.ListField(child=serializers.CharField(), help_text="Event ids a status change rests on.")
    corrects = serializers.CharField(allow_blank=True, help_text="The event id this entry corrects.")
    reviewed_by = serializers.CharField(allow_null=True, allow_blank=True, help_text="A username; null for a reader.")
    reviewed_at = serializers.CharField(allow_blank=True)
    figure = FigureSerializer(allow_null=True)


class AsWritten(serializers.Field):  # type: ignore[type-arg]
    """A value already made JSON-ready by the view, written as it is: a claim with
    thousands of events and of actors would spend most of its time in DRF's
    field-by-field copying. Its schema is given with @extend_schema_field."""

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(EventSerializer(many=True))
class TimelineField(AsWritten):
    """The events, as claim_json writes them."""


@extend_schema_field(SidesSerializer)
class SidesField(AsWritten):
    """The sides, as ``sides_written`` writes them."""


def sides_written(grouped: dict[str, list[Any]]) -> tuple[Written, queries.SideCounts]:
    """Each side's stances (queries.by_side) written as SideStanceSerializer
    describes them, and how many there are on each side."""
    sides = {
        side: [
            {
                "actor_id": said.actor_id,
                "actor": said.actor_name,
                "stance": said.stance,
                "certainty": said.certainty,
                "stated_on": iso_date(said.stated_on, said.stated_on_precision),
                "stated_on_precision": said.stated_on_precision,
                "event_id": f"a{said.pk}",
            }
            for said in stances
        ]
        for side, stances in grouped.items()
    }
    return written(sides), queries.SideCounts(len(grouped["supports"]), len(grouped["opposes"]))


class ClaimDetailSerializer(ClaimSerializer):
    as_of = serializers.DateField(allow_null=True, help_text="The view's date, if a view of the past.")
    known = serializers.DateField(allow_null=True, help_text="The view's date, if as known on a date.")
    sides = SidesField(source="api_sides", help_text="Each actor by its latest approved stance.")
    relations = RelationSerializer(many=True, source="api_relations")
    timeline = TimelineField(source="api_timeline", help_text="A page of the timeline's events, oldest first.")
    timeline_count = serializers.IntegerField(min_value=0, help_text="Events in the whole timeline.")
    timeline_next = serializers.URLField(allow_null=True, help_text="The timeline's next page; null on the last.")
    timeline_previous = serializers.URLField(allow_null=True, help_text="Its page before; null on the first.")


class ActorRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ActorSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=Actor.Kind.choices)
    country = serializers.CharField(allow_blank=True)
    parent = ActorRefSerializer(allow_null=True, help_text="The body it belongs to.")
    stance_count = serializers.IntegerField(min_value=0, help_text="Its approved stances.")
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, actor: Actor) -> str:
        return _absolute(self.context, reverse("api:actor", args=[actor.pk]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, actor: Actor) -> str:
        return _absolute(self.context, actor.get_absolute_url())


class TrackRecordSerializer(serializers.Serializer[Any]):
    """How the claims the actor took a side on stand now, each counted once by its latest stance."""

    supported_true = serializers.IntegerField(min_value=0)
    supported_false = serializers.IntegerField(min_value=0)
    supported_open = serializers.IntegerField(min_value=0)
    opposed_true = serializers.IntegerField(min_value=0)
    opposed_false = serializers.IntegerField(min_value=0)


class ActorDetailSerializer(ActorSerializer):
    aliases = serializers.SerializerMethodField(help_text="Other names it goes by.")
    description = serializers.CharField(allow_blank=True)
    wikidata_id = serializers.CharField(allow_blank=True)
    track_record = TrackRecordSerializer(source="api_track_record")
    claims_url = serializers.SerializerMethodField(help_text="The claims it took a side on, in the API.")

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_aliases(self, actor: Actor) -> list[str]:
        return [alias.name for alias in actor.aliases.all()]

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, actor: Actor) -> str:
        return _absolute(self.context, f"{reverse('api:claims')}?actor={actor.pk}")


class SourceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    source_url = serializers.CharField(source="url", allow_blank=True, help_text="Where it was published.")
    publisher = ActorRefSerializer(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    language = serializers.CharField(allow_blank=True)
    attribution_count = serializers.IntegerField(min_value=0, help_text="Its approved attributions.")
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, source: Source) -> str:
        return _absolute(self.context, reverse("api:source", args=[source.pk]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, source: Source) -> str:
        return _absolute(self.context, source.get_absolute_url())


class SourceAttributionSerializer(serializers.Serializer[Any]):
    event_id = serializers.SerializerMethodField()
    claim_id = serializers.IntegerField()
    claim = serializers.CharField(source="claim.text")
    actor_id = serializers.IntegerField()
    actor = serializers.CharField(source="actor.name")
    stance = serializers.ChoiceField(choices=Stance.choices)
    quote = serializers.CharField(allow_blank=True)
    stated_on = serializers.SerializerMethodField(help_text=PARTIAL_DATE)
    review_state = serializers.ChoiceField(choices=ReviewState.choices)

    def get_event_id(self, attribution: Any) -> str:
        return f"a{attribution.pk}"

    def get_stated_on(self, attribution: Any) -> str:
        return iso_date(attribution.stated_on, attribution.stated_on_precision)


class SourceDetailSerializer(SourceSerializer):
    byline = serializers.CharField(allow_blank=True)
    dateline = serializers.CharField(allow_blank=True)
    retrieved_at = serializers.DateTimeField(allow_null=True)
    body = serializers.CharField(allow_blank=True, help_text="The source's text, as recorded.")
    attributions = SourceAttributionSerializer(
        many=True, source="api_attributions", help_text="The first 100, in the order of the text."
    )


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
