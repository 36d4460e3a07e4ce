from django.urls import path

from . import report_views

urlpatterns = [
    path("dashboard/", report_views.dashboard_view, name="dashboard"),
    path("exports/", report_views.export_list, name="export-list"),
    path("exports/<slug:kind>/", report_views.export_create, name="export-create"),
    path("exports/jobs/<int:pk>/", report_views.export_job, name="export-job"),
    path("exports/jobs/<int:pk>/status/", report_views.export_job_status, name="export-job-status"),
    path("exports/jobs/<int:pk>/download/", report_views.export_job_download, name="export-job-download"),
]
