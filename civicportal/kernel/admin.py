"""Admin building blocks for every app's staff screens (they register no model here)."""

from __future__ import annotations

from django.http import HttpRequest


class RulesAdminMixin:
    """Admin permissions come from django-rules (accounts/rules.py), not per-user grants."""

    def _perm(self, request: HttpRequest, verb: str, obj=None) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{verb}_{self.opts.model_name}", obj)

    def has_view_permission(self, request, obj=None):
        return self._perm(request, "view", obj) or self.has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._perm(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._perm(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._perm(request, "delete", obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


class ChoicesOnceInlineMixin:
    """The selects named in ``choices_once`` read their choices once per page.

    Every row of an inline gets its own copy of the form's fields, and a copied select of
    related objects runs its query again: one query per row. Choices fixed when the formset
    is built are shared by all its rows (the submitted value is still checked against the
    field's queryset).
    """

    choices_once: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name in self.choices_once:
            field.choices = list(field.choices)
        return field
