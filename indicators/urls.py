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
]
