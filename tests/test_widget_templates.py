"""templates/django/forms/widgets/ writes options in place (faster); the markup
must stay what Django's own widget templates write."""

import re

import pytest
from django.forms.renderers import DjangoTemplates, TemplatesSetting

from claimtracker.claims.forms import AttributionForm, StatusChangeForm
from claimtracker.claims.models import Claim

pytestmark = pytest.mark.django_db


def squeeze(html: str) -> str:
    # Whitespace runs are one space to a browser; between tags, none.
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def test_choice_widgets_render_as_djangos_own(demo: None) -> None:
    claim = Claim.objects.get(text="North Korea has sent troops to Russia")
    forms = [AttributionForm(), StatusChangeForm(claim=claim)]
    compared = 0
    for form in forms:
        for bound in form:
            widget = bound.field.widget
            if not hasattr(widget, "optgroups"):
                continue
            attrs = widget.build_attrs(widget.attrs, {"id": bound.auto_id})
            value = bound.value() or ([next(iter(bound.field.choices))[0]] if bound.field.choices else None)
            ours = widget.render(bound.html_name, value, attrs, renderer=TemplatesSetting())
            stock = widget.render(bound.html_name, value, attrs, renderer=DjangoTemplates())
            assert squeeze(ours) == squeeze(stock), bound.name
            compared += 1
    assert compared >= 6  # stance, certainty, quote kind, precision, status, evidence, corrects...
