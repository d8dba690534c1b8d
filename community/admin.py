"""Community life's admin, one module per part."""

from community import admin_events  # noqa: F401
