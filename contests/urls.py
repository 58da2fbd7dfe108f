"""Every /contests/ page, in the `contests` namespace: each package lists its
own paths, included here in order. The quiz package comes last: its contest
slug (`<slug:slug>/`) catches every single segment the others do not use."""

from django.urls import include, path

app_name = "contests"
urlpatterns = [
    path("", include("contests.setup.urls")),
    path("", include("contests.live.urls")),
    path("", include("contests.results.urls")),
    path("", include("contests.reports.urls")),
    path("", include("contests.quiz.urls")),
]
