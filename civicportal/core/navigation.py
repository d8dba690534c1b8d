"""The portal's module registry: what each app adds to the main menu, home page and banner.

Core never imports a domain app. Instead, each app registers itself from its
``AppConfig.ready()``::

    from civicportal.core import navigation

    class ProposalsConfig(AppConfig):
        def ready(self):
            navigation.register_section(
                key="proposals",
                label=_("Ideas"),
                url_name="proposals:idea-list",
                order=10,
                home_template="proposals/_home_section.html",
            )

An entry whose URL does not resolve yet is left out of the menu, so an app can register
before its pages exist. ``register_banner`` adds a template rendered at the top of every
page (the alerts module uses it for the active-alert banner).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class Section:
    """One module of the portal as residents see it: a menu entry and a home-page part."""

    key: str
    label: str | Promise
    url_name: str
    order: int = 100
    home_template: str | None = None


@dataclass(frozen=True)
class ResolvedSection:
    section: Section
    url: str
    is_current: bool

    @property
    def label(self) -> str | Promise:
        return self.section.label

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def home_template(self) -> str | None:
        return self.section.home_template


_sections: dict[str, Section] = {}
_banner_templates: list[str] = []


def register_section(
    *,
    key: str,
    label: str | Promise,
    url_name: str,
    order: int = 100,
    home_template: str | None = None,
) -> Section:
    """Add (or replace, by ``key``) a module's entry. Safe to call twice from ``ready()``."""
    section = Section(
        key=key, label=label, url_name=url_name, order=order, home_template=home_template
    )
    _sections[key] = section
    return section


def unregister_section(key: str) -> None:
    _sections.pop(key, None)


def register_banner(template_name: str) -> None:
    """Render ``template_name`` at the top of every page, in registration order."""
    if template_name not in _banner_templates:
        _banner_templates.append(template_name)


def unregister_banner(template_name: str) -> None:
    if template_name in _banner_templates:
        _banner_templates.remove(template_name)


def banner_templates() -> list[str]:
    return list(_banner_templates)


def sections(request: HttpRequest | None = None) -> list[ResolvedSection]:
    """Registered sections whose URL resolves, in menu order, marking the current one."""
    path = request.path if request is not None else ""
    resolved = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        try:
            url = reverse(section.url_name)
        except NoReverseMatch:
            continue  # the app registered before its pages exist
        resolved.append(
            ResolvedSection(
                section=section, url=url, is_current=bool(path) and path.startswith(url)
            )
        )
    return resolved
