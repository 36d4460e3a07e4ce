from django.urls import path

from schools import views as school_views

app_name = "surveys"

urlpatterns = [
    path("", school_views.home, name="round-list"),
    path("my-school/", school_views.home, name="my-school"),
]
