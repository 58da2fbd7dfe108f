from django.urls import path

from questionbank import views

urlpatterns = [
    path("", views.question_list, name="list"),
    path("new/", views.question_create, name="create"),
    path("bulk/", views.question_bulk, name="bulk"),
    path("counts/", views.question_counts, name="counts"),
    path("topics/new/", views.topic_create, name="topic-create"),
    path("<int:pk>/", views.question_detail, name="detail"),
    path("<int:pk>/edit/", views.question_edit, name="edit"),
    path("<int:pk>/preview/", views.question_preview, name="preview"),
    path("<int:pk>/<slug:action>/", views.question_transition, name="transition"),
]
