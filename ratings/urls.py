from django.urls import include, path

from schools import views as school_views

app_name = "ratings"

urlpatterns = [
    path("", school_views.home, name="round-list"),
    path("status/", school_views.home, name="status-list"),
    # Dashboards and Excel exports (issue 6) live in their own modules.
    path("", include("ratings.report_urls")),
]
