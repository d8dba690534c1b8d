"""Community life's admin screens, one module per part."""

from community import admin_stories  # noqa: F401  (registers the stories' admin)
