from django.urls import path

from community.views import stories as story_views

app_name = "community"

urlpatterns: list = [
    # Stories (civic pride).
    path("community/stories/", story_views.StoryListView.as_view(), name="story-list"),
    path("community/stories/new/", story_views.StoryCreateView.as_view(), name="story-create"),
    path("community/stories/mine/", story_views.MyStoriesView.as_view(), name="story-mine"),
    path("community/stories/feed/", story_views.StoryFeed(), name="story-feed"),
    path("community/stories/<int:pk>/", story_views.StoryDetailView.as_view(), name="story-detail"),
    path(
        "community/stories/<int:pk>/thank/",
        story_views.StoryThankView.as_view(),
        name="story-thank",
    ),
    path(
        "community/campaigns/<slug:slug>/",
        story_views.CampaignDetailView.as_view(),
        name="campaign-detail",
    ),
    path(
        "staff/community/stories/",
        story_views.StoryQueueView.as_view(),
        name="staff-story-queue",
    ),
    path(
        "staff/community/stories/<int:pk>/moderate/",
        story_views.StoryModerateView.as_view(),
        name="staff-story-moderate",
    ),
    path(
        "staff/community/stories/<int:pk>/feature/",
        story_views.StoryFeatureView.as_view(),
        name="staff-story-feature",
    ),
]
