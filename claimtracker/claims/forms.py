"""Forms of the editorial pages. They validate; services write."""

import datetime
import functools
import uuid
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils.functional import SimpleLazyObject
from django.utils.text import Truncator

from claimtracker.claims import queries, validators
from claimtracker.claims.lookups import ActorField, ClaimField, SourceField
from claimtracker.claims.models import (
    BODY_MAX,
    RATIONALE_MAX,
    Actor,
    Attribution,
    Claim,
    RelationKind,
    ReviewState,
    Source,
    Status,
    StatusChange,
    Topic,
    published_too_late,
)
from claimtracker.lib import choices, prepared
from claimtracker.lib.dates import Precision, after_today, fits, truncate


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class NoSilentCuts(forms.BaseForm):
    """No browser ``maxlength``: it cuts a paste short without a word. The
    limit is said beside each long text instead, and the server refuses an
    over-long text with an error on the field, saving nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)
            limit = getattr(field, "max_length", None)
            if limit and isinstance(field.widget, forms.Textarea):
                said = f"Up to {limit:,} characters."
                field.help_text = f"{field.help_text} {said}".strip() if field.help_text else said


class SubmissionMixin(forms.Form):
    """A one-time token per rendered form, so that a double submit saves once
    (see views._once)."""

    submission = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid.uuid4()


def _choices(form: forms.Form, name: str) -> "forms.ModelChoiceField[Any]":
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _check_fit(form: forms.Form, date_field: str, precision_field: str) -> None:
    """A date of month or year precision is stored as the first of its period:
    the editor types any day of it ("15 Nov" with month precision is Nov 2024)."""
    value = form.cleaned_data.get(date_field)
    precision = form.cleaned_data.get(precision_field)
    if value and precision in Precision.values and not fits(value, precision):
        form.cleaned_data[date_field] = truncate(value, precision)


def _same_claim(text: str, exclude: int | None = None) -> str:
    """An error naming the claim already recorded with this wording, or ""."""
    matches = Claim.objects.filter(text__iexact=" ".join(text.split()))
    same = (matches.exclude(pk=exclude) if exclude is not None else matches).first()
    if same is None:
        return ""
    return f"This claim is already recorded: “{same.text}” [#{same.pk}]. Use that one, so its timeline stays whole."


def already_recorded(claim: Claim | None, data: dict[str, Any]) -> str:
    """An error when the same actor's same stance and quote from the same source
    is already on the claim (in review or approved), else ""."""
    actor, source = data.get("actor"), data.get("source")
    if claim is None or claim.pk is None or actor is None or source is None:
        return ""
    # Asked before every attribution a form records: a statement written once (the ORM spent about
    # 0.7 ms of CPU building it).
    connection = connections[router.db_for_read(Attribution)]
    params = [claim.pk, actor.pk, source.pk, data.get("stance"), (data.get("quote") or "").strip()]
    found = prepared.rows(connection, _same_attribution_sql(), params)
    if not found:
        return ""
    state = "approved" if found[0][0] == ReviewState.APPROVED else "waiting for review"
    return f"This attribution is already recorded on this claim ({state}); it is not added twice."


@functools.cache
def _same_attribution_sql() -> str:
    """``already_recorded``'s statement: the state of the first attribution (in
    their order, Attribution.Meta) of the claim, the actor, the source, the
    stance and the quote given, in review or approved."""
    states = ", ".join(prepared.literal(state) for state in (ReviewState.PENDING, ReviewState.APPROVED))
    return (
        f"SELECT review_state FROM {Attribution._meta.db_table}"
        " WHERE claim_id = %s AND actor_id = %s AND source_id = %s AND stance = %s AND quote = %s"
        f" AND review_state IN ({states}) ORDER BY stated_on, id LIMIT 1"
    )


class FigureField(forms.DecimalField):
    """A number as people type it: "10,000" and "10 000" are 10000 (a text box,
    since a browser's number box refuses the comma)."""

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal"}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", "").replace("\u00a0", "").replace(" ", "")
        return super().to_python(value)


