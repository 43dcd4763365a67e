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
