"""Choice fields over querysets that list their choices with one plain query,
once a form.

Django's ModelChoiceIterator walks the queryset with QuerySet.iterator(), which
on PostgreSQL opens a server-side cursor: DECLARE ... WITH HOLD, FETCH, CLOSE,
three round trips and a materialised result, for lists of a few dozen rows. A
claim page with four such lists spent more time on them than on its timeline.
"""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class Choices(ModelChoiceIterator):
    """Reads its rows once: a required <select> walks its choices twice as it
    renders (``use_required_attribute``, then the options). Each form gets its
    own (Django copies a form's fields for each form), so rows are never kept
    past the request that drew them. Rows the view has read already, or a
    lazy read of them, can be given to the field (``field.rows``): they are
    offered as they are."""

    _rows: list[Any] | None = None

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self._rows is None:
            given = getattr(self.field, "rows", None)
            self._rows = list(self.queryset.all()) if given is None else list(given)
        for obj in self._rows:
            yield self.choice(obj)


class _RefusesHugeIds(forms.ModelChoiceField):  # type: ignore[type-arg]
    """SQLite raises OverflowError (not the ValueError Django's fields catch) for an
    id beyond 64 bits, such as a typed "99999999999999999999": a refusal, not a 500."""

    def clean(self, value: Any) -> Any:
        try:
            return super().clean(value)
        except OverflowError:
            raise ValidationError("Select a valid choice: no entry has that number.", code="invalid_choice") from None


class ModelChoiceField(_RefusesHugeIds):
    iterator = Choices


class ModelMultipleChoiceField(_RefusesHugeIds, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    iterator = Choices


# --- Choice widgets written in Python ---------------------------------------------------------------
# A claim page offers its latest entries as evidence (checkboxes) and as the change to correct (a select):
# lists drawn for each claim, which the template engine drew in 4-5 ms of a first view's CPU, a variable
# at a time. These write the markup of the templates (templates/django/forms/widgets/, Django's own but
# for whitespace between tags) in Python, escaped as the templates escape; tests hold them to Django's.


def _attrs(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: each attribute but those False, a True one bare."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


class Select(forms.Select):
    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> SafeString:
        widget = context["widget"]
        out = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group, options, _ in widget["optgroups"]:
            if group:
                out.append(format_html('\n  <optgroup label="{}">', group))
            for option in options:
                out.append(format_html('\n  <option value="{}"', option["value"]))
                out += [_attrs(option["attrs"]), format_html(">{}</option>", option["label"])]
            if group:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> SafeString:
        widget = context["widget"]
        out = ["<div", format_html(' id="{}"', widget["attrs"]["id"]) if widget["attrs"].get("id") else ""]
        if widget["attrs"].get("class"):
            out.append(format_html(' class="{}"', widget["attrs"]["class"]))
        out.append(">")
        for group, options, _ in widget["optgroups"]:
            if group:
                out.append(format_html("\n  <div><label>{}</label>", group))
            for option in options:
                out.append("<div>\n    ")
                if option["wrap_label"]:
                    labelled = option["attrs"].get("id")
                    out.append(format_html('<label for="{}">', labelled) if labelled else "<label>")
                out.append(format_html('<input type="{}" name="{}"', option["type"], option["name"]))
                if option["value"] is not None:
                    out.append(format_html(' value="{}"', option["value"]))
                out += [_attrs(option["attrs"]), ">"]
                if option["wrap_label"]:
                    out.append(format_html(" {}</label>", option["label"]))
                out.append("</div>")
            if group:
                out.append("\n  </div>")
        out.append("\n</div>")
        return mark_safe("".join(out))