FIGURE_FIELDS = ["figure_bound", "figure", "figure_unit"]
FIGURE_LABELS = {"figure_bound": "Given as", "figure": "Number", "figure_unit": "Unit"}
# The labels of a statement's date and figure, shared by the attribution form and the workbench.
STATEMENT_LABELS = {"stated_on": "Stated on", "stated_on_precision": "Date precision", **FIGURE_LABELS}


def _check_figure(form: forms.Form) -> None:
    """A number has its bound ("about"); a bound or unit has its number."""
    data = form.cleaned_data
    if any(name in form.errors for name in FIGURE_FIELDS):
        return
    if data.get("figure") is None and (data.get("figure_bound") or (data.get("figure_unit") or "").strip()):
        form.add_error("figure", "Give the number, or clear how it is given and its unit.")
    elif data.get("figure") is not None and not data.get("figure_bound"):
        form.add_error("figure_bound", "Say how the number is given: exactly, about, at least, more than or up to.")


def _check_statement(form: forms.Form, source: Source | None) -> None:
    """What the attribution form and the workbench both check: the date against
    its precision and the source, the intermediary against the speaker, and the
    figure's parts."""
    _check_fit(form, "stated_on", "stated_on_precision")
    _check_figure(form)
    _check_said_before_published(form, source)
    actor, via = form.cleaned_data.get("actor"), form.cleaned_data.get("via")
    if actor is not None and via is not None and actor == via:
        form.add_error("via", "The intermediary must be another actor than the speaker.")


def _check_said_before_published(form: forms.Form, source: Source | None) -> None:
    """Nobody is quoted before saying it: not in a source published earlier, nor
    on a day that has not come. Dates are local to the speaker and to the
    publisher, so a day's difference is allowed."""
    stated_on = form.cleaned_data.get("stated_on")
    if stated_on and after_today(stated_on):
        form.add_error("stated_on", f"{stated_on:%-d %b %Y} is after today: give the day it was said.")
        return
    published = source.published_on if source is not None else None
    if stated_on and published and stated_on > published + datetime.timedelta(days=1):
        form.add_error(
            "stated_on",
            f"The source was published on {published:%-d %b %Y}; a statement it reports cannot be later.",
        )


class ClaimForm(NoSilentCuts, SubmissionMixin, forms.ModelForm[Claim]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = ["text", "context", "topics", "quantity", "quantity_bound", "quantity_unit", "due_on"]
        field_classes = {"topics": choices.ModelMultipleChoiceField}
        # The quantity as the attribution form's figure is asked (FIGURE_LABELS, _figure_fields.html).
        labels = {
            "text": "Claim",
            "context": "Notes",
            "quantity_bound": "Given as",
            "quantity": "Number",
            "quantity_unit": "Unit",
        }
        help_texts = {"text": "One proposition, worded neutrally, that can be true or false."}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "context": forms.Textarea(attrs={"rows": 3}),
            "topics": forms.CheckboxSelectMultiple,
            "due_on": DateInput,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "topics").queryset = Topic.objects.order_by("name")
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version

    def clean_text(self) -> str:
        text: str = self.cleaned_data.get("text", "")
        if text and (error := _same_claim(text, self.instance.pk)):
            raise ValidationError(error)
        return text


class AttributionForm(NoSilentCuts, SubmissionMixin, forms.ModelForm[Attribution]):
    # Typed with suggestions, not <select>s: a newsroom has thousands of actors and sources.
    actor = ActorField(label="Actor", help_text="Name, short name or alias.")
    via = ActorField(
        label="Via (intermediary)",
        required=False,
        help_text='The intermediary in reported speech: "according to Kirby", "via state media".',
    )
    source = SourceField(label="Source", help_text="Title, or the URL of a source already recorded.")

    class Meta:
        model = Attribution
        fields = [
            "actor",
            "stance",
            "certainty",
            "source",
            "quote",
            "quote_kind",
            "via",
            "stated_on",
            "stated_on_precision",
            *FIGURE_FIELDS,
        ]
        labels = {**STATEMENT_LABELS, "via": "Via (intermediary)"}
        field_classes = {"figure": FigureField}
        widgets = {"quote": forms.Textarea(attrs={"rows": 3}), "stated_on": DateInput}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_statement(self, cleaned.get("source"))
        return cleaned

    def _post_clean(self) -> None:
        # The claim and author are set by the view and the service; model validation
        # of the rest ran in clean().
        pass


