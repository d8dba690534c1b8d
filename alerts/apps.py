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
        # Choice sets the API's serializers share, named once in the schema.
        schema.enum_name_register("CapStatusEnum", CapStatus)
        schema.enum_name_register("AlertStateEnum", Alert.State)
        schema.enum_name_register("AlertMessageStateEnum", AlertMessage.State)
