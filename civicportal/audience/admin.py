"""Administrators' admin screens: the profile questions (with their choices) and the
population figures the dashboard compares against."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicportal.audience.models import PopulationFigure, ProfileChoice, ProfileQuestion
from civicportal.kernel.admin import RulesAdminMixin


class ProfileChoiceInline(admin.TabularInline):
    # Django's inline asks ``audience.<verb>_profilechoice``, which the rules answer.
    model = ProfileChoice
    fields = ("key", "label", "order")
    extra = 1


@admin.register(ProfileQuestion)
class ProfileQuestionAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("display_label", "key", "kind", "order", "active", "built_in")
    list_filter = ("active",)
    fields = ("key", "label", "kind", "order", "active")
    inlines = [ProfileChoiceInline]

    @admin.display(description=_("question"))
    def display_label(self, obj: ProfileQuestion) -> str:
        return str(obj.display_label)

    def get_readonly_fields(self, request, obj=None):
        # The built-in questions' key and kind are what the dashboard relies on.
        return ("key", "kind") if obj is not None and obj.built_in else ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.built_in:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(PopulationFigure)
class PopulationFigureAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("question", "target", "count", "as_of", "source_note")
    list_filter = ("question",)
    fields = ("question", "choice", "area", "count", "as_of", "source_note")
    list_select_related = ("question", "choice__question", "area")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A choice is labelled with its question's built-in wording: read the questions in
        # the same query, not one per option.
        if db_field.name == "choice":
            kwargs["queryset"] = ProfileChoice.objects.select_related("question")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("choice or area"))
    def target(self, obj: PopulationFigure) -> str:
        return str(obj.choice.display_label if obj.choice_id else obj.area)
