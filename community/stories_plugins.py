"""What stories plug into the platform: their rules, the home page section, the moderators'
staff screen, the notification topic of moderation decisions, personal data, demo data."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def register() -> None:
    from civicportal.core import navigation, staff_screens
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
