"""The events part's admin: read-only lists of events and sign-ups, and the moderation
queue of residents' events with a publish action. Events are created and changed on the
portal's pages through the services (checks, notices, the calendars' SEQUENCE); the queue's
action publishes through them too."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from civicportal.kernel.admin import RulesAdminMixin
from community.models import Event, EventAwaitingModeration, EventSignup
from community.services import events as services


class ReadOnlyAdmin(RulesAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "state", "starts_at", "area", "confirmed_count", "capacity")
    list_filter = ("state", "kind", "area")
    search_fields = ("title", "place")
    date_hierarchy = "starts_at"
    list_select_related = ("area",)
    readonly_fields = [f.name for f in Event._meta.fields]


@admin.register(EventAwaitingModeration)
class EventAwaitingModerationAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "organiser", "starts_at", "area", "created_at")
    list_select_related = ("area", "organiser")
    readonly_fields = [f.name for f in Event._meta.fields]
    actions = ["publish"]

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("community.publish_event")

    @admin.action(description=_("Publish the selected events"), permissions=["publish"])
    def publish(self, request, queryset) -> None:
        published = 0
        for event in queryset:
            try:
                services.event_publish(actor=request.user, event=event.pk)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(getattr(error, "messages", None) or [str(error)])
                self.message_user(request, f"{event.title}: {reason}", messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(
                request,
                _("%(count)s events published.") % {"count": published},
                messages.SUCCESS,
            )


@admin.register(EventSignup)
class EventSignupAdmin(ReadOnlyAdmin):
    list_display = ("event", "user", "status", "created_at", "checked_in_at")
    list_filter = ("status",)
    list_select_related = ("event", "user")
    search_fields = ("event__title", "user__email")
    readonly_fields = [f.name for f in EventSignup._meta.fields]
