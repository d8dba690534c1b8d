"""Ideas residents propose, support, oppose and argue for and against."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _point_can_view(user, point) -> bool:
    return point.idea.is_visible


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Idea proposals")

    def ready(self) -> None:
        from celery.schedules import crontab

        from civicportal.core import navigation, periodic, targets
        from civicportal.core.api import schema
        from civicportal.kernel import personal_data
        from civicportal.notifications.topics import Topic, topic_register
        from proposals import services
        from proposals.models import Idea, IdeaStatus, Point

        targets.register(Idea)
        # A point is seen (and reported) only while its idea is shown too.
        targets.register(Point, comments=False, follows=False, can_view=_point_can_view)
        navigation.register_section(
            key="proposals",
            label=_("Ideas"),
            url_name="proposals:idea-list",
            order=10,
            home_template="proposals/_home_section.html",
        )
        personal_data.register(
            "proposals",
            export=services.proposals_personal_data_export,
            erase=services.proposals_personal_data_erase,
        )
        topic_register(
            Topic(
                key=services.council.TOPIC_STATUS_CHANGED,
                label=_("Answers to ideas I voted on or follow"),
                description=_(
                    "When the council changes the status of an idea you supported, opposed "
                    "or follow, with its official response."
                ),
            )
        )
        topic_register(
            Topic(
                key=services.council.TOPIC_FORWARDED,
                label=_("Ideas forwarded to the council (staff)"),
                description=_(
                    "When residents' most supported ideas move to review and wait for an answer."
                ),
                audience=services.forwarding.is_forwarding_recipient,
            )
        )
        # Forward the period's top ideas and those past the support threshold (the top
        # ideas once per PROPOSALS_FORWARD_PERIOD), archive inactive ones. Both are safe to
        # run twice.
        periodic.register(
            "proposals-ideas-forward",
            task="proposals.tasks.ideas_forward_task",
            schedule=crontab(hour=4, minute=10),
        )
        periodic.register(
            "proposals-ideas-archive-inactive",
            task="proposals.tasks.ideas_archive_inactive_task",
            schedule=crontab(hour=4, minute=40),
        )
        schema.enum_name_register("IdeaStatusEnum", IdeaStatus)
        # What staff may announce on the council's social accounts.
        from proposals.shareables import register_shareables

        register_shareables()
