"""Community life's admin screens, one module per part."""

from community import admin_events, admin_stories  # noqa: F401  (each registers its own)
