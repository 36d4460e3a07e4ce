from django.urls import path

from . import deficit_views, views

app_name = "ratings"

urlpatterns = [
    path("", views.round_list, name="round-list"),
    path("rounds/<int:round_id>/", views.rating_list, name="rating"),
    path("rounds/<int:round_id>/schools/<int:school_id>/", views.rating_detail, name="school-round"),
    path("rounds/<int:round_id>/indicators/", views.progress_list, name="indicator-progress"),
    path("rounds/<int:round_id>/correction/", views.round_correction, name="round-correction"),
    path("rounds/<int:round_id>/schools/<int:school_id>/deficits/", deficit_views.deficit_activity_add, name="deficit-add"),
    path("suggestions/", deficit_views.suggestion_list, name="suggestion-list"),
    path("suggestions/<int:pk>/delete/", deficit_views.suggestion_delete, name="suggestion-delete"),
    path("status/", views.status_list, name="status-list"),
    path("status/<int:year>/", views.status_list, name="status"),
    path("status/<int:year>/confirm/", views.status_confirm, name="status-confirm"),
]
