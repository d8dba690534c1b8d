"""Template context shared by every page: the council's branding."""

from django.conf import settings
from django.http import HttpRequest


def branding(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "COUNCIL_NAME": settings.COUNCIL_NAME,
        "COUNCIL_LOGO_URL": settings.COUNCIL_LOGO_URL,
        "BRAND_PRIMARY_COLOR": settings.BRAND_PRIMARY_COLOR,
        "BRAND_ACCENT_COLOR": settings.BRAND_ACCENT_COLOR,
        "COUNCIL_CONTACT_EMAIL": settings.COUNCIL_CONTACT_EMAIL,
        "SITE_URL": settings.SITE_URL,
    }
