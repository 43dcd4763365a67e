from django.urls import path

from claimtracker.claims.views import actors, claims, mine, review, sources

app_name = "claims"

urlpatterns = [
    path("claims/", claims.claim_list, name="list"),
    path("claims/new/", claims.claim_create, name="create"),
    path("claims/similar/", claims.similar_claims, name="similar"),
    path("claims/<int:pk>/", claims.claim_detail, name="detail"),
    path("claims/<int:pk>/edit/", claims.claim_edit, name="edit"),
    path("claims/<int:pk>/attributions/", claims.add_attribution, name="add_attribution"),
    path("claims/<int:pk>/status-changes/", claims.propose_status_change, name="propose_status_change"),
    path("claims/<int:pk>/publish/", claims.publish_claim, name="publish"),
    path("claims/<int:pk>/unpublish/", claims.unpublish_claim, name="unpublish"),
    path("claims/<int:pk>/relations/", claims.add_relation, name="add_relation"),
    path("claims/<int:pk>/relations/<int:relation_pk>/remove/", claims.remove_relation, name="remove_relation"),
    path("review/", review.review_queue, name="review"),
    path("review/<str:kind>/<int:pk>/", review.review_item, name="review_item"),
    path("mine/", mine.my_work, name="mine"),
    path("mine/<str:kind>/<int:pk>/edit/", mine.edit_entry, name="edit_entry"),
    path("mine/<str:kind>/<int:pk>/withdraw/", mine.withdraw_entry, name="withdraw_entry"),
    path("attributions/<int:pk>/correct/", mine.correct_attribution, name="correct_attribution"),
    path("actors/", actors.actor_list, name="actor_list"),
    path("actors/new/", actors.actor_create, name="actor_create"),
    path("actors/similar/", actors.similar_actors, name="similar_actors"),
    path("actors/<int:pk>/", actors.actor_detail, name="actor_detail"),
    path("actors/<int:pk>/edit/", actors.actor_edit, name="actor_edit"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/new/", sources.source_create, name="source_create"),
    path("sources/similar/", sources.similar_sources, name="similar_sources"),
    path("sources/<int:pk>/", sources.source_detail, name="source_detail"),
    path("sources/<int:pk>/edit/", sources.source_edit, name="source_edit"),
    path("sources/<int:pk>/attributions/", sources.record_from_source, name="record_from_source"),
    path("lookup/<str:kind>/", claims.lookup, name="lookup"),
]
