"""templates/django/forms/widgets/ writes options in place (faster); the markup
must stay what Django's own widget templates write."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.forms.widgets import Widget

from claimtracker.claims.forms import AttributionForm, StatusChangeForm
from claimtracker.claims.models import Claim
from claimtracker.lib import choices

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
            # Django's own templates, whatever writes ours (lib/choices writes the claim's lists in Python).
            context = widget.get_context(bound.html_name, value, attrs)
            stock = Widget._render(widget, widget.template_name, context, DjangoTemplates())
            assert squeeze(ours) == squeeze(stock), bound.name
            compared += 1
    assert compared >= 6  # stance, certainty, quote kind, precision, status, evidence, corrects...


@pytest.mark.parametrize(
    "stock, ours", [(forms.Select, choices.Select), (forms.CheckboxSelectMultiple, choices.CheckboxSelectMultiple)]
)
@pytest.mark.parametrize(
    "attrs", [{"id": "id_x", "class": "wide", "required": True, "disabled": False, "data-note": 'a "b" <c>'}, {}]
)
def test_choice_widgets_written_in_python_write_djangos_markup(stock: type, ours: type, attrs: dict) -> None:
    """The very markup of the project's templates, escaped alike, with groups, choices chosen and none."""
    options = [
        ("", "---------"),
        ("7", 'Kim <b>"Jong-gyu"</b> & co'),
        ("Group <one>", [("8", "eight"), ("9 & 10", "nine")]),
        (11, "eleven"),
    ]
    for value in (None, ["7"], ["9 & 10", "11"]):
        drawn = [
            kind(attrs=attrs, choices=options).render("evi<dence>", value, renderer=TemplatesSetting())
            for kind in (stock, ours)
        ]
        assert drawn[1] == drawn[0]
    assert "&lt;b&gt;&quot;Jong-gyu&quot;&lt;/b&gt; &amp; co" in drawn[1]
