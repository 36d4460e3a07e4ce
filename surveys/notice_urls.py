from django.urls import path

from . import notice_views

app_name = "notices"

urlpatterns = [
    path("", notice_views.notice_list, name="list"),
    path("count/", notice_views.notice_count, name="count"),
    path("read-all/", notice_views.notice_read_all, name="read-all"),
    path("settings/", notice_views.notice_settings, name="settings"),
    path("<int:notice_id>/open/", notice_views.notice_open, name="open"),
]
