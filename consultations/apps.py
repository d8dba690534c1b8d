"""Public consultations: questionnaires and draft documents."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _paragraph_can_view(user, paragraph) -> bool:
    """A paragraph is seen (and commented on) by whoever may see its consultation."""
    from django.contrib.auth.models import AnonymousUser

    consultation = paragraph.section.draft.consultation
    return (user or AnonymousUser()).has_perm("consultations.view_consultation", consultation)


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        from civicportal.core import navigation, periodic, targets
        from civicportal.kernel import personal_data
        from civicportal.notifications.topics import Topic, topic_register
        from consultations import jobs  # noqa: F401  (registers its background job)
        from consultations.models import Paragraph
        from consultations.personal_data import (
            consultations_personal_data_erase,
            consultations_personal_data_export,
        )
        from consultations.roles import register_roles
        from consultations.staff_screens import register_staff_screens

        navigation.register_section(
            key="consultations",
            label=_("Consultations"),
            url_name="consultations:consultation-list",
            order=20,
            home_template="consultations/_home_section.html",
        )
        register_roles()
        register_staff_screens()
        # Residents comment on each paragraph of a draft; staff reply in the same thread.
        targets.register(Paragraph, comments=True, follows=True, can_view=_paragraph_can_view)
        topic_register(
            Topic(
                key="consultations.opened",
                label=_("New consultations in my area"),
                description=_("When the council opens a consultation in your area or city-wide."),
            )
        )
        topic_register(
            Topic(
                key="consultations.results_published",
                label=_("Results of consultations I answered"),
                description=_("When the council publishes the results of a consultation."),
            )
        )
        personal_data.register(
            "consultations",
            export=consultations_personal_data_export,
            erase=consultations_personal_data_erase,
        )
        # Residents hear of consultations opening in their area (safe to run twice).
        periodic.register(
            "consultations-announce-opened",
            task="consultations.tasks.consultations_announce_opened_task",
            schedule=300.0,
            options={"expires": 290},
        )
        # What staff may announce on the council's social accounts.
        from consultations.shareables import register_shareables

        register_shareables()
