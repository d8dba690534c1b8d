from django.urls import path

from community.views import events as event_views
from community.views import hashtag_posts as hashtag_views
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
        "community/campaigns/<slug:slug>/posts/<int:pk>/ask-for-removal/",
        hashtag_views.HashtagPostRemovalRequestView.as_view(),
        name="hashtag-post-removal",
    ),
    path(
        "staff/community/campaign-posts/",
        hashtag_views.HashtagPostQueueView.as_view(),
        name="staff-hashtag-post-queue",
    ),
    path(
        "staff/community/campaign-posts/<int:pk>/moderate/",
        hashtag_views.HashtagPostModerateView.as_view(),
        name="staff-hashtag-post-moderate",
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
urlpatterns += [
    # Events and community initiatives.
    path("events/", event_views.EventListView.as_view(), name="event-list"),
    path("events/new/", event_views.EventCreateView.as_view(), name="event-create"),
    path("events/calendar.ics", event_views.EventFeedView.as_view(), name="event-feed"),
    path(
        "events/month/<int:year>/<int:month>/",
        event_views.EventMonthView.as_view(),
        name="event-month",
    ),
    path("events/<int:pk>/", event_views.EventDetailView.as_view(), name="event-detail"),
    path("events/<int:pk>/event.ics", event_views.EventIcsView.as_view(), name="event-ics"),
    path("events/<int:pk>/edit/", event_views.EventUpdateView.as_view(), name="event-update"),
    path("events/<int:pk>/sign-up/", event_views.EventSignupView.as_view(), name="event-signup"),
    path(
        "events/<int:pk>/sign-up/cancel/",
        event_views.EventSignupCancelView.as_view(),
        name="event-signup-cancel",
    ),
    path("events/<int:pk>/publish/", event_views.EventPublishView.as_view(), name="event-publish"),
    path("events/<int:pk>/reject/", event_views.EventRejectView.as_view(), name="event-reject"),
    path("events/<int:pk>/manage/", event_views.EventManageView.as_view(), name="event-manage"),
    path(
        "events/<int:pk>/manage/message/",
        event_views.EventMessageView.as_view(),
        name="event-message",
    ),
    path(
        "events/<int:pk>/manage/cancel/", event_views.EventCancelView.as_view(), name="event-cancel"
    ),
    path(
        "events/<int:pk>/manage/outcome/",
        event_views.EventOutcomeView.as_view(),
        name="event-outcome",
    ),
    path(
        "events/<int:pk>/manage/outcome/story/",
        event_views.EventOutcomeStoryView.as_view(),
        name="event-outcome-story",
    ),
    path(
        "events/<int:pk>/manage/check-in/<int:signup_pk>/",
        event_views.EventCheckInView.as_view(),
        name="event-check-in",
    ),
]
