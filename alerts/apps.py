"""Alerts staff publish and residents receive."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Emergency alerts")

    def ready(self) -> None:
        from alerts.models import Alert, AlertMessage, CapStatus, Verdict
        from alerts.roles import register_roles
        from alerts.services import (
            alerts_personal_data_erase,
            alerts_personal_data_export,
            factchecks,
        )
        from alerts.services.anonymous import (
            anonymous_choices_describe,
            anonymous_subscription_apply,
            anonymous_subscription_current,
        )
        from alerts.staff_screens import register_factcheck_staff_screens, register_staff_screens
        from civicportal.core import navigation, periodic
        from civicportal.core.api import schema
        from civicportal.kernel import personal_data
        from civicportal.notifications.models import ChannelName
        from civicportal.notifications.topics import AnonymousSubscriptions, Topic, topic_register

        navigation.register_section(
            key="alerts",
            label=_("Alerts"),
            url_name="alerts:alert-list",
            order=40,
            home_template="alerts/_home_section.html",
        )
        navigation.register_banner("alerts/_banner.html")
        register_roles()
        register_staff_screens()
        register_factcheck_staff_screens()
        # Urgent (never batched) and internal: residents choose alert channels on their
        # alert subscription page, not among the other topics; a one-click unsubscribe
        # from an alert email still switches that channel off. People without an account
        # subscribe by email or phone number (alerts/subscribe/); the engine keeps their
        # choices until the address is confirmed, then these hooks store them.
        topic_register(
            Topic(
                key="alerts.alert",
                label=_("Emergency alerts"),
                description=_("Alerts, updates and all-clears for the areas you chose."),
                default_channels=(ChannelName.EMAIL,),
                channels=(ChannelName.EMAIL, ChannelName.PUSH, ChannelName.SMS),
                urgent=True,
                internal=True,
                anonymous=AnonymousSubscriptions(
                    apply=anonymous_subscription_apply,
                    current=anonymous_subscription_current,
                    describe=anonymous_choices_describe,
                ),
            )
        )
        personal_data.register(
            "alerts", export=alerts_personal_data_export, erase=alerts_personal_data_erase
        )
        # Rumour control: a resident's "is this true?" questions, and their answers.
        personal_data.register(
            "alerts.rumours",
            export=factchecks.factchecks_personal_data_export,
            erase=factchecks.factchecks_personal_data_erase,
        )
        topic_register(
            Topic(
                key=factchecks.ANSWER_TOPIC,
                label=_("Answers to my questions to rumour control"),
                description=_(
                    "When the council answers your “is this true?” question, privately or "
                    "with a fact check."
                ),
            )
        )
        schema.enum_name_register("VerdictEnum", Verdict)
        # Alerts past their expiry become expired; unfinished alert fan-outs restart.
        periodic.register(
            "alerts-expire",
            task="alerts.tasks.alerts_expire_task",
            schedule=30.0,
            options={"expires": 25},
        )
        periodic.register(
            "alerts-fan-outs-sweep",
            task="alerts.tasks.alerts_fan_outs_sweep_task",
            schedule=30.0,
            options={"expires": 25},
        )
        self._ready_volunteers()
        # Choice sets the API's serializers share, named once in the schema.
        schema.enum_name_register("CapStatusEnum", CapStatus)
        schema.enum_name_register("AlertStateEnum", Alert.State)
        schema.enum_name_register("AlertMessageStateEnum", AlertMessage.State)
        # What staff may announce on the council's social accounts.
        from alerts.shareables import register_shareables

        register_shareables()

    def _ready_volunteers(self) -> None:
        """Volunteer call-outs (alerts/models/volunteers.py): their urgent topic, personal
        data, the fan-out sweeper and the staff screens."""
        from alerts.services.volunteers import (
            CALLOUT_TOPIC,
            volunteers_personal_data_erase,
            volunteers_personal_data_export,
        )
        from alerts.staff_screens import register_volunteer_screens
        from civicportal.core import periodic
        from civicportal.kernel import personal_data
        from civicportal.notifications.models import ChannelName
        from civicportal.notifications.topics import Topic, topic_register

        # Urgent (never batched into a digest); residents choose its channels among their
        # notification preferences; the inbox keeps a copy to answer from.
        topic_register(
            Topic(
                key=CALLOUT_TOPIC,
                label=_("Volunteer call-outs"),
                description=_("Requests for help during an incident, if you volunteered."),
                default_channels=(ChannelName.EMAIL, ChannelName.INBOX),
                channels=(
                    ChannelName.EMAIL,
                    ChannelName.PUSH,
                    ChannelName.SMS,
                    ChannelName.INBOX,
                ),
                urgent=True,
                audience=_is_volunteer,
            )
        )
        personal_data.register(
            "alerts.volunteers",
            export=volunteers_personal_data_export,
            erase=volunteers_personal_data_erase,
        )
        periodic.register(
            "alerts-callout-fan-outs-sweep",
            task="alerts.tasks.callout_fan_outs_sweep_task",
            schedule=30.0,
            options={"expires": 25},
        )
        register_volunteer_screens()


def _is_volunteer(user) -> bool:
    """Only residents on the volunteer register are offered the call-out topic."""
    from alerts.models import VolunteerRegistration

    return bool(
        user and user.is_authenticated and VolunteerRegistration.objects.filter(user=user).exists()
    )
