from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.roadmap_list, name="roadmap-list"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("<int:pk>/", views.roadmap_detail, name="roadmap-detail"),
    path("results/<int:pk>/", views.key_result_detail, name="keyresult-detail"),
    path("results/<int:pk>/events/", views.event_create, name="event-create"),
    path("results/<int:pk>/completed/", views.key_result_completed, name="keyresult-completed"),
    path("events/<int:pk>/delete/", views.event_delete, name="event-delete"),
    path("events/<int:pk>/document/", views.event_document, name="event-document"),
    path("plans/", views.plan_attention, name="plan-attention"),
    path("<int:pk>/plan/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/next-period/", views.roadmap_next_period, name="roadmap-next-period"),
    path("<int:pk>/plan/indicators/<int:indicator_pk>/", views.plan_indicator, name="plan-indicator"),
    path("<int:pk>/plan/<str:kind>/<int:line_pk>/", views.plan_line, name="plan-line"),
    path("<int:pk>/plan/<str:kind>/<int:line_pk>/report/", views.plan_line_report, name="plan-line-report"),
    path("plan-reports/<int:pk>/review/", views.plan_report_review, name="plan-report-review"),
    path("plan-reports/<int:pk>/document/", views.plan_report_document, name="plan-report-document"),
]
