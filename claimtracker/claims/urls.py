from django.urls import path

from claimtracker.claims import views

app_name = "claims"

urlpatterns = [
    path("claims/", views.claim_list, name="list"),
    path("claims/new/", views.claim_create, name="create"),
    path("claims/similar/", views.similar_claims, name="similar"),
    path("claims/<int:pk>/", views.claim_detail, name="detail"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="edit"),
    path("claims/<int:pk>/attributions/", views.add_attribution, name="add_attribution"),
    path("claims/<int:pk>/status-changes/", views.propose_status_change, name="propose_status_change"),
    path("review/", views.review_queue, name="review"),
    path("review/<str:kind>/<int:pk>/", views.review_item, name="review_item"),
    path("actors/", views.actor_list, name="actor_list"),
    path("actors/<int:pk>/", views.actor_detail, name="actor_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("lookup/<str:kind>/", views.lookup, name="lookup"),
]
