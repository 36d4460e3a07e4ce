from django.urls import path

from . import views

app_name = "operations"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("operations/health/", views.health_page, name="health-page"),
]
