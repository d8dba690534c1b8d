"""Writes of the notification engine, by subdomain; import them from here.

- ``events``: events and their deliveries, handed to workers on commit; a topic's notice;
- ``sending``: claiming and sending a chunk of deliveries (the workers' side);
- ``sweeping``: re-queueing what no worker is going to send;
- ``inbox``: the in-app inbox's writes;
- ``preferences``: residents' choices per topic and channel, one-click unsubscribe;
- ``digests``: daily and weekly digest emails;
- ``push``: web push subscriptions;
- ``phone``: phone numbers and their verification codes;
- ``subscribers``: people without an account: sign-up, confirmation, leaving, their data.
"""

from civicportal.notifications.services.digests import digest_period, digests_send
from civicportal.notifications.services.events import (
    deliveries_enqueue,
    event_create,
    topic_notice_create,
)
from civicportal.notifications.services.inbox import inbox_mark_read
from civicportal.notifications.services.phone import (
    phone_number_delete,
    phone_number_normalise,
    phone_number_start,
    phone_number_verify,
)
from civicportal.notifications.services.preferences import (
    RecipientPlan,
    channels_for_recipients,
    preference_unsubscribe,
    preferences_update,
    topic_event_create,
)
from civicportal.notifications.services.push import (
    push_subscription_delete,
    push_subscription_save,
)
from civicportal.notifications.services.sending import (
    SendSummary,
    deliveries_claim,
    deliveries_send,
)
from civicportal.notifications.services.subscribers import (
    subscriber_code_verify,
    subscriber_confirm,
    subscriber_confirm_get,
    subscriber_delete,
    subscriber_describe,
    subscriber_export,
    subscriber_get,
    subscriber_start,
    subscribers_purge_unconfirmed,
)
from civicportal.notifications.services.sweeping import (
    SweepSummary,
    deliveries_requeue,
    deliveries_sweep,
)

__all__ = [
    "RecipientPlan",
    "SendSummary",
    "SweepSummary",
    "channels_for_recipients",
    "deliveries_claim",
    "deliveries_enqueue",
    "deliveries_requeue",
    "deliveries_send",
    "deliveries_sweep",
    "digest_period",
    "digests_send",
    "event_create",
    "inbox_mark_read",
    "phone_number_delete",
    "phone_number_normalise",
    "phone_number_start",
    "phone_number_verify",
    "preference_unsubscribe",
    "preferences_update",
    "push_subscription_delete",
    "push_subscription_save",
    "subscriber_code_verify",
    "subscriber_confirm",
    "subscriber_confirm_get",
    "subscriber_delete",
    "subscriber_describe",
    "subscriber_export",
    "subscriber_get",
    "subscriber_start",
    "subscribers_purge_unconfirmed",
    "topic_event_create",
    "topic_notice_create",
]
