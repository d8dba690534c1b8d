from django.urls import path

from community.api import events as event_api
from community.api import stories

app_name = "community"

urlpatterns: list = [
    path("events/", event_api.EventListApi.as_view(), name="event-list"),
    path("events/<int:pk>/", event_api.EventDetailApi.as_view(), name="event-detail"),
    path("events/<int:pk>/sign-up/", event_api.EventSignupApi.as_view(), name="event-signup"),
    path(
        "events/<int:pk>/sign-up/cancel/",
        event_api.EventSignupCancelApi.as_view(),
        name="event-signup-cancel",
    ),
    path("stories/", stories.StoryListApi.as_view(), name="story-list"),
    path("stories/<int:pk>/", stories.StoryDetailApi.as_view(), name="story-detail"),
    path("stories/<int:pk>/thank/", stories.StoryThankApi.as_view(), name="story-thank"),
    path("stories/pending/", stories.StoryPendingListApi.as_view(), name="story-pending"),
    path("stories/<int:pk>/publish/", stories.StoryPublishApi.as_view(), name="story-publish"),
    path("stories/<int:pk>/reject/", stories.StoryRejectApi.as_view(), name="story-reject"),
    path("stories/<int:pk>/feature/", stories.StoryFeatureApi.as_view(), name="story-feature"),
    path("stories/campaigns/", stories.CampaignListApi.as_view(), name="campaign-list"),
    path(
        "stories/campaigns/<slug:slug>/",
        stories.CampaignDetailApi.as_view(),
        name="campaign-detail",
    ),
]
