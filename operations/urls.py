from django.urls import path

from . import views

app_name = "operations"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("operations/health/", views.health_page, name="health-page"),
    path("accounts/personal-data/", views.personal_data_notice, name="personal-data-notice"),
    path("operations/people/", views.people, name="people"),
    path("operations/people/<int:pk>/", views.person, name="person"),
    path("operations/people/<int:pk>/export.json", views.person_export, name="person-export"),
    path("operations/people/<int:pk>/anonymise/", views.person_anonymise_view, name="person-anonymise"),
    path("operations/acts/<int:pk>.docx", views.act_document, name="act-document"),
]
