from django.urls import path

from . import report_views

urlpatterns = [
    path("dashboard/", report_views.dashboard_view, name="dashboard"),
    path("exports/", report_views.dashboard_view, name="export-list"),
]
