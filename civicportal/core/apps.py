from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as StaticFilesConfigBase
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "civicportal.core"
    label = "core"
    verbose_name = _("Participation core")

    def ready(self) -> None:
        from civicportal.core import checks  # noqa: F401  (registers the system checks)


class StaticFilesConfig(StaticFilesConfigBase):
    """collectstatic without the npm tree: vendor files are mapped in STATICFILES_DIRS."""

    ignore_patterns = [*StaticFilesConfigBase.ignore_patterns, "node_modules", "package*.json"]
