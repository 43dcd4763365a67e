from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from claimtracker.claims.views import public
from claimtracker.claims.views.claims import healthz

public_urls = (
    [
        path("", public.public_list, name="list"),
        path("claims/<int:pk>/", public.public_claim, name="claim"),
    ],
    "public",
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:list", permanent=False), name="home"),
    path("", include("claimtracker.claims.urls")),
    path("", include("claimtracker.exports.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Published fact-checks, for anyone (claims/views/public.py).
    path("public/", include(public_urls)),
    path("sitemap.xml", public.public_sitemap, name="sitemap"),
    # The read API, its schema and docs (claimtracker/api).
    path("api/v1/", include("claimtracker.api.urls")),
    # Browsers ask for it on pages that name no icon (the admin's).
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=f"{settings.STATIC_URL}images/favicon.svg", permanent=True)),
        name="favicon",
    ),
]
