"""The Sites framework's one site, kept to the portal's own name and address.

django.contrib.sites creates "example.com" on the first migration, and the sign-in library
(allauth) and Django's feeds read it: the greeting of an email, a feed's links. Every
``migrate`` sets it from the settings instead (``SITE_NAME``, the host of ``SITE_URL``), so
a council that renames its portal or moves it gets the change with its next deployment.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_domain() -> str:
    """The host (and port, if any) of ``SITE_URL``: what the site's ``domain`` holds."""
    return urlsplit(settings.SITE_URL).netloc or "localhost"


def site_sync(*, using: str = "default", apps=None, **kwargs) -> None:
    """Give the current site the portal's name and domain. A ``post_migrate`` receiver of
    the sites app, run after its own (which creates the site); safe to run any number of
    times."""
    from django.contrib.sites.models import Site

    site_model = apps.get_model("sites", "Site") if apps is not None else Site
    site_model.objects.using(using).update_or_create(
        pk=getattr(settings, "SITE_ID", 1),
        defaults={"name": settings.SITE_NAME[:50], "domain": site_domain()[:100]},
    )
    Site.objects.clear_cache()
