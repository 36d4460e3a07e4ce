from django.urls import path

from schools import views as school_views

app_name = "ratings"

urlpatterns = [
    path("", school_views.home, name="round-list"),
    path("dashboard/", school_views.home, name="dashboard"),
    path("status/", school_views.home, name="status-list"),
]
