from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("districts/search/", views.district_search, name="district-search"),
    path("import/", views.import_upload, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import-template"),
    path("import/<str:token>/", views.import_preview, name="import-preview"),
    path("import/<str:token>/done/", views.import_done, name="import-done"),
    path("import/<str:token>/logins.xlsx", views.import_credentials, name="import-credentials"),
]
