"""Import and export of the question bank, under /bank/import/ (namespace questionbank)."""

from django.urls import path

from questionbank import import_views

urlpatterns = [
    path("", import_views.upload, name="import-upload"),
    path("template.xlsx", import_views.template, name="import-template"),
    path("<int:pk>/", import_views.preview, name="import-preview"),
    path("<int:pk>/confirm/", import_views.confirm, name="import-confirm"),
    path("<int:pk>/cancel/", import_views.cancel, name="import-cancel"),
    path("export.xlsx", import_views.export_xlsx, name="export-xlsx"),
    path("export.gift", import_views.export_gift, name="export-gift"),
]
