from django.urls import path

from community.api import stories

app_name = "community"

urlpatterns: list = [
    path("stories/", stories.StoryListApi.as_view(), name="story-list"),
    path("stories/<int:pk>/", stories.StoryDetailApi.as_view(), name="story-detail"),
    path("stories/<int:pk>/thank/", stories.StoryThankApi.as_view(), name="story-thank"),
    path("stories/campaigns/", stories.CampaignListApi.as_view(), name="campaign-list"),
    path(
        "stories/campaigns/<slug:slug>/",
        stories.CampaignDetailApi.as_view(),
        name="campaign-detail",
    ),
]
