"""Staff screens outside the admin's model pages, linked from the admin, per role.

Staff start in the admin (``/admin/``), but much of their work happens on screens of their
module under ``/staff/`` (drafting and approving alerts, the ground reports' queue, the
live results of a consultation, background jobs). The platform never names a module: each
app declares its screens from ``AppConfig.ready()``, and the admin's index, its side menu
and its model pages show the ones the signed-in person may open::

    from civicportal.core import staff_screens

    staff_screens.register(
        app_label="alerts",
        key="alerts.desk",
        label=_("Alert desk"),
        description=_("Draft, approve, update and cancel alerts."),
        url_name="alerts:staff-list",
        permission="alerts.view_alert",  # the permission the screen's view asks for
        models=("alerts.alert",),  # its admin list links here too
    )
    staff_screens.register_for_object(
        model="alerts.alert",
        key="alerts.alert-desk",
        label=_("Open on the alert desk"),
        url=lambda alert: alert.get_staff_url(),
        permission="alerts.view_alert",
    )

A screen is shown only to whoever holds its permission (django-rules, asked the same way
the screen's view asks it, so a link never leads to a refusal), and only once its URL
resolves. A screen of one object is shown on that object's admin page; the admin's index
points to the model's admin list for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class StaffScreen:
    """A screen of a module that needs no object: a queue, a list, a form."""

    app_label: str
    key: str
    label: str | Promise
    url_name: str
    permission: str
    description: str | Promise = ""
    models: tuple[str, ...] = ()
    order: int = 100


@dataclass(frozen=True)
class ObjectScreen:
    """A screen about one object, e.g. a consultation's live results."""

    model: str
    key: str
    label: str | Promise
    url: Callable[[models.Model], str | None]
    permission: str
    order: int = 100

    @property
    def app_label(self) -> str:
        return self.model.split(".", 1)[0]


@dataclass(frozen=True)
class Link:
    """A screen the person may open: what the templates render."""

    key: str
    label: str | Promise
    url: str
    description: str | Promise = ""
    is_current: bool = False


@dataclass(frozen=True)
class Module:
    """One module's screens on the admin's index and in its side menu."""

    app_label: str
    name: str | Promise
    links: list[Link] = field(default_factory=list)


_screens: dict[str, StaffScreen] = {}
_object_screens: dict[str, ObjectScreen] = {}


def register(
    *,
    app_label: str,
    key: str,
    label: str | Promise,
    url_name: str,
    permission: str,
    description: str | Promise = "",
    models: tuple[str, ...] = (),
    order: int = 100,
) -> StaffScreen:
    """Add (or replace, by ``key``) a screen. ``models`` are ``"app_label.model_name"``
    whose admin lists link to it too. Safe to call twice from ``ready()``."""
    screen = StaffScreen(
        app_label=app_label,
        key=key,
        label=label,
        url_name=url_name,
        permission=permission,
        description=description,
        models=tuple(model.lower() for model in models),
        order=order,
    )
    _screens[key] = screen
    return screen


def register_for_object(
    *,
    model: str,
    key: str,
    label: str | Promise,
    url: Callable[[models.Model], str | None],
    permission: str,
    order: int = 100,
) -> ObjectScreen:
    """Add (or replace, by ``key``) a screen of one object of ``model``
    (``"app_label.model_name"``). ``url(obj)`` may return None when the object has no such
    screen (yet); ``permission`` is asked with the object."""
    screen = ObjectScreen(
        model=model.lower(), key=key, label=label, url=url, permission=permission, order=order
    )
    _object_screens[key] = screen
    return screen


def unregister(key: str) -> None:
    _screens.pop(key, None)
    _object_screens.pop(key, None)


def _sorted(screens):
    return sorted(screens, key=lambda screen: (screen.order, screen.key))


def _is_current(request: HttpRequest | None, url: str) -> bool:
    return request is not None and request.path == url


def links(request: HttpRequest, *, model: str | None = None) -> list[Link]:
    """The screens ``request.user`` may open; with ``model``, those linked from its list."""
    user = request.user
    found = []
    for screen in _sorted(_screens.values()):
        if model is not None and model not in screen.models:
            continue
        if not user.has_perm(screen.permission):
            continue
        try:
            url = reverse(screen.url_name)
        except NoReverseMatch:
            continue  # the app registered before its pages exist
        found.append(
            Link(
                key=screen.key,
                label=screen.label,
                url=url,
                description=screen.description,
                is_current=_is_current(request, url),
            )
        )
    return found


def object_links(request: HttpRequest, obj: models.Model | None) -> list[Link]:
    """The screens of ``obj`` that ``request.user`` may open."""
    if obj is None or obj.pk is None:
        return []
    model = obj._meta.label_lower
    found = []
    for screen in _sorted(_object_screens.values()):
        if screen.model != model or not request.user.has_perm(screen.permission, obj):
            continue
        url = screen.url(obj)
        if url:
            found.append(Link(key=screen.key, label=screen.label, url=url))
    return found


def _model_list_link(request: HttpRequest, screen: ObjectScreen, site) -> Link | None:
    """Where an object's screen is reached from: the model's admin list, if the person may
    see it there. Each object's page there links to the screen itself."""
    try:
        model = apps.get_model(screen.model)
    except LookupError:
        return None
    model_admin = site._registry.get(model)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        return None
    url = reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return Link(
        key=screen.key,
        label=screen.label,
        url=url,
        description=format_lazy(
            _("Choose one in the list of {models}: its page links there."),
            models=model._meta.verbose_name_plural,
        ),
    )


def modules(request: HttpRequest, *, app_label: str | None = None, site=None) -> list[Module]:
    """The screens ``request.user`` may open, by module in the admin's order (by name).

    A screen of one object appears as a link to the admin list of its model, unless a
    screen shown already is linked from that list (the alert desk covers every alert's
    page). With ``app_label``, that module's only.
    """
    site = site or admin.site
    by_app: dict[str, list[Link]] = {}
    covered: set[str] = set()
    for link in links(request):
        screen = _screens[link.key]
        if app_label is None or screen.app_label == app_label:
            by_app.setdefault(screen.app_label, []).append(link)
            covered.update(screen.models)
    for screen in _sorted(_object_screens.values()):
        if screen.model in covered or (app_label is not None and screen.app_label != app_label):
            continue
        link = _model_list_link(request, screen, site)
        if link is not None:
            by_app.setdefault(screen.app_label, []).append(link)
    found = []
    for label, module_links in by_app.items():
        try:
            name = apps.get_app_config(label).verbose_name
        except LookupError:
            name = label
        found.append(Module(app_label=label, name=name, links=module_links))
    return sorted(found, key=lambda module: str(module.name).lower())


class ObjectScreensColumnMixin:
    """A ModelAdmin mixin: a last column on the admin list linking each row to the screens
    of its object that the person may open (``register_for_object``)."""

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        model = self.opts.label_lower
        if not any(screen.model == model for screen in _object_screens.values()):
            return list_display

        @admin.display(description=_("staff screens"))
        def staff_screens_column(obj):
            return format_html_join(
                mark_safe("<br>"),
                '<a href="{}">{}</a>',
                ((link.url, link.label) for link in object_links(request, obj)),
            )

        # Second, so the links stay in view on a narrow screen; the first column opens the
        # object's admin page.
        return (*list_display[:1], staff_screens_column, *list_display[1:])
