from django.urls import include, path

app_name = "questionbank"
urlpatterns = [
    path("import/", include("questionbank.import_urls")),
    path("", include("questionbank.bank_urls")),
]
