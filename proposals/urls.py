from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("", views.IdeaListView.as_view(), name="idea-list"),
    path("new/", views.IdeaCreateView.as_view(), name="idea-create"),
    path("similar/", views.SimilarIdeasView.as_view(), name="idea-similar"),
    path("forwarded/", views.ForwardedView.as_view(), name="forwarded"),
    path("<int:pk>/", views.IdeaDetailView.as_view(), name="idea-detail"),
    path("<int:pk>/vote/", views.IdeaVoteView.as_view(), name="idea-vote"),
    path("<int:pk>/points/", views.PointCreateView.as_view(), name="point-create"),
    path("points/<int:pk>/rate/", views.PointRateView.as_view(), name="point-rate"),
]
