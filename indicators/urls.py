from django.urls import path

from schools import views as school_views

app_name = "indicators"

urlpatterns = [
    path("", school_views.home, name="roadmap-list"),
]
