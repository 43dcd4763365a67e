from django.urls import path

from claimtracker.exports import views

app_name = "exports"

urlpatterns = [
    path("claims/export.csv", views.export_csv, name="claims_csv"),
    path("claims/export.xlsx", views.export_xlsx, name="claims_xlsx"),
    path("claims/<int:pk>/timeline.csv", views.timeline_csv, name="timeline_csv"),
    path("claims/<int:pk>/timeline.json", views.timeline_json, name="timeline_json"),
    path("claims/<int:pk>/timeline.xlsx", views.timeline_xlsx, name="timeline_xlsx"),
]
