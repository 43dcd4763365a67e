"""Sources: the articles, reports and statements attributions quote."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from claimtracker.claims import services
from claimtracker.claims.admin.common import ChecksIds, ImportThroughServices, SubmitOnce, _user
from claimtracker.claims.models import Source
from claimtracker.exports.resources import SourceResource


@admin.register(Source)
class SourceAdmin(ChecksIds, SubmitOnce, ImportThroughServices, SimpleHistoryAdmin):
    resource_classes = [SourceResource]
    list_display = ["title", "publisher", "published_at", "kind", "language", "dateline"]
    list_filter = ["kind", "language", "publisher"]
    search_fields = ["title", "url", "byline", "dateline", "publisher__name"]
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published_at"
    list_select_related = ["publisher"]
    # A URL typed without a scheme ("yna.co.kr/...") is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Source, form: forms.ModelForm[Any], change: bool) -> None:
        services.save_source(obj, by=_user(request))
