"""The words admins may change: statuses and topics, each with its history of edits."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from claimtracker.claims import services
from claimtracker.claims.admin.common import ChecksIds, SubmitOnce
from claimtracker.claims.models import Status, Topic


@admin.register(Status)
class StatusAdmin(ChecksIds, SubmitOnce, SimpleHistoryAdmin):
    list_display = ["label", "slug", "verdict", "color", "order"]
    list_editable = ["color", "order"]
    prepopulated_fields = {"slug": ["label"]}

    def save_model(self, request: HttpRequest, obj: Status, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "verdict" in form.changed_data:  # when forecasts came true may move
            services.refresh_claims_with_status(obj)


@admin.register(Topic)
class TopicAdmin(ChecksIds, SubmitOnce, SimpleHistoryAdmin):
    list_display = ["name", "slug", "claim_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        queryset: QuerySet[Topic] = super().get_queryset(request)
        return queryset.annotate(claim_count=Count("claims"))

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, obj: Topic) -> int:
        return obj.claim_count  # type: ignore[attr-defined,no-any-return]
