"""Staff views of the outbox (events with delivery statistics, deliveries), social posts,
push subscriptions, phone numbers, preferences and waiting digest items."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Max, Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civicportal.notifications.models import (
    ChannelName,
    Delivery,
    DigestItem,
    Event,
    NotificationPreference,
    PhoneNumber,
    PushSubscription,
    SocialPost,
)
from civicportal.notifications.selectors import event_delivery_counts, event_delivery_timing
from civicportal.notifications.services import deliveries_requeue


class ReadOnlyAdmin(admin.ModelAdmin):
    """The outbox is written by the engine only; staff look, and re-queue failures."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "urgent",
        "created_at",
        "total",
        "sent",
        "pending",
        "failed",
        "time_to_last_delivery",
    ]
    list_filter = ["urgent", "kind", "created_at"]
    search_fields = ["kind", "idempotency_key"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "kind",
        "urgent",
        "idempotency_key",
        "created_at",
        "source_content_type",
        "source_object_id",
        "context",
        "delivery_counts",
        "delivery_timing",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                total_count=Count("deliveries"),
                sent_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
                pending_count=Count(
                    "deliveries",
                    filter=Q(
                        deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
                    ),
                ),
                failed_count=Count(
                    "deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)
                ),
                last_sent_at=Max("deliveries__sent_at"),
            )
        )

    @admin.display(description=_("deliveries"), ordering="total_count")
    def total(self, obj: Event) -> int:
        return obj.total_count

    @admin.display(description=_("sent"), ordering="sent_count")
    def sent(self, obj: Event) -> int:
        return obj.sent_count

    @admin.display(description=_("pending or sending"), ordering="pending_count")
    def pending(self, obj: Event) -> int:
        return obj.pending_count

    @admin.display(description=_("failed"), ordering="failed_count")
    def failed(self, obj: Event) -> int:
        return obj.failed_count

    @admin.display(description=_("time to last delivery"), ordering="last_sent_at")
    def time_to_last_delivery(self, obj: Event) -> str:
        if obj.last_sent_at is None:
            return "-"
        return _duration(obj.last_sent_at - obj.created_at)

    @admin.display(description=_("deliveries by channel and status"))
    def delivery_counts(self, obj: Event) -> str:
        counts = event_delivery_counts(event=obj)
        if not counts:
            return _("No deliveries.")
        statuses = Delivery.Status.choices
        header = format_html_join(
            "", "<th scope='col'>{}</th>", ((label,) for _v, label in statuses)
        )
        body = format_html_join(
            "",
            "<tr><th scope='row'>{}</th>{}</tr>",
            (
                (
                    ChannelName(channel).label if channel in ChannelName.values else channel,
                    format_html_join(
                        "", "<td>{}</td>", ((by_status[value],) for value, _l in statuses)
                    ),
                )
                for channel, by_status in sorted(counts.items())
            ),
        )
        return format_html(
            "<table><thead><tr><th scope='col'>{}</th>{}</tr></thead><tbody>{}</tbody></table>",
            _("channel"),
            header,
            body,
        )

    @admin.display(description=_("timing"))
    def delivery_timing(self, obj: Event) -> str:
        timing = event_delivery_timing(event=obj)
        if timing["last_sent_at"] is None:
            return _("Nothing delivered yet.")
        return _("first delivery %(first)s, last delivery %(last)s: %(after)s after the event") % {
            "first": timing["first_sent_at"].isoformat(timespec="seconds"),
            "last": timing["last_sent_at"].isoformat(timespec="seconds"),
            "after": _duration(timing["time_to_last_delivery"]),
        }


def _duration(delta) -> str:
    """``1 h 02 min 03.4 s`` style, short enough for a list column."""
    seconds = max(delta.total_seconds(), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{int(hours)} h {int(minutes):02d} min"
    if minutes:
        return f"{int(minutes)} min {int(seconds):02d} s"
    return f"{seconds:.1f} s"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "event", "channel", "address", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event__kind"]
    search_fields = ["address", "message_id", "event__idempotency_key"]
    list_select_related = ["event"]
    raw_id_fields = ["event", "recipient", "subscriber"]
    show_full_result_count = False
    actions = ["requeue_failed"]
    readonly_fields = [
        "event",
        "recipient",
        "subscriber",
        "channel",
        "address",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "queued_at",
        "claimed_at",
        "sent_at",
        "message_id",
        "read_at",
    ]

    def has_requeue_permission(self, request) -> bool:
        # Re-sending is a change of the outbox, kept to staff who may change deliveries.
        return request.user.has_perm("notifications.change_delivery")

    @admin.action(
        description=_("Send the selected failed deliveries again"), permissions=["requeue"]
    )
    def requeue_failed(self, request, queryset) -> None:
        count = deliveries_requeue(delivery_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed delivery will be sent again.",
                "%(count)d failed deliveries will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SocialPost)
class SocialPostAdmin(ReadOnlyAdmin):
    """What the recording backend "posted" for the council's accounts, newest first."""

    list_display = ["created_at", "account", "short_text", "url", "language"]
    list_filter = ["account", "language", "created_at"]
    search_fields = ["text", "url"]
    date_hierarchy = "created_at"
    raw_id_fields = ["delivery"]
    readonly_fields = ["delivery", "account", "text", "url", "language", "created_at"]

    @admin.display(description=_("text"))
    def short_text(self, obj: SocialPost) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    """Browsers subscribed to web push; staff may remove one (it is re-made on next visit)."""

    list_display = ["user", "user_agent", "created_at", "last_success_at", "push_service"]
    list_filter = ["created_at", "last_success_at"]
    search_fields = ["user__email", "user_agent", "endpoint"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "endpoint", "user_agent", "created_at", "last_success_at"]
    exclude = ["p256dh", "auth"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("notifications.delete_pushsubscription")

    @admin.display(description=_("push service"))
    def push_service(self, obj: PushSubscription) -> str:
        from urllib.parse import urlsplit

        return urlsplit(obj.endpoint).hostname or ""


@admin.register(PhoneNumber)
class PhoneNumberAdmin(ReadOnlyAdmin):
    list_display = ["number", "user", "verified_at", "code_sent_at"]
    list_filter = ["verified_at"]
    search_fields = ["number", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "number", "verified_at", "code_sent_at", "created_at"]
    exclude = ["code_hash", "code_attempts"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "topic", "channel", "enabled", "frequency", "updated_at"]
    list_filter = ["topic", "channel", "enabled", "frequency"]
    search_fields = ["user__email", "topic"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "topic", "channel", "enabled", "frequency", "updated_at"]


@admin.register(DigestItem)
class DigestItemAdmin(ReadOnlyAdmin):
    list_display = ["user", "event", "frequency", "created_at", "digest_event"]
    list_filter = ["frequency", ("digest_event", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "event__kind"]
    list_select_related = ["user", "event", "digest_event"]
    raw_id_fields = ["user", "event", "digest_event"]
    readonly_fields = ["user", "event", "frequency", "created_at", "digest_event"]
