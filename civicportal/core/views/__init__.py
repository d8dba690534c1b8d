"""The core's pages, by subdomain; import them from here.

- ``pages``: home, the council's theme, health check, error pages;
- ``comments``: posting, replying, editing and deleting comments (plain forms and htmx);
- ``moderation``: residents' reports;
- ``follows``: the follow button;
- ``share``: the Mastodon share step;
- ``personal_data``: a resident's data download and account deletion.
"""

from civicportal.core.views.pages import (
    AccessibilityView,
    HomeView,
    PrivacyView,
    healthz,
    page_not_found,
    permission_denied,
    server_error,
    theme_css,
)

__all__ = [
    "AccessibilityView",
    "HomeView",
    "PrivacyView",
    "healthz",
    "page_not_found",
    "permission_denied",
    "server_error",
    "theme_css",
]
