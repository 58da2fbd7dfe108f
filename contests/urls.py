from django.urls import include, path

app_name = "contests"
urlpatterns = [
    path("organize/", include("contests.organizer_urls")),
    path("boards/", include("contests.board_urls")),
    path("results/", include("contests.award_urls")),
    path("", include("contests.participant_urls")),
]
