"""/api/v1/: the read API, its OpenAPI schema and its docs page.

Every view here is marked @login_not_required: the API answers anonymous
callers itself (published claims only, claimtracker.api.views) and says 401,
not a redirect to the login page, to a program without a key.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from claimtracker.api import views

app_name = "api"

urlpatterns = [
    path("claims/", login_not_required(views.ClaimList.as_view()), name="claims"),
    path("claims/<int:pk>/", login_not_required(views.ClaimDetail.as_view()), name="claim"),
    path("actors/", login_not_required(views.ActorList.as_view()), name="actors"),
    path("actors/<int:pk>/", login_not_required(views.ActorDetail.as_view()), name="actor"),
    path("sources/", login_not_required(views.SourceList.as_view()), name="sources"),
    path("sources/<int:pk>/", login_not_required(views.SourceDetail.as_view()), name="source"),
    # JSON only, so that its errors are JSON like every other answer here.
    path("schema/", login_not_required(SpectacularJSONAPIView.as_view()), name="schema"),
    path("docs/", login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    # Any other address under /api/v1/ (a mistyped path, a non-number id) is answered in JSON too.
    re_path(r"^", login_not_required(views.NoSuchAddress.as_view()), name="not_found"),
]
