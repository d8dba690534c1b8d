"""Demo data: residents' alert subscriptions, an expired storm alert of four days ago and an
active flood alert with an update. Everything goes through the services (two people
publish each alert), then is dated when the story says it happened. Runs once: a second
seed_demo finds the alerts by their headlines and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from auditlog.models import LogEntry

from alerts import services
from alerts.models import (
    Alert,
    AlertMessage,
    AlertSubscription,
    Category,
    Certainty,
    Severity,
    Urgency,
)
from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
from alerts.services import fanout
from civicportal.core import demo

demo.register_staff(ALERT_AUTHOR, local_part="alerts", display_name="Arnar Pálsson")
demo.register_staff(ALERT_APPROVER, local_part="alert-approver", display_name="Helen Brooks")

FLOOD = "River Avon flooding in Harbourside and Riverside Park"
STORM = "Storm warning: strong winds overnight"


def _content(ctx: demo.DemoContext, **fields) -> services.MessageContent:
    defaults = {
        "category": Category.MET,
        "urgency": Urgency.EXPECTED,
        "certainty": Certainty.LIKELY,
        "expires": ctx.now + timedelta(hours=12),
    }
    return services.MessageContent(**{**defaults, **fields})


def _publish(author, approver, alert: Alert) -> AlertMessage:
    draft = alert.messages.get(sequence=1)
    services.alert_submit_for_approval(actor=author, message=draft)
    services.alert_approve(actor=approver, message=draft, version=services.message_version(draft))
    return draft


def _published_in_the_past(alert: Alert, message: AlertMessage, published: datetime) -> None:
    """Say the alert was drafted a little before ``published``, approved then, and reached
    its subscribers at once: the message dated, its fan-out run now (not when the seed
    commits) and its notifications dated and marked sent then, so residents find it in
    their inboxes from that day and are not mailed an old alert today."""
    drafted = published - timedelta(minutes=20)
    AlertMessage.objects.filter(pk=message.pk).update(
        created_at=drafted,
        submitted_at=published - timedelta(minutes=10),
        approved_at=published,
        sent=published,
    )
    Alert.objects.filter(pk=alert.pk).update(
        created_at=drafted, first_published_at=published, updated_at=published
    )
    fanout.alert_message_fan_out(message_id=message.pk)
    AlertMessage.objects.filter(pk=message.pk).update(
        fanout_completed_at=published + timedelta(seconds=30)
    )
    demo.notifications_backdate(message, published)
    _history_backdate(alert, drafted, published)
    _history_backdate(message, drafted, published)


def _history_backdate(obj, drafted: datetime, published: datetime) -> None:
    """Date the audit entries of drafting and approval when the seeder says they happened."""
    entries = LogEntry.objects.get_for_object(obj)
    entries.filter(action=LogEntry.Action.CREATE).update(timestamp=drafted)
    entries.filter(action=LogEntry.Action.UPDATE).update(timestamp=published)


@demo.register("alerts", order=400)
def seed_alerts(ctx: demo.DemoContext) -> None:
    if Alert.objects.filter(headline__in=[FLOOD, STORM]).exists():
        ctx.say("Alerts: already seeded.")
        return
    author = ctx.staff[ALERT_AUTHOR]
    approver = ctx.staff[ALERT_APPROVER]
    areas = {area.slug: area for area in ctx.areas}
    now = ctx.now

    # Subscriptions made over the last weeks (after each resident joined): most residents
    # for their home area, a few city-wide and test opt-ins.
    for index, resident in enumerate(ctx.residents[:30]):
        subscription = services.subscription_save(
            user=resident,
            areas=[] if index % 7 == 0 else [resident.home_area] if resident.home_area else [],
            min_severity=1 if index % 3 else 2,
            by_email=True,
            by_push=False,
            by_sms=False,
            receive_tests=index % 5 == 0,
        )
        subscribed = ctx.between(
            max(resident.date_joined, now - timedelta(days=60)), now - timedelta(days=6)
        )
        AlertSubscription.objects.filter(pk=subscription.pk).update(
            created_at=subscribed, updated_at=subscribed
        )

    # A storm warning four days ago, in force for a night and expired since.
    storm_published = now - timedelta(days=4)
    storm_expired = now - timedelta(days=3)
    storm = services.alert_draft_create(
        actor=author,
        content=_content(
            ctx,
            event="Windstorm",
            headline=STORM,
            severity=Severity.MODERATE,
            description="Gusts of up to 90 km/h are expected from 22:00 until early morning.",
            instruction="Secure loose objects in gardens and on balconies. Avoid the riverside.",
            areas=list(ctx.areas),
            second_language="is",
            second_headline="Stormviðvörun: hvassviðri í nótt",
            second_description="Búist er við allt að 90 km/klst hviðum frá kl. 22 til morguns.",
            second_instruction="Festið lausa muni í görðum og á svölum. Forðist árbakkann.",
        ),
    )
    storm_message = _publish(author, approver, storm)
    _published_in_the_past(storm, storm_message, storm_published)
    Alert.objects.filter(pk=storm.pk).update(expires_at=storm_expired)
    storm.messages.update(expires=storm_expired)
    services.alerts_expire(now=now)
    Alert.objects.filter(pk=storm.pk).update(updated_at=storm_expired)
    LogEntry.objects.get_for_object(storm).filter(timestamp__gt=storm_published).update(
        timestamp=storm_expired
    )

    # The flood: warned two hours ago, updated now (this update reaches its subscribers
    # when the seed commits, by the portal's own delivery).
    flood = services.alert_draft_create(
        actor=author,
        content=_content(
            ctx,
            event="Flood",
            headline=FLOOD,
            severity=Severity.SEVERE,
            urgency=Urgency.IMMEDIATE,
            certainty=Certainty.OBSERVED,
            response_type="Avoid",
            description=(
                "The river has burst its banks at the marina. Water is 30 cm deep on "
                "Quay Street and rising."
            ),
            instruction=(
                "Stay away from the riverside. Move valuables upstairs. Do not walk or drive "
                "through flood water."
            ),
            areas=[areas["harbourside"], areas["riverside-park"]],
            contact="Council flood line 0300 123 4567",
        ),
    )
    flood_message = _publish(author, approver, flood)
    _published_in_the_past(flood, flood_message, now - timedelta(hours=2))
    flood.refresh_from_db()
    content = services.MessageContent.from_message(flood.current_message)
    content.description += " Sandbags are available at the Harbourside community centre."
    update = services.alert_update(
        actor=author, alert=flood, content=content, note="Sandbags available."
    )
    services.alert_approve(actor=approver, message=update, version=services.message_version(update))
    ctx.say(
        "Alerts: an active flood alert with an update, an expired storm alert, "
        f"{AlertSubscription.objects.count()} subscriptions."
    )


# Rumour control and volunteer call-outs seed after the alerts, from modules of their own:
# imported here so that the demo registry's autodiscovery of ``alerts.demo`` finds them.
from alerts import demo_factchecks, demo_volunteers  # noqa: E402, F401
