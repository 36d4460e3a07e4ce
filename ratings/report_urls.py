from django.urls import path

from schools import views as school_views

urlpatterns = [
    path("dashboard/", school_views.home, name="dashboard"),
]
