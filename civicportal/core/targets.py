"""The registry of items residents can comment on, follow and report.

Core never imports a domain app: each app registers its models from ``AppConfig.ready()``::

    from civicportal.core import targets

    class ProposalsConfig(AppConfig):
        def ready(self):
            from proposals.models import Idea

            targets.register(Idea)                       # comments, follows, reports
            targets.register(Point, comments=False)      # follows and reports only

Pages and the API name an item by its key (``"proposals.idea"``) and id. Reports need a
``Moderatable`` model, since reporting can hide the item; a model's ``can_view(user, obj)``
(optional) keeps private items out of reach: a paragraph of an unpublished consultation, a
point of a hidden idea. ``target_visible`` is the one answer to "may this user see this
item?", which every view and service taking an item (or a comment on one) asks, so what
moderation hides or a page's rules restrict is reachable by no id (docs/specification.md
§10).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from civicportal.core.models.moderation import Moderatable


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    comments: bool = True
    follows: bool = True
    flags: bool = True
    can_view: Callable[[object, models.Model], bool] | None = None

    @property
    def key(self) -> str:
        return model_key(self.model)


_TARGETS: dict[str, Target] = {}


def model_key(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def register(
    model: type[models.Model],
    *,
    comments: bool = True,
    follows: bool = True,
    flags: bool | None = None,
    can_view: Callable[[object, models.Model], bool] | None = None,
) -> Target:
    """Add ``model`` (or replace its entry). ``flags`` defaults to "if it is Moderatable"."""
    moderatable = issubclass(model, Moderatable)
    if flags is None:
        flags = moderatable
    if flags and not moderatable:
        raise ValueError(
            f"{model_key(model)} cannot be reported: reporting may hide it, so it must "
            "inherit civicportal.core.models.Moderatable."
        )
    target = Target(model=model, comments=comments, follows=follows, flags=flags, can_view=can_view)
    _TARGETS[target.key] = target
    return target


def unregister(model: type[models.Model]) -> None:
    _TARGETS.pop(model_key(model), None)


def registered(feature: str) -> list[Target]:
    """The registered entries offering ``feature`` (``"comments"``, ``"follows"`` or
    ``"flags"``), e.g. what can be reported, for the moderation queue's filter."""
    return [target for target in _TARGETS.values() if getattr(target, feature)]


def target_get(key: str) -> Target:
    """The registered entry for ``key``; ``LookupError`` when there is none."""
    try:
        return _TARGETS[key]
    except KeyError:
        raise LookupError(f"{key!r} is not a registered participation target.") from None


def target_for(obj: models.Model) -> Target:
    return target_get(model_key(obj))


def target_visible(viewer, obj: models.Model | None) -> bool:
    """Whether ``viewer`` (a user, anonymous, or None) may see the registered item ``obj``.

    False for an unregistered model, an item hidden by moderation (pending review too) and
    one its model's ``can_view`` keeps from ``viewer``.
    """
    if obj is None:
        return False
    try:
        target = target_for(obj)
    except LookupError:
        return False
    if isinstance(obj, Moderatable) and not obj.is_visible:
        return False
    return target.can_view is None or bool(target.can_view(viewer, obj))


def target_resolve(key: str, object_id: int, *, viewer=None, feature: str) -> models.Model:
    """The registered, visible item ``key``/``object_id`` offering ``feature``.

    ``feature`` is ``"comments"``, ``"follows"`` or ``"flags"``. Raises
    ``ObjectDoesNotExist`` for an unknown key, a feature the model does not offer, a
    missing or hidden item, or one ``viewer`` may not see: callers answer 404.
    """
    try:
        target = target_get(key)
    except LookupError:
        raise ObjectDoesNotExist(key) from None
    if not getattr(target, feature):
        raise ObjectDoesNotExist(key)
    queryset = target.model._default_manager.all()
    if issubclass(target.model, Moderatable):
        queryset = queryset.visible()
    obj = queryset.get(pk=object_id)
    if not target_visible(viewer, obj):
        raise ObjectDoesNotExist(key)
    return obj


def offers(obj: models.Model, feature: str) -> bool:
    try:
        return bool(getattr(target_for(obj), feature))
    except LookupError:
        return False
