"""``{% load alerts_tags %}``: the alerts in force for the banner, and severity styles."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from alerts import selectors
from alerts.models import Severity
from civicportal.core.pagecache import page_cache_until

register = template.Library()

# Bootstrap colour pairs, each at least 4.5:1 (WCAG 2.1 AA) text on background.
_STYLES = {
    Severity.EXTREME: ("alert-banner-extreme bg-danger text-white", _("Extreme danger")),
    Severity.SEVERE: (
        "alert-banner-severe bg-danger-subtle text-danger-emphasis border-danger",
        _("Severe warning"),
    ),
    Severity.MODERATE: ("alert-banner-moderate bg-warning text-dark", _("Warning")),
    Severity.MINOR: ("alert-banner-minor bg-info-subtle text-info-emphasis", _("Advisory")),
    Severity.UNKNOWN: ("alert-banner-minor bg-info-subtle text-info-emphasis", _("Alert")),
}


@register.simple_tag(takes_context=True)
def banner_alerts(context) -> list[selectors.BannerAlert]:
    alerts = selectors.banner_alerts()
    # A stored copy of this page must not show an alert past its expiry.
    page_cache_until(context.get("request"), min((a.expires_at for a in alerts), default=None))
    return alerts


@register.filter
def severity_class(severity: str) -> str:
    return _STYLES.get(severity, _STYLES[Severity.UNKNOWN])[0]


@register.filter
def severity_word(severity: str) -> str:
    return str(_STYLES.get(severity, _STYLES[Severity.UNKNOWN])[1])
