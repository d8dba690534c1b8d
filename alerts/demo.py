"""Demo data: an active flood alert with an update, an expired storm alert, and residents'
alert subscriptions. Everything goes through the services (two people publish each alert).
Runs once: a second seed_demo finds the alerts by their headlines and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from alerts import services
from alerts.models import Alert, AlertSubscription, Category, Certainty, Severity, Urgency
from civicportal.accounts import roles
from civicportal.core import demo

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


def _publish(author, approver, alert: Alert) -> None:
    draft = alert.messages.get(sequence=1)
    services.alert_submit_for_approval(actor=author, message=draft)
    services.alert_approve(actor=approver, message=draft, version=services.message_version(draft))


@demo.register("alerts", order=400)
def seed_alerts(ctx: demo.DemoContext) -> None:
    if Alert.objects.filter(headline__in=[FLOOD, STORM]).exists():
        ctx.say("Alerts: already seeded.")
        return
    author = ctx.staff[roles.ALERT_AUTHOR]
    approver = ctx.staff[roles.ALERT_APPROVER]
    areas = {area.slug: area for area in ctx.areas}

    # An expired alert, published before anyone subscribed (so it reached nobody by mail).
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
    _publish(author, approver, storm)
    Alert.objects.filter(pk=storm.pk).update(expires_at=ctx.now - timedelta(days=3))
    storm.messages.update(expires=ctx.now - timedelta(days=3))
    services.alerts_expire(now=ctx.now)

    # Subscriptions: most residents for their home area, a few city-wide and test opt-ins.
    for index, resident in enumerate(ctx.residents[:30]):
        services.subscription_save(
            user=resident,
            areas=[] if index % 7 == 0 else [resident.home_area] if resident.home_area else [],
            min_severity=1 if index % 3 else 2,
            by_email=True,
            by_push=False,
            by_sms=False,
            receive_tests=index % 5 == 0,
        )

    # The active alert, with one update.
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
    _publish(author, approver, flood)
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
