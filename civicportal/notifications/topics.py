"""The registry of notification topics: what residents can choose to hear about.

Each app registers its topics once, from its ``AppConfig.ready``::

    from civicportal.notifications.topics import Topic, topic_register

    topic_register(Topic(
        key="proposals.status_changed",
        label=_("Status changes of ideas I support or follow"),
        description=_("When the council changes the status of an idea."),
        default_channels=("email", "inbox"),
    ))

A topic's key is the ``kind`` of its events. Urgent topics (alerts) are never gathered
into a digest. ``channels`` lists the personal channels a resident may switch on for the
topic (social media is the council's own, never a resident's choice). ``audience`` (a
predicate on the user) narrows who may receive it, e.g. staff in some role; the
preferences page offers a topic only to its audience.

A topic that people without an account may subscribe to (by email or phone number) names
its ``anonymous`` hooks (``AnonymousSubscriptions``): how a confirmed sign-up's choices are
stored, described and exported (``services.subscribers``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicportal.notifications.models import ChannelName, validate_kind

if TYPE_CHECKING:
    from civicportal.notifications.models import Subscriber

PERSONAL_CHANNELS: tuple[str, ...] = (
    ChannelName.EMAIL,
    ChannelName.PUSH,
    ChannelName.SMS,
    ChannelName.INBOX,
)

# The digest email itself; internal, not offered on the preferences page.
DIGEST_TOPIC = "notifications.digest"


@dataclass(frozen=True)
class AnonymousSubscriptions:
    """A topic's hooks for subscribers without an account.

    ``choices`` are what the topic's sign-up form asks for, as JSON-ready data.
    ``apply(subscriber, choices)`` stores them once the address is confirmed (inside the
    confirming transaction); ``current(subscriber)`` gives back the stored ones (None
    before confirmation); ``describe(choices)`` says them in words, for the confirmation
    message, the subscriber's page and their data, and raises ``ValidationError`` for
    choices it cannot read.
    """

    apply: Callable[[Subscriber, dict[str, Any]], None]
    current: Callable[[Subscriber], dict[str, Any] | None]
    describe: Callable[[dict[str, Any]], list[str]]


@dataclass(frozen=True)
class Topic:
    key: str
    label: str | Promise
    description: str | Promise = ""
    default_channels: tuple[str, ...] = (ChannelName.EMAIL, ChannelName.INBOX)
    urgent: bool = False
    channels: tuple[str, ...] = PERSONAL_CHANNELS
    # Internal topics are sent by the engine itself and not shown on the preferences page.
    internal: bool = False
    # Who may receive it (None: every resident); others are never offered it.
    audience: Callable[[Any], bool] | None = None
    # Set when people without an account may subscribe to it.
    anonymous: AnonymousSubscriptions | None = None

    def offered_to(self, user) -> bool:
        """Whether ``user`` may receive this topic (and so choose how)."""
        return self.audience is None or bool(self.audience(user))

    def __post_init__(self) -> None:
        validate_kind(self.key)
        unknown = (set(self.channels) | set(self.default_channels)) - set(PERSONAL_CHANNELS)
        if unknown:
            raise ValueError(
                f"Topic {self.key!r} names channels that residents cannot choose: "
                f"{', '.join(sorted(unknown))}."
            )
        if not set(self.default_channels) <= set(self.channels):
            raise ValueError(f"Topic {self.key!r} has default channels it does not offer.")


_TOPICS: dict[str, Topic] = {}


def topic_register(topic: Topic) -> Topic:
    """Add ``topic``; registering the same key again replaces it (module reloads, tests)."""
    _TOPICS[topic.key] = topic
    return topic


def topic_unregister(key: str) -> None:
    _TOPICS.pop(key, None)


def topic_get(key: str) -> Topic:
    """The registered topic ``key``; raises ``LookupError`` naming the known ones."""
    try:
        return _TOPICS[key]
    except KeyError:
        raise LookupError(
            f"No notification topic {key!r} is registered (known: "
            f"{', '.join(sorted(_TOPICS)) or 'none'}). Register it in the app's "
            "AppConfig.ready with civicportal.notifications.topics.topic_register."
        ) from None


def topics_all(*, include_internal: bool = False) -> list[Topic]:
    """Registered topics in registration order."""
    return [t for t in _TOPICS.values() if include_internal or not t.internal]


def topics_for(user) -> list[Topic]:
    """The topics ``user`` may choose about: not internal, and ``user`` in their audience."""
    return [t for t in topics_all() if t.offered_to(user)]


topic_register(
    Topic(
        key=DIGEST_TOPIC,
        label=_("Digest of notices"),
        description=_("The daily or weekly email gathering the notices you chose to batch."),
        default_channels=(ChannelName.EMAIL,),
        channels=(ChannelName.EMAIL,),
        internal=True,
    )
)
