"""Social reach: the council's posts on its social accounts, and the website widget."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Social reach")

    def ready(self) -> None:
        # Each part plugs itself in (staff screens, periodic tasks, personal data).
        from outreach import plugins

        plugins.register()
