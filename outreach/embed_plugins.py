"""What the embeddable widget plugs into the platform: its staff help page."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from civicportal.core import staff_screens

    staff_screens.register(
        app_label="outreach",
        key="outreach.embed-help",
        label=_("Widget for the council's website"),
        description=_("The snippet that shows consultations, ideas or alerts on your site."),
        url_name="outreach:embed-help",
        permission="accounts.view_admin",
    )