RECENT_CHOICES = 15


class EvidenceField(choices.ModelMultipleChoiceField):
    """Offers the claim's latest attributions (its ``rows``, StatusChangeForm) and accepts any of its queryset."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.actor.name} {obj.get_stance_display()} ({obj.stated_on_display})"


RATIONALE_SHOWN = 60  # characters of a rationale a choice of the change to correct shows


class CorrectsField(choices.ModelChoiceField):
    """Offers the claim's latest approved changes (its ``rows``, StatusChangeForm) and accepts any of its queryset."""

    widget = choices.Select

    def label_from_instance(self, obj: Any) -> str:
        """The change as its claim's page names it: the status, the date and how
        the rationale begins (not the claim's text, the same in every option)."""
        return f"{obj.status} on {obj.effective_on_display}: {Truncator(obj.rationale).chars(RATIONALE_SHOWN)}"


class StatusChangeForm(NoSilentCuts, SubmissionMixin, forms.Form):
    status = choices.ModelChoiceField(queryset=Status.objects.all(), empty_label=None)
    effective_on = forms.DateField(label="Effective on", widget=DateInput, help_text="When it became so in the world.")
    effective_on_precision = forms.ChoiceField(label="Date precision", choices=Precision.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=RATIONALE_MAX)
    evidence = EvidenceField(
        queryset=Attribution.objects.none(),
        required=False,
        widget=choices.CheckboxSelectMultiple,
        help_text=f"From the {RECENT_CHOICES} latest attributions.",
    )
    corrects = CorrectsField(
        queryset=StatusChange.objects.none(),
        required=False,
        label="Corrects (optional)",
        help_text=f"The {RECENT_CHOICES} latest approved changes.",
    )

    def __init__(
        self,
        *args: Any,
        claim: Claim,
        suggested: Status | None = None,
        statuses: list[Status] | None = None,
        **kwargs: Any,
    ) -> None:
        """``statuses``: every status, where the view has read them already."""
        super().__init__(*args, **kwargs)
        self.claim = claim
        if statuses is not None:
            self.fields["status"].rows = statuses  # type: ignore[attr-defined]  # lib/choices.Choices
        # Each offers the RECENT_CHOICES newest (a claim with thousands of entries keeps a short form),
        # read only where the form's fields are drawn (a kept fragment draws neither), and accepts any.
        evidence, corrects = _choices(self, "evidence"), _choices(self, "corrects")
        evidence.rows = SimpleLazyObject(lambda: queries.offered_evidence(claim.pk, RECENT_CHOICES))  # type: ignore[attr-defined]
        corrects.rows = SimpleLazyObject(lambda: queries.offered_corrections(claim.pk, RECENT_CHOICES))  # type: ignore[attr-defined]
        if self.is_bound:  # what they accept: built only for a form sent (0.3 ms of the ORM's CPU)
            evidence.queryset = claim.attributions.filter(review_state__in=[ReviewState.PENDING, ReviewState.APPROVED])
            corrects.queryset = claim.status_changes.filter(review_state=ReviewState.APPROVED)
        if suggested is not None:
            self.fields["status"].initial = suggested.pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_fit(self, "effective_on", "effective_on_precision")
        if not cleaned.get("rationale", "").strip() and "rationale" not in self.errors:
            self.add_error("rationale", "Say why the status changes.")
        return cleaned


class ReviewForm(NoSilentCuts, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("approve_anyway", "Approve anyway"), ("reject", "Reject")]
    )
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "note" in self.errors:
            return cleaned  # too long: said on the note itself, not as a missing one
        if cleaned.get("decision") == "reject" and not cleaned.get("note", "").strip():
            raise ValidationError("Say why it is rejected, so that its author can mend it.")
        return cleaned


