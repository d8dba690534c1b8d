"""Budget processes, projects, ballots and tallies."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetingConfig(AppConfig):
    name = "budgeting"
    verbose_name = _("Participatory budgeting")

    def ready(self) -> None:
        from budgeting import jobs  # noqa: F401  (registers its background jobs)
        from budgeting.roles import register_roles
        from budgeting.services import (
            budgeting_personal_data_erase,
            budgeting_personal_data_export,
        )
        from budgeting.staff_screens import register_staff_screens
        from civicportal.core import navigation, periodic
        from civicportal.kernel import personal_data
        from civicportal.notifications.topics import Topic, topic_register

        navigation.register_section(
            key="budgeting",
            label=_("Budget"),
            url_name="budgeting:process-list",
            order=30,
            home_template="budgeting/_home_section.html",
        )
        register_roles()
        register_staff_screens()
        personal_data.register(
            "budgeting",
            export=budgeting_personal_data_export,
            erase=budgeting_personal_data_erase,
        )
        topic_register(
            Topic(
                key="budgeting.voting_opened",
                label=_("Budget votes opening"),
                description=_("When voting opens on a budget you can vote on."),
            )
        )
        topic_register(
            Topic(
                key="budgeting.results_published",
                label=_("Results of budget votes I voted in"),
                description=_("When the results of a budget you voted on are published."),
            )
        )
        topic_register(
            Topic(
                key="budgeting.project_reviewed",
                label=_("Reviews of my budget projects"),
                description=_(
                    "When council staff decide whether a project you put forward is feasible."
                ),
            )
        )
        # Budget processes move to their next phase when a date passes (safe to run twice).
        periodic.register(
            "budgeting-processes-advance-due",
            task="budgeting.tasks.processes_advance_due_task",
            schedule=60.0,
            options={"expires": 55},
        )
        # What staff may announce on the council's social accounts.
        from budgeting.shareables import register_shareables

        register_shareables()
