"""Community life: events and community initiatives, and residents' stories."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community life")

    def ready(self) -> None:
        # Each part plugs itself in (navigation, roles, topics, personal data, demo data).
        from community import plugins

        plugins.register()
