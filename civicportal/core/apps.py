from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as StaticFilesConfigBase
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    # Two configs live in this module: without ``default`` Django would pick neither.
    default = True
    name = "civicportal.core"
    label = "core"
    verbose_name = _("Participation core")

    def ready(self) -> None:
        from civicportal.core import (  # noqa: F401  (system checks)
            checks,
            selectors,
            services,
            staff_screens,
            targets,
        )
        from civicportal.core.images import pillow_configure
        from civicportal.core.models import Comment
        from civicportal.kernel import personal_data
        from civicportal.kernel.validators import install as text_fields_refuse_control_characters
        from civicportal.notifications.topics import Topic, topic_register

        # Every form and API text field refuses control characters; Pillow's own limit on
        # pixels is ours (docs/specification.md §10).
        text_fields_refuse_control_characters()
        pillow_configure()

        # A comment can be reported like any item; it is commented on through its thread.
        # It is seen by whoever may see it and the item it is on (selectors.comment_visible).
        targets.register(
            Comment, comments=False, follows=False, flags=True, can_view=selectors.comment_visible
        )
        # Imports, exports and tallies run as the kernel's background jobs; staff follow
        # theirs here (the kernel knows no staff screens: they are a registry of this floor).
        staff_screens.register(
            app_label="kernel",
            key="kernel.jobs",
            label=_("Your background jobs"),
            description=_("Imports, exports and tallies you started: progress, results, cancel."),
            url_name="kernel:job-list",
            permission="accounts.view_admin",
        )
        personal_data.register(
            "participation",
            export=selectors.core_personal_data_export,
            erase=services.core_personal_data_erase,
        )
        # Replies to a resident's comments, and new comments on what they follow
        # (services.comments.comment_announce).
        topic_register(
            Topic(
                key=services.comments.TOPIC_REPLY,
                label=_("Replies to my comments"),
                description=_("When someone answers a comment you wrote."),
            )
        )
        topic_register(
            Topic(
                key=services.comments.TOPIC_FOLLOWED,
                label=_("New comments on what I follow"),
                description=_("When someone comments on an idea or a paragraph you follow."),
            )
        )
        # Moderators' decisions are told to the author whatever their preferences (they
        # concern their own account), so the topic is not offered on the preferences page.
        topic_register(
            Topic(
                key="moderation.decision",
                label=_("Moderators' decisions about what you post"),
                default_channels=("email", "inbox"),
                channels=("email", "inbox"),
                internal=True,
            )
        )


class StaticFilesConfig(StaticFilesConfigBase):
    """collectstatic without the npm tree: vendor files are mapped in STATICFILES_DIRS."""

    ignore_patterns = [*StaticFilesConfigBase.ignore_patterns, "node_modules", "package*.json"]
