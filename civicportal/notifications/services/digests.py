"""Daily and weekly digests: one email per resident gathering their waiting notices.

Events for residents who chose a digest leave a ``DigestItem`` (see ``event_create``'s
``digest_for``). ``digests_send`` (beat) turns each resident's waiting items into one
digest event, keyed by resident and period, and marks the items as sent in it, in one
transaction per resident. Running it twice in a period sends once: the period's key
already names an event, and the items it took are marked.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from civicportal.accounts.models import User
from civicportal.notifications.models import ChannelName, DigestItem, Event, Frequency
from civicportal.notifications.services.events import event_create
from civicportal.notifications.topics import DIGEST_TOPIC

logger = logging.getLogger(__name__)

_SUBJECTS = {
    Frequency.DAILY: gettext_noop("Your daily digest from %(site)s"),
    Frequency.WEEKLY: gettext_noop("Your weekly digest from %(site)s"),
}
_BODY = gettext_noop("Here is what happened since your last digest.")
_ACTION = gettext_noop("Choose what you hear about")


def digest_period(frequency: str, when: datetime) -> str:
    """The period ``when`` falls in, in the portal's time zone: ``2026-11-26`` or
    ``2026-W48``."""
    local = timezone.localtime(when)
    if frequency == Frequency.DAILY:
        return local.date().isoformat()
    if frequency == Frequency.WEEKLY:
        year, week, _weekday = local.isocalendar()
        return f"{year}-W{week:02d}"
    raise ValueError(f"{frequency!r} is not a digest frequency (daily or weekly).")


def digest_key(*, frequency: str, period: str, user_id: int) -> str:
    return f"{DIGEST_TOPIC}:{frequency}:{period}:{user_id}"


def digests_send(*, frequency: str, now: datetime | None = None) -> int:
    """Create this period's digest for every resident with waiting ``frequency`` items.

    Returns how many digests were created. Precondition: not inside a transaction (each
    resident's digest commits, and is enqueued, on its own). Safe to run twice, even at
    once: a concurrent run skips the items this one holds (SKIP LOCKED), and a resident
    who already has this period's digest keeps new items for the next period.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "digests_send commits one digest at a time: call it outside a transaction."
        )
    now = now or timezone.now()
    period = digest_period(frequency, now)
    user_ids = list(
        DigestItem.objects.filter(
            frequency=frequency, digest_event__isnull=True, created_at__lte=now
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    created = 0
    for user_id in user_ids:
        try:
            created += _digest_one(user_id=user_id, frequency=frequency, period=period, now=now)
        except Exception:  # one resident's broken digest must not hold back everyone's
            logger.exception("Could not create the %s digest of user %s", frequency, user_id)
    if created:
        logger.info("Created %d %s digests for %s", created, frequency, period)
    return created


@transaction.atomic
def _digest_one(*, user_id: int, frequency: str, period: str, now: datetime) -> int:
    """One resident's digest; locks their waiting items (FOR UPDATE SKIP LOCKED)."""
    key = digest_key(frequency=frequency, period=period, user_id=user_id)
    if Event.objects.filter(idempotency_key=key).exists():
        return 0  # this period's digest went out already; newer items wait for the next
    items = list(
        DigestItem.objects.select_for_update(skip_locked=True)
        .filter(
            user_id=user_id, frequency=frequency, digest_event__isnull=True, created_at__lte=now
        )
        .order_by("id")
        .values_list("id", "event_id")
    )
    if not items:
        return 0
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        DigestItem.objects.filter(id__in=[item_id for item_id, _event in items]).delete()
        return 0
    event = event_create(
        kind=DIGEST_TOPIC,
        recipients=[user],
        channels_for=lambda _user: [ChannelName.EMAIL],
        context={
            "subject": _SUBJECTS[frequency],
            "body": _BODY,
            "params": {"site": settings.SITE_NAME},
            "url": reverse("notifications:preferences"),
            "action": _ACTION,
            "items": [event_id for _item, event_id in items],
        },
        idempotency_key=key,
    )
    DigestItem.objects.filter(id__in=[item_id for item_id, _event in items]).update(
        digest_event=event
    )
    return 1
