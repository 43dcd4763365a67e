"""Actors and their aliases."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from claimtracker.claims import services
from claimtracker.claims.admin.common import ChecksIds, ImportThroughServices, SubmitOnce, _user
from claimtracker.claims.models import Actor, ActorAlias
from claimtracker.exports.resources import ActorResource


class ActorAliasInline(ChecksIds, admin.TabularInline[ActorAlias, Actor]):
    model = ActorAlias
    extra = 1


@admin.register(Actor)
class ActorAdmin(ChecksIds, SubmitOnce, ImportThroughServices, SimpleHistoryAdmin):
    resource_classes = [ActorResource]
    list_display = ["name", "short_name", "kind", "country", "parent", "wikidata_id"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "short_name", "aliases__name", "wikidata_id", "description"]
    autocomplete_fields = ["parent"]
    inlines = [ActorAliasInline]
    list_select_related = ["parent"]

    def save_model(self, request: HttpRequest, obj: Actor, form: forms.ModelForm[Any], change: bool) -> None:
        services.save_actor(obj, by=_user(request))


@admin.register(ActorAlias)
class ActorAliasAdmin(ChecksIds, SubmitOnce, SimpleHistoryAdmin):
    list_display = ["name", "actor"]
    search_fields = ["name", "actor__name"]
    autocomplete_fields = ["actor"]
    list_select_related = ["actor"]