class RelationForm(NoSilentCuts, SubmissionMixin, forms.Form):
    """A link from the claim of the page to another: "this claim refines …"."""

    kind = forms.ChoiceField(label="This claim", choices=RelationKind.choices)
    other = ClaimField(label="Claim", help_text="Type words of the claim, or its number.")

    def __init__(self, *args: Any, claim: Claim, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claim = claim

    def clean_other(self) -> Claim:
        other: Claim = self.cleaned_data["other"]
        if other.pk == self.claim.pk:
            raise ValidationError("Pick another claim: a claim cannot be linked to itself.")
        return other


# --- Sources and actors -----------------------------------------------------------------------------


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # Seconds kept (step 1), so that saving another field does not round the time.
        super().__init__({"step": "1", **(attrs or {})}, format="%Y-%m-%dT%H:%M:%S")


def time_zone_choices() -> list[tuple[str, str]]:
    return [("", "UTC (none given)"), *((name, name) for name in sorted(zoneinfo.available_timezones()))]


class SourceForm(NoSilentCuts, SubmissionMixin, forms.ModelForm[Source]):
    """A source as an editor enters it: the publication time is typed as the
    clock read where it was published, with that place's time zone, and
    stored as an instant."""

    url = forms.URLField(
        label="URL", required=False, max_length=2000, assume_scheme="https", help_text="http or https; optional."
    )
    publisher = ActorField(
        label="Publisher", required=False, help_text="A media outlet already recorded, or add one with New actor."
    )
    published_local = forms.DateTimeField(
        label="Published at",
        required=False,
        widget=DateTimeLocalInput,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="As the clock read where it was published.",
    )
    different_source = forms.BooleanField(
        label="This is a different source with the same title", required=False, widget=forms.CheckboxInput
    )

    class Meta:
        model = Source
        fields = ["title", "url", "publisher", "byline", "published_tz", "dateline", "language", "kind", "body"]
        labels = {"url": "URL", "published_tz": "Time zone", "body": "Text"}
        help_texts = {
            "url": "http or https; optional.",
            "body": "Paste the paragraphs that hold the quotes, in any script.",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 14}), "published_tz": forms.Select}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tz_field = self.fields["published_tz"]
        tz_field.widget.choices = time_zone_choices()
        local = self.instance.published_in_zone if self.instance.pk is not None else None
        if local is not None:
            self.fields["published_local"].initial = local.replace(tzinfo=None)

    duplicate_title = False  # set when the title is already recorded: the form then offers the box

    def clean_publisher(self) -> Actor | None:
        publisher: Actor | None = self.cleaned_data.get("publisher")
        if publisher is not None and publisher.kind != Actor.Kind.MEDIA_OUTLET:
            raise ValidationError(
                f"“{publisher.name}” is recorded as {publisher.get_kind_display().lower()}, and a publisher is a "
                "media outlet: pick the outlet, or change that actor's kind on its page."
            )
        return publisher

    def clean_body(self) -> str:
        # One newline character, as the browser's text shows it: offsets of a
        # passage selected on the page then match the stored text.
        body: str = self.cleaned_data.get("body") or ""
        return body.replace("\r\n", "\n").replace("\r", "\n")

    def clean_published_tz(self) -> str:
        zone: str = self.cleaned_data.get("published_tz") or ""
        validators.time_zone(zone)
        return zone

    def clean_url(self) -> str:
        url: str = self.cleaned_data.get("url", "")
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError("Enter a web address that starts with http:// or https://.")
        if url and Source.objects.filter(url=url).exclude(pk=self.instance.pk).exists():
            other = Source.objects.filter(url=url).first()
            raise ValidationError(f"This URL is already recorded: “{other}” (source #{other.pk if other else ''}).")
        return url

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        local: datetime.datetime | None = cleaned.get("published_local")
        zone_name = cleaned.get("published_tz") or ""
        if local is not None and "published_tz" not in self.errors:
            zone = zoneinfo.ZoneInfo(zone_name) if zone_name else datetime.UTC
            if error := published_too_late(local.replace(tzinfo=zone)):
                self.add_error("published_local", error)
            else:
                self.instance.published_at = local.replace(tzinfo=zone)
        elif local is None and "published_local" not in self.errors:
            self.instance.published_at = None
        title = (cleaned.get("title") or "").strip()
        if title and not cleaned.get("different_source"):
            same = Source.objects.filter(title__iexact=title).exclude(pk=self.instance.pk).first()
            if same is not None:
                self.duplicate_title = True
                self.add_error(
                    "title",
                    f"A source with this title is already recorded (source #{same.pk}). "
                    "Use that one, or tick “This is a different source with the same title”.",
                )
        return cleaned


