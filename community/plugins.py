"""What community life plugs into the platform, part by part (events, stories)."""


def register() -> None:
    """Called once from ``CommunityConfig.ready()``."""
    from community import stories_plugins
    from community.shareables import register_shareables

    _register_events()
    stories_plugins.register()
    # What staff may announce on the council's social accounts.
    register_shareables()


def _register_events() -> None:
    from django.utils.translation import gettext_lazy as _

    from civicportal.core import navigation, periodic, staff_screens
    from civicportal.kernel import personal_data
    from civicportal.notifications.topics import Topic, topic_register
    from community import rules_events  # noqa: F401  (the events part's permissions)
    from community.roles_events import register_roles
    from community.services import events as event_services

    navigation.register_section(
        key="community-events",
        label=_("Events"),
        url_name="community:event-list",
        order=50,
        home_template="community/events/_home_section.html",
    )
    register_roles()
    staff_screens.register(
        app_label="community",
        key="community.events-queue",
        label=_("Events awaiting moderation"),
        description=_("Residents' events to publish before anyone can sign up."),
        url_name="admin:community_eventawaitingmoderation_changelist",
        permission="community.view_eventawaitingmoderation",
        models=("community.event",),
        order=10,
    )
    topic_register(
        Topic(
            key=event_services.TOPIC_EVENTS,
            label=_("Community events I signed up to"),
            description=_(
                "Places freed from the waiting list, reminders the day before, changes, "
                "cancellations and the organiser's messages."
            ),
        )
    )
    personal_data.register(
        "community-events",
        export=event_services.events_personal_data_export,
        erase=event_services.events_personal_data_erase,
    )
    # Reminders the day before; safe to run twice (one reminder per sign-up).
    periodic.register(
        "community-event-reminders",
        task="community.tasks_events.event_reminders_send_task",
        schedule=600.0,
        options={"expires": 550},
    )
    from community import demo_events  # noqa: F401  (registers the demo seeder)
