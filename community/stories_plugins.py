"""What stories plug into the platform: their rules, the home page section, the moderators'
staff screens (stories, and campaign posts brought in from Mastodon and Bluesky), the
periodic pull of campaigns' hashtags, the notification topic of moderation decisions,
personal data, demo data.

Campaign posts register no personal-data hook: they belong to people on other networks,
not to accounts here; their authors ask for removal through the link each post carries."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def register() -> None:
    from civicportal.core import navigation, periodic, staff_screens
    from civicportal.core.api import schema
    from civicportal.kernel import personal_data
    from civicportal.notifications.topics import Topic, topic_register
    from community import demo_stories, rules_stories  # noqa: F401  (registers on import)
    from community.models.stories import StoryState
    from community.services import stories as services

    navigation.register_section(
        key="community-stories",
        label=_("Stories"),
        url_name="community:story-list",
        order=50,
        home_template="community/stories/_home_section.html",
    )
    topic_register(
        Topic(
            key=services.TOPIC_STORY_MODERATED,
            label=_("My stories"),
            description=_("When a moderator publishes your story, or says why not."),
        )
    )
    personal_data.register(
        "community-stories",
        export=services.stories_personal_data_export,
        erase=services.stories_personal_data_erase,
    )
    staff_screens.register(
        app_label="community",
        key="community.stories-queue",
        label=_("Stories awaiting moderation"),
        description=_("Publish or reject residents' stories; feature published ones."),
        url_name="community:staff-story-queue",
        permission="community.moderate_story",
        models=("community.story",),
        order=50,
    )
    staff_screens.register_for_object(
        model="community.story",
        key="community.story-queue",
        label=_("Open in the moderation queue"),
        url=lambda story: (
            reverse("community:staff-story-queue") if story.state == StoryState.PENDING else None
        ),
        permission="community.moderate_story",
    )
    schema.enum_name_register("StoryStateEnum", StoryState)
    staff_screens.register(
        app_label="community",
        key="community.hashtag-posts-queue",
        label=_("Campaign posts from social networks"),
        description=_(
            "Approve or reject public Mastodon and Bluesky posts carrying a campaign's "
            "hashtag; decide on their authors' removal requests."
        ),
        url_name="community:staff-hashtag-post-queue",
        permission="community.moderate_hashtag_post",
        models=("community.hashtagpost",),
        order=55,
    )
    # Every 10 minutes; expires before the next run, so a backlog never piles up runs.
    # Safe to run twice (one row per network and source id; conditional updates).
    periodic.register(
        "community-hashtag-posts-pull",
        task="community.tasks_hashtags.hashtag_posts_pull_task",
        schedule=600.0,
        options={"expires": 540},
    )
