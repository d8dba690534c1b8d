"""The transactional outbox: an ``Event`` and one ``Delivery`` row per recipient and channel.

A Delivery moves ``pending → sending → sent`` (or ``failed``). Only a conditional UPDATE
moves it from pending to sending (see ``services.deliveries_claim``), so however many tasks
carry its id, one worker at a time holds it. In-app inbox items are the inbox channel's
Delivery rows themselves: ``sent`` means visible, ``read_at`` records reading.

Around the outbox: residents' ``NotificationPreference`` per topic and channel, the
``DigestItem`` rows that wait for a daily or weekly digest, the browsers' web push
``PushSubscription``, the verified ``PhoneNumber`` SMS goes to (and ``PhoneCodeDay``, the
daily count of verification codes sent), the ``Subscriber`` without an account (an email
address or phone number that asked for one topic, e.g. alerts), and the ``SocialPost``
record of what the recording social backend "posted".
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Kinds name templates (notifications/email/<kind>.html), so they stay path-safe.
validate_kind = RegexValidator(
    r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
    _("Use lower-case letters, digits and underscores, in parts separated by dots."),
)


class ChannelName(models.TextChoices):
    EMAIL = "email", _("Email")
    PUSH = "push", _("Web push")
    SMS = "sms", _("SMS")
    INBOX = "inbox", _("In-app inbox")
    SOCIAL = "social", _("Social media")


# The channels someone without an account can be reached on: an address of their own.
SUBSCRIBER_CHANNELS = (ChannelName.EMAIL, ChannelName.SMS)


class Subscriber(models.Model):
    """Someone without an account who asked for one topic's notices at one address.

    ``address`` is stored normalised (an email address in lower case, a phone number in
    E.164), so the one-per-address constraint holds however it was typed. Nothing is sent
    to it before ``confirmed_at`` (a link by email, a code by SMS:
    ``services.subscribers``). ``token`` is the secret in every message's unsubscribe
    link; deleting the row (unsubscribing) deletes its deliveries too, so the address is
    kept nowhere. ``pending_choices`` is what the last sign-up asked for (the topic's own
    choices, e.g. areas and severity), applied only when the address confirms it.
    """

    topic = models.CharField(_("topic"), max_length=100, validators=[validate_kind])
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=[(c.value, c.label) for c in SUBSCRIBER_CHANNELS],
    )
    address = models.CharField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    token = models.CharField(_("link token"), max_length=64, unique=True, editable=False)
    pending_choices = models.JSONField(_("choices waiting for confirmation"), default=dict)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(
        _("confirmation sent at"), null=True, blank=True, editable=False
    )
    code_hash = models.CharField(_("code hash"), max_length=128, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscriber without an account")
        verbose_name_plural = _("subscribers without an account")
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "channel", "address"],
                name="notifications_subscriber_one_per_address",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in SUBSCRIBER_CHANNELS]),
                name="notifications_subscriber_channel_of_their_own",
            ),
        ]
        indexes = [
            # The purge of sign-ups nobody confirmed.
            models.Index(
                fields=["confirmation_sent_at"],
                condition=Q(confirmed_at__isnull=True),
                name="notif_subscriber_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.channel} {self.address}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Event(models.Model):
    """Something that happened and is worth telling people about, e.g. an idea's new status.

    ``context`` holds what the message says, untranslated: ``subject`` and ``body`` are
    msgids (mark them with ``gettext_noop``) with ``%(name)s`` placeholders filled from
    ``params``; ``url`` is an optional link (absolute or site-relative), ``action`` an
    optional msgid for the link's label. Each recipient gets it in their own language.
    """

    kind = models.CharField(
        _("kind"),
        max_length=100,
        validators=[validate_kind],
        help_text=_("The topic, e.g. proposals.status_changed."),
    )
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Urgent events (alerts) are never batched.")
    )
    context = models.JSONField(_("message context"), default=dict, blank=True)
    source_content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("source type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_object_id = models.CharField(_("source id"), max_length=64, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        help_text=_("The same key always names the same event: repeated calls add nothing."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification event")
        verbose_name_plural = _("notification events")
        indexes = [
            models.Index(
                fields=["source_content_type", "source_object_id"], name="notif_event_source_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.idempotency_key})"


class Delivery(models.Model):
    """One message of one event to one recipient (or one official account) on one channel."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # No index of its own: the statistics index and the one-per-recipient constraint both
    # start with the event, and every index is one more write for each of a fan-out's
    # status changes.
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    # Null for social (broadcast) deliveries, which go to an official account, not a person,
    # and for deliveries to a subscriber without an account.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_deliveries",
    )
    # Someone without an account (``Subscriber``). No index of its own (nearly every row
    # has none): a partial one in Meta serves the cascade when a subscriber leaves. Their
    # rows are one per event, channel and address under the constraint shared with
    # broadcasts (rows without a recipient), as a subscriber is one per address.
    subscriber = models.ForeignKey(
        Subscriber,
        verbose_name=_("subscriber without an account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ChannelName.choices)
    address = models.CharField(
        _("address"),
        max_length=500,
        blank=True,
        help_text=_("Where it goes, as it was when the event was created."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When a task carrying this row was last handed to the broker; null means "not queued".
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Set by the claim, cleared when the row leaves "sending"; tells claimants apart.
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(
        _("message id"),
        max_length=255,
        blank=True,
        help_text=_("The same for every copy of this delivery, so receivers can drop repeats."),
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"],
                condition=Q(recipient__isnull=False),
                name="notifications_delivery_one_per_recipient_channel",
            ),
            models.UniqueConstraint(
                fields=["event", "channel", "address"],
                condition=Q(recipient__isnull=True),
                name="notifications_delivery_one_per_broadcast_address",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                name="notifications_delivery_sending_has_claimed_at",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=True) | Q(subscriber__isnull=True),
                name="notifications_delivery_user_or_subscriber",
            ),
        ]
        indexes = [
            # The sweeper's two scans; partial, so they stay small when most rows are sent.
            models.Index(
                fields=["status", "claimed_at"],
                condition=Q(status="sending"),
                name="notif_delivery_sending_idx",
            ),
            models.Index(
                fields=["status", "queued_at"],
                condition=Q(status="pending"),
                name="notif_delivery_pending_idx",
            ),
            # The inbox and its unread count in the page header.
            models.Index(
                fields=["recipient", "channel", "status", "read_at"],
                condition=Q(channel="inbox"),
                name="notif_delivery_inbox_idx",
            ),
            models.Index(fields=["event", "channel", "status"], name="notif_delivery_stats_idx"),
            models.Index(
                fields=["subscriber"],
                condition=Q(subscriber__isnull=False),
                name="notif_delivery_subscriber_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} → {self.address or self.recipient_id}"


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")


class NotificationPreference(models.Model):
    """A resident's choice for one topic on one channel; no row means the topic's default.

    ``frequency`` other than immediate applies to email only (a digest is one email) and
    never to urgent topics; ``services.preferences_update`` enforces both.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    topic = models.CharField(_("topic"), max_length=100, validators=[validate_kind])
    channel = models.CharField(_("channel"), max_length=10, choices=ChannelName.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["user", "topic", "channel"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "topic", "channel"],
                name="notifications_preference_one_per_topic_channel",
            ),
            models.CheckConstraint(
                condition=Q(frequency="immediate") | Q(channel="email"),
                name="notifications_preference_digest_is_email",
            ),
        ]

    def __str__(self) -> str:
        state = self.get_frequency_display() if self.enabled else _("off")
        return f"{self.user_id} {self.topic} {self.channel}: {state}"


class DigestItem(models.Model):
    """An event that waits for the recipient's daily or weekly digest email.

    ``digest_event`` is set, in the same transaction that creates the digest, when the item
    goes out; the rows without one are the next digest's content.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_digest_items",
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="digest_items"
    )
    frequency = models.CharField(
        _("frequency"),
        max_length=10,
        choices=[
            (Frequency.DAILY, Frequency.DAILY.label),
            (Frequency.WEEKLY, Frequency.WEEKLY.label),
        ],
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    digest_event = models.ForeignKey(
        Event,
        verbose_name=_("sent in digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digested_items",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event"], name="notifications_digestitem_one_per_user_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["frequency", "user"],
                condition=Q(digest_event__isnull=True),
                name="notif_digest_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event_id} ({self.frequency})"


class PushSubscription(models.Model):
    """One browser's web push subscription (the W3C ``PushSubscription.toJSON()`` fields)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key (p256dh)"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.user_agent[:40] or self.endpoint[:60]}"

    def subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PhoneNumber(models.Model):
    """The number SMS goes to, once the resident proved it is theirs with a code.

    Only a hash of the current code is kept (``code_hash``), with when it was sent and how
    many wrong tries it has had.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="phone_number",
    )
    number = models.CharField(
        _("phone number"),
        max_length=16,
        validators=[
            RegexValidator(
                r"^\+[1-9][0-9]{6,14}$",
                _("Enter the number in international format, e.g. +354 555 1234."),
            )
        ],
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    code_hash = models.CharField(_("code hash"), max_length=128, blank=True, editable=False)
    code_sent_at = models.DateTimeField(_("code sent at"), null=True, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self) -> str:
        return self.number

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class PhoneCodeDay(models.Model):
    """How many phone verification codes the portal sent on one day (the council's day).

    The global daily budget (``NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET``) is spent here with a
    conditional UPDATE, in the database rather than the cache, so a cache that is lost or
    per-process (the embedded default) cannot reopen it. No personal data: a date and a count.
    """

    day = models.DateField(_("day"), unique=True)
    codes_sent = models.PositiveIntegerField(_("codes sent"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("phone codes sent on a day")
        verbose_name_plural = _("phone codes sent by day")

    def __str__(self) -> str:
        return f"{self.day}: {self.codes_sent}"


class SocialPost(models.Model):
    """A post on the council's social media accounts, kept by the recording backend."""

    delivery = models.OneToOneField(
        Delivery,
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="social_post",
    )
    account = models.CharField(_("account"), max_length=200)
    text = models.TextField(_("text"))
    url = models.URLField(_("link"), max_length=1000, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Written by every social backend when the network has taken the post: which network,
    # what a reply on the same thread needs (a status id; a Bluesky record's uri and cid),
    # the public address of the post, and the thread it belongs to (e.g. an alert's).
    network = models.CharField(_("network"), max_length=40, blank=True)
    reference = models.CharField(_("reference at the network"), max_length=500, blank=True)
    post_url = models.URLField(_("address of the post"), max_length=1000, blank=True)
    thread = models.CharField(_("thread"), max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("social media post")
        verbose_name_plural = _("social media posts")

    def __str__(self) -> str:
        return f"{self.account}: {self.text[:60]}"
