"""Community life's models, one module per part."""

from community.models.events import (  # noqa: F401
    Event,
    EventAwaitingModeration,
    EventKind,
    EventPhoto,
    EventReminder,
    EventSignup,
)
