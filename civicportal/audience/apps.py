"""Who takes part: visits and participations per source link, voluntary profile answers,
and the staff dashboard that holds them against the council's population figures."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    name = "civicportal.audience"
    label = "audience"
    verbose_name = _("Who takes part")

    def ready(self) -> None:
        from civicportal.audience import plugins

        plugins.register()