class ActorForm(NoSilentCuts, SubmissionMixin, forms.ModelForm[Actor]):
    parent = ActorField(
        label="Part of (parent)",
        required=False,
        help_text="The body this actor speaks for or belongs to: John Kirby is part of the White House.",
    )
    aliases = forms.CharField(
        label="Also known as",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One name a line, in any script: NIS, 국가정보원, Seoul's spy agency.",
    )

    class Meta:
        model = Actor
        fields = ["name", "short_name", "kind", "country", "parent", "wikidata_id", "description"]
        labels = {"wikidata_id": "Wikidata id"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        # A country's name typed in full is too long: say what is asked for instead.
        error_messages = {
            "country": {"max_length": "Enter the 2-letter country code, such as KR for South Korea."},
            "name": {"unique": "An actor of this name is already recorded: use that one, or give a fuller name."},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["aliases"].initial = "\n".join(self.instance.aliases.values_list("name", flat=True))

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean_wikidata_id(self) -> str:
        return (self.cleaned_data.get("wikidata_id") or "").strip().upper()

    def clean_aliases(self) -> list[str]:
        names = [line.strip() for line in (self.cleaned_data.get("aliases") or "").splitlines() if line.strip()]
        too_long = [name for name in names if len(name) > 200]
        if too_long:
            raise ValidationError(f"An alias may have up to 200 characters; “{too_long[0][:40]}…” has more.")
        return list(dict.fromkeys(names))


# --- The source workbench ------------------------------------------------------------------------------


class WorkbenchForm(NoSilentCuts, SubmissionMixin, forms.ModelForm[Attribution]):
    """An attribution recorded from a passage of a source: the source is fixed
    by the page; the claim is one already recorded, or a new one typed here."""

    claim = ClaimField(
        label="Claim", required=False, help_text="Type to search the recorded claims; or write a new one below."
    )
    new_claim = forms.CharField(
        label="Or a new claim",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One proposition, worded neutrally. Leave empty when you picked a claim above.",
    )
    actor = ActorField(label="Actor", help_text="Name, short name or alias.")
    via = ActorField(
        label="Via (intermediary)",
        required=False,
        help_text='The intermediary in reported speech: "according to Kirby", "via state media".',
    )
    # Where in the text the passage was selected (set by static/js/app.js).
    quote_at = forms.IntegerField(required=False, min_value=0, max_value=BODY_MAX, widget=forms.HiddenInput)

    class Meta:
        model = Attribution
        fields = [
            "quote",
            "actor",
            "stance",
            "certainty",
            "quote_kind",
            "via",
            "stated_on",
            "stated_on_precision",
            *FIGURE_FIELDS,
        ]
        labels = {**STATEMENT_LABELS, "quote": "Passage (quote)"}
        field_classes = {"figure": FigureField}
        help_texts = {"quote": "Select a passage in the text, or type or paste it here."}
        widgets = {"quote": forms.Textarea(attrs={"rows": 3}), "stated_on": DateInput}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_statement(self, self.source)
        claim, new_claim = cleaned.get("claim"), (cleaned.get("new_claim") or "").strip()
        if "claim" not in self.errors and "new_claim" not in self.errors:
            if claim is None and not new_claim:
                self.add_error("claim", "Pick the claim this passage is about, or write a new one.")
            elif claim is not None and new_claim:
                self.add_error("new_claim", "Pick a claim or write a new one, not both.")
            elif new_claim and (error := _same_claim(new_claim)):
                self.add_error("new_claim", error)
        return cleaned

    def __init__(self, *args: Any, source: Source | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        if source is not None and source.published_on is None:
            self.fields["stated_on"].help_text = "The date in the speaker's own place."
        elif source is not None:
            self.fields["stated_on"].help_text = "Defaults to the source's publication date, where it was published."

    def _post_clean(self) -> None:
        # The source, claim and author come from the page and the service.
        pass
