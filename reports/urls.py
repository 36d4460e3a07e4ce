from django.urls import path

from . import views

app_name = "reports"

# Mounted at the site's root: the pages keep the addresses they had before the reports app existed.
urlpatterns = [
    path("schools/<int:pk>/", views.school_card, name="school-card"),
    path("schools/<int:pk>/passport.<slug:fmt>", views.school_passport, name="school-passport"),
    path("ratings/dashboard/", views.dashboard_view, name="dashboard"),
    path("ratings/exports/", views.export_list, name="export-list"),
    path("ratings/exports/<slug:kind>/", views.export_create, name="export-create"),
    path("ratings/exports/jobs/<int:pk>/", views.export_job, name="export-job"),
    path("ratings/exports/jobs/<int:pk>/status/", views.export_job_status, name="export-job-status"),
    path("ratings/exports/jobs/<int:pk>/download/", views.export_job_download, name="export-job-download"),
    path("ratings/status/<int:year>/<slug:kind>.docx", views.status_document, name="status-document"),
    path("document-templates/<slug:kind>.docx", views.document_template_default, name="document-template-default"),
]
