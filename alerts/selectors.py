"""Reads of the alerts app: lists, the banner, who a message reaches, delivery figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from alerts import geometry
from alerts.models import (
    SEVERITY_RANK,
    Alert,
    AlertMessage,
    AlertSubscription,
    CapStatus,
    GroundReport,
)
from civicportal.accounts.models import Area, User
from civicportal.core.pagecache import page_cache_invalidate
from civicportal.notifications.models import (
    Delivery,
    NotificationPreference,
    PhoneNumber,
    PushSubscription,
)

ALERT_TOPIC = "alerts.alert"
BANNER_CACHE_KEY = "alerts:banner:v1"
# The banner is cached briefly and dropped whenever an alert changes state; the short
# lifetime bounds how long an alert stays after its expiry time passes.
BANNER_CACHE_SECONDS = 15
CHANNELS = ("email", "push", "sms")

_published = Q(state=AlertMessage.State.PUBLISHED)


def _with_timeline(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("current_message").prefetch_related(
        Prefetch(
            "messages",
            queryset=AlertMessage.objects.filter(_published)
            .prefetch_related("areas")
            .order_by("sequence"),
            to_attr="timeline",
        )
    )


# --- Public ------------------------------------------------------------------------------


def alert_list(
    *,
    viewer=None,
    active: bool | None = None,
    area: Area | None = None,
    now: datetime | None = None,
) -> QuerySet[Alert]:
    """Public alerts, newest first: ``active`` True (in force), False (past) or None (all).

    The query count is constant: messages and their areas come in two prefetch queries.
    """
    now = now or timezone.now()
    queryset = Alert.objects.public()
    in_force = Alert.objects.active(now).values("pk")
    if active is True:
        queryset = queryset.filter(pk__in=in_force)
    elif active is False:
        queryset = queryset.exclude(pk__in=in_force)
    if area is not None:
        queryset = queryset.filter(
            Exists(AlertMessage.objects.filter(_published, alert=OuterRef("pk"), areas=area))
        )
    return _with_timeline(queryset).order_by("-first_published_at", "-id")


def alert_next_expiry(*, now: datetime | None = None) -> datetime | None:
    """When the next alert in force expires (one indexed query): the moment the lists of
    alerts in force and past alerts change without anyone touching an alert."""
    return Alert.objects.active(now).aggregate(first=Min("expires_at"))["first"]


def alert_get(*, viewer, pk: int) -> Alert:
    """A public alert; alert staff also see drafts and exercises. 404 otherwise."""
    queryset = Alert.objects.all()
    if not viewer.has_perm("alerts.view_alert"):
        queryset = queryset.public()
    alert = _with_timeline(queryset).filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


def message_get_public(*, viewer, identifier: str) -> AlertMessage:
    """A published message by its CAP identifier; exercises and drafts for alert staff only."""
    message = (
        AlertMessage.objects.select_related("alert")
        .prefetch_related("areas")
        .filter(identifier=identifier)
        .first()
    )
    if message is None:
        raise Http404("No such CAP message.")
    public = message.state == AlertMessage.State.PUBLISHED and not message.is_exercise
    if not public and not viewer.has_perm("alerts.view_alertmessage"):
        raise Http404("No such CAP message.")
    return message


def message_list_public(*, limit: int = 50) -> QuerySet[AlertMessage]:
    """Published real messages, newest first (the CAP index and the people's feed)."""
    return (
        AlertMessage.objects.filter(_published, alert__status=CapStatus.ACTUAL)
        .select_related("alert")
        .order_by("-sent", "-id")[:limit]
    )


@dataclass(frozen=True)
class BannerAlert:
    pk: int
    headline: str
    severity: str
    expires_at: datetime
    url: str


def banner_alerts(*, now: datetime | None = None) -> list[BannerAlert]:
    """Alerts in force for the banner on every page: one small query, cached briefly.

    The cached list keeps each alert's expiry and is filtered again on every read, so an
    expired alert leaves the banner at its expiry time even before the cache is dropped.
    """
    now = now or timezone.now()
    cached = cache.get(BANNER_CACHE_KEY)
    if cached is None:
        cached = [
            BannerAlert(
                pk=pk,
                headline=headline,
                severity=severity,
                expires_at=expires_at,
                url=reverse("alerts:alert-detail", args=[pk]),
            )
            for pk, headline, severity, expires_at in Alert.objects.active(now)
            .order_by("-first_published_at")
            .values_list("pk", "headline", "severity", "expires_at")[:5]
        ]
        cache.set(BANNER_CACHE_KEY, cached, BANNER_CACHE_SECONDS)
    rank = {s: -SEVERITY_RANK.get(s, 1) for s in SEVERITY_RANK}
    return sorted((a for a in cached if a.expires_at > now), key=lambda a: rank[a.severity])


def banner_cache_clear() -> None:
    """An alert changed state (on commit): drop the cached banner, then the anonymous
    visitors' stored pages, which show the banner and the alert pages."""
    cache.delete(BANNER_CACHE_KEY)
    page_cache_invalidate()


# --- Audience ------------------------------------------------------------------------------


def targeted_area_ids(message: AlertMessage, *, areas: list[Area] | None = None) -> set[int]:
    """The chosen areas, and every area whose boundary a drawn polygon or circle touches."""
    ids = {area.pk for area in message.areas.all()}
    if message.polygons or message.circles:
        candidates = areas if areas is not None else Area.objects.exclude(boundary=None)
        for area in candidates:
            if area.pk not in ids and geometry.shapes_touch_boundary(
                polygons=message.polygons, circles=message.circles, boundary=area.boundary
            ):
                ids.add(area.pk)
    return ids


def _messages_reaching(message: AlertMessage) -> list[AlertMessage]:
    """The messages whose audience this one reaches: an update or cancellation also goes to
    everyone the earlier messages of the alert went to."""
    if message.msg_type == "Alert":
        return [message]
    earlier = list(
        AlertMessage.objects.filter(_published, alert_id=message.alert_id)
        .exclude(pk=message.pk)
        .prefetch_related("areas")
    )
    return [*earlier, message]


def _subscriptions_reached(message: AlertMessage) -> QuerySet[AlertSubscription]:
    """Every subscription that ``message`` reaches, residents' and subscribers' alike.

    A subscription matches when its areas meet the message's targeted areas (no areas
    means the whole council) and the message is at least as severe as its minimum.
    Exercise and test messages reach only subscriptions that opted into them.
    """
    boundary_areas = list(Area.objects.exclude(boundary=None))
    # Per-row EXISTS tests rather than a join: the fan-out reads the matches in pages by
    # user id, and this lets each page walk the user id index and stop after its rows
    # (a join made every page compute and de-duplicate all the matches first).
    chosen = AlertSubscription.areas.through.objects.filter(alertsubscription_id=OuterRef("pk"))
    condition = Q(pk__in=[])
    for reaching in _messages_reaching(message):
        area_ids = targeted_area_ids(reaching, areas=boundary_areas)
        condition |= Q(min_severity__lte=reaching.severity_rank) & (
            ~Exists(chosen) | Exists(chosen.filter(area_id__in=area_ids))
        )
    subscriptions = AlertSubscription.objects.filter(condition)
    if message.alert.status != CapStatus.ACTUAL:
        subscriptions = subscriptions.filter(receive_tests=True)
    return subscriptions


def subscriptions_for(message: AlertMessage) -> QuerySet[AlertSubscription]:
    """Active residents' subscriptions that ``message`` reaches, one row each (see
    ``_subscriptions_reached`` for what matches)."""
    return _subscriptions_reached(message).filter(user__is_active=True)


def anonymous_subscriptions_for(message: AlertMessage) -> QuerySet[AlertSubscription]:
    """Subscriptions without an account that ``message`` reaches: only confirmed
    addresses, each with its subscriber loaded; one row each."""
    return (
        _subscriptions_reached(message)
        .filter(user__isnull=True, subscriber__confirmed_at__isnull=False)
        .select_related("subscriber")
    )


def opted_out(channel: str) -> Exists:
    """The resident used a one-click unsubscribe link of an alert on ``channel``."""
    return Exists(
        NotificationPreference.objects.filter(
            user=OuterRef("user_id"), topic=ALERT_TOPIC, channel=channel, enabled=False
        )
    )


def channels_offered() -> tuple[str, ...]:
    return tuple(c for c in CHANNELS if c in settings.NOTIFICATIONS_CHANNELS)


def audience_counts(message: AlertMessage) -> dict[str, int]:
    """How many people each channel reaches: what the approver sees before approving.

    ``residents`` counts residents with an account, ``anonymous`` confirmed subscribers
    without one; each channel's figure counts both.
    """
    subscriptions = subscriptions_for(message)
    anonymous = anonymous_subscriptions_for(message)
    offered = channels_offered()
    has_push = Exists(PushSubscription.objects.filter(user=OuterRef("user_id")))
    has_phone = Exists(
        PhoneNumber.objects.filter(user=OuterRef("user_id"), verified_at__isnull=False)
    )
    filters = {
        "email": Q(by_email=True) & ~opted_out("email"),
        "push": Q(by_push=True) & has_push & ~opted_out("push"),
        "sms": Q(by_sms=True) & has_phone & ~opted_out("sms"),
    }
    anonymous_by = {"email": "by_email", "sms": "by_sms"}
    counts = {"residents": subscriptions.count(), "anonymous": anonymous.count()}
    for channel in CHANNELS:
        if channel not in offered:
            counts[channel] = 0
            continue
        counts[channel] = subscriptions.filter(filters[channel]).count()
        if channel in anonymous_by:
            counts[channel] += anonymous.filter(**{anonymous_by[channel]: True}).count()
    return counts


def languages_missing(message: AlertMessage) -> list[dict]:
    """The site's languages ``message`` has no text in, each with how many of the people
    it reaches read that language (they get the whole message in its first language,
    named ``first``).

    What the author sees on the draft and the approver before approving.
    """
    written = {message.language}
    if message.second_language and message.second_headline:
        written.add(message.second_language)
    missing = [(code, name) for code, name in settings.LANGUAGES if code not in written]
    if not missing:
        return []
    codes = [code for code, _name in missing]
    readers = dict(
        subscriptions_for(message)
        .filter(user__preferred_language__in=codes)
        .values_list("user__preferred_language")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for language, n in (
        anonymous_subscriptions_for(message)
        .filter(subscriber__language__in=codes)
        .values_list("subscriber__language")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        readers[language] = readers.get(language, 0) + n
    first = dict(settings.LANGUAGES).get(message.language, message.language)
    return [
        {"code": code, "name": name, "readers": readers.get(code, 0), "first": first}
        for code, name in missing
    ]


# --- Delivery ------------------------------------------------------------------------------


@dataclass
class ChannelFigures:
    """One channel of a message's delivery: counts, and when its first and last left."""

    channel: str
    total: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0  # queued or being sent
    first_sent_at: datetime | None = None
    last_sent_at: datetime | None = None
    to_first: timedelta | None = None
    to_last: timedelta | None = None


@dataclass
class DeliveryFigures:
    channels: list[ChannelFigures] = field(default_factory=list)
    first_sent_at: datetime | None = None
    last_sent_at: datetime | None = None
    to_last: timedelta | None = None
    done: bool = False

    @property
    def total(self) -> int:
        return sum(c.total for c in self.channels)


def delivery_figures(message: AlertMessage) -> DeliveryFigures:
    """Per channel: recipients, sent, failed and still queued, and the times from approval
    to its first and its last delivery; and the same times over every channel.

    One aggregate query over the message's deliveries (an index covers event, channel,
    status), whatever the number of recipients. Each channel has its own queue (settings
    URGENT_CHANNEL_QUEUES), so each row moves on its own.
    """
    content_type = ContentType.objects.get_for_model(AlertMessage)
    deliveries = Delivery.objects.filter(
        event__source_content_type=content_type, event__source_object_id=str(message.pk)
    )
    status = Delivery.Status
    rows = (
        deliveries.values("channel")
        .annotate(
            total=Count("id"),
            sent=Count("id", filter=Q(status=status.SENT)),
            failed=Count("id", filter=Q(status=status.FAILED)),
            first=Min("sent_at", filter=Q(status=status.SENT)),
            last=Max("sent_at", filter=Q(status=status.SENT)),
        )
        .order_by("channel")
    )
    channels = []
    for row in rows:
        figures = ChannelFigures(
            channel=row["channel"],
            total=row["total"],
            sent=row["sent"],
            failed=row["failed"],
            pending=row["total"] - row["sent"] - row["failed"],
            first_sent_at=row["first"],
            last_sent_at=row["last"],
        )
        if message.sent and figures.first_sent_at:
            figures.to_first = figures.first_sent_at - message.sent
            figures.to_last = figures.last_sent_at - message.sent
        channels.append(figures)
    firsts = [c.first_sent_at for c in channels if c.first_sent_at]
    lasts = [c.last_sent_at for c in channels if c.last_sent_at]
    result = DeliveryFigures(
        channels=channels,
        first_sent_at=min(firsts, default=None),
        last_sent_at=max(lasts, default=None),
    )
    if result.last_sent_at and message.sent:
        result.to_last = result.last_sent_at - message.sent
    result.done = bool(channels) and all(c.pending == 0 for c in channels)
    return result


# --- Staff ---------------------------------------------------------------------------------


def staff_alert_list() -> QuerySet[Alert]:
    """Every alert for the staff dashboard, with its messages (two queries)."""
    return Alert.objects.prefetch_related(
        Prefetch(
            "messages",
            queryset=AlertMessage.objects.select_related("author", "approver").order_by("sequence"),
        )
    ).order_by("-updated_at", "-id")


def staff_alert_get(*, pk: int) -> Alert:
    alert = (
        Alert.objects.prefetch_related(
            Prefetch(
                "messages",
                queryset=AlertMessage.objects.select_related("author", "approver", "quoted_report")
                .prefetch_related("areas")
                .order_by("sequence"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404("No such alert.")
    return alert


def pending_message_list() -> QuerySet[AlertMessage]:
    return (
        AlertMessage.objects.filter(state=AlertMessage.State.PENDING)
        .select_related("alert", "author")
        .order_by("submitted_at", "id")
    )


def report_list(*, alert: Alert | None = None, triage: str | None = None) -> QuerySet[GroundReport]:
    queryset = GroundReport.objects.select_related("alert", "user", "triaged_by")
    if alert is not None:
        queryset = queryset.filter(alert=alert)
    if triage:
        queryset = queryset.filter(triage=triage)
    return queryset.order_by("-created_at", "-id")


def report_list_public(*, alert: Alert, limit: int = 100) -> list[GroundReport]:
    """The alert's reports from the ground that staff confirmed for publication, newest
    first (one query; who sent them is never shown)."""
    return list(
        GroundReport.objects.filter(alert=alert, triage=GroundReport.Triage.CONFIRMED)
        .only("id", "alert_id", "text", "location_text", "latitude", "longitude", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )


def alert_map_features(*, message: AlertMessage | None, reports: list[GroundReport]) -> dict:
    """What the public alert map shows, as a GeoJSON FeatureCollection: the message's
    areas, drawn polygons and circles (Points with ``radius_km``), and the confirmed
    reports that have a place (Points with a ``label``)."""
    features: list[dict] = []
    if message is not None:
        for area in message.areas.all():
            rings = geometry.boundary_rings(area.boundary)
            if rings:
                features.append(
                    {
                        "type": "Feature",
                        "properties": {"name": area.name},
                        "geometry": {
                            "type": "MultiPolygon",
                            "coordinates": [[[[lon, lat] for lat, lon in ring]] for ring in rings],
                        },
                    }
                )
        for ring in message.polygons or []:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": message.area_description},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[float(lon), float(lat)] for lat, lon in ring]],
                    },
                }
            )
        for lat, lon, radius in message.circles or []:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": message.area_description, "radius_km": float(radius)},
                    "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                }
            )
    for report in reports:
        if report.latitude is not None and report.longitude is not None:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"label": Truncator(report.text).chars(80), "report": report.pk},
                    "geometry": {
                        "type": "Point",
                        "coordinates": [float(report.longitude), float(report.latitude)],
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def subscription_get(*, user: User) -> AlertSubscription | None:
    return AlertSubscription.objects.filter(user=user).prefetch_related("areas").first()


def sms_waiting_for_phone(*, user: User, subscription: AlertSubscription | None) -> bool:
    """The resident chose alerts by SMS but has no verified phone number yet: no text
    reaches them until they verify one."""
    return bool(
        subscription is not None
        and subscription.by_sms
        and not PhoneNumber.objects.filter(user=user, verified_at__isnull=False).exists()
    )
