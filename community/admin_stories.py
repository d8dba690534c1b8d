"""Moderators' admin screens for stories and their campaigns.

Stories are read-only here: a decision goes through the services (audited, the author
told), from the bulk actions below or from the moderation queue, where a rejection takes
its reason. The list opens on the stories awaiting moderation, oldest first.

Campaign posts brought in from Mastodon and Bluesky are read-only here too: decisions go
through their services (audited), from the bulk actions or the staff queue."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civicportal.core.staff_screens import ObjectScreensColumnMixin
from civicportal.kernel.admin import RulesAdminMixin
from community.models.hashtag_posts import HashtagPost, HashtagPostState
from community.models.stories import Campaign, Story, StoryState
from community.services import hashtag_posts as hashtag_services
from community.services import stories as services


class StoryStateFilter(admin.SimpleListFilter):
    """Awaiting moderation by default: the queue is what needs action."""

    title = _("state")
    parameter_name = "state"
    states = StoryState
    default = StoryState.PENDING

    def lookups(self, request, model_admin):
        return [*self.states.choices, ("all", _("All"))]

    def choices(self, changelist):
        value = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.default
        if value == "all":
            return queryset
        return queryset.filter(state=value)


def _run(modeladmin, request, queryset, action, done_message) -> None:
    done = 0
    for story in queryset:
        try:
            action(actor=request.user, story=story)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            messages.error(
                request, f"{story}: {' '.join(getattr(error, 'messages', [str(error)]))}"
            )
    if done:
        messages.success(request, done_message(done))


@admin.register(Story)
class StoryAdmin(ObjectScreensColumnMixin, RulesAdminMixin, admin.ModelAdmin):
    list_display = ("title", "state", "area", "campaign", "author", "created_at", "featured_at")
    list_filter = (StoryStateFilter, "campaign", "area")
    list_select_related = ("area", "campaign", "author")
    search_fields = ("title",)
    ordering = ("created_at",)
    actions = ["publish_stories", "feature_stories"]
    readonly_fields = (
        "author", "title", "body", "area", "campaign", "photo", "photo_description",
        "source_url", "state", "rejection_reason", "moderated_by", "moderated_at",
        "published_at", "featured_at", "thanks_count", "created_at",
    )  # fmt: skip
    exclude = ("body_html",)

    def has_add_permission(self, request):
        return False  # residents share stories on the site; staff code uses story_publish_from

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("community.moderate_story")

    def has_moderate_permission(self, request):
        return request.user.has_perm("community.moderate_story")

    @admin.action(description=_("Publish the selected stories"), permissions=["moderate"])
    def publish_stories(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.story_publish,
            lambda n: (
                ngettext("%(count)d story published.", "%(count)d stories published.", n)
                % {"count": n}
            ),
        )

    @admin.action(
        description=_("Feature the selected stories on the home page"), permissions=["moderate"]
    )
    def feature_stories(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.story_feature,
            lambda n: (
                ngettext("%(count)d story featured.", "%(count)d stories featured.", n)
                % {"count": n}
            ),
        )


@admin.register(Campaign)
class CampaignAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = (
        "name", "hashtag", "starts_on", "ends_on", "area", "is_active", "bring_in_posts",
    )  # fmt: skip
    list_filter = ("is_active", "bring_in_posts", "area")
    list_select_related = ("area",)
    search_fields = ("name", "hashtag")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name", "slug", "hashtag", "description", "starts_on", "ends_on", "area",
        "is_active", "bring_in_posts",
    )  # fmt: skip


class HashtagPostStateFilter(StoryStateFilter):
    """Awaiting moderation by default, as for stories."""

    states = HashtagPostState
    default = HashtagPostState.PENDING


def _decide_posts(request, queryset, service, done_message) -> None:
    done = 0
    for post in queryset:
        try:
            service(actor=request.user, post=post)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, f"{post}: {' '.join(getattr(error, 'messages', [str(error)]))}")
    if done:
        messages.success(request, done_message(done))


@admin.register(HashtagPost)
class HashtagPostAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("author_handle", "network", "campaign", "posted_at", "state", "checked_at")
    list_filter = (HashtagPostStateFilter, "network", "campaign")
    list_select_related = ("campaign",)
    search_fields = ("author_handle", "author_name", "text")
    ordering = ("posted_at",)
    actions = ["approve_posts", "reject_posts"]
    readonly_fields = (
        "campaign", "network", "source_id", "source_url", "author_handle", "author_name",
        "text", "language", "posted_at", "state", "removal_reason", "removal_requested_at",
        "moderated_by", "moderated_at", "checked_at", "imported_at",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False  # the periodic pull brings posts in

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # "remove for good" in the queue keeps the id, so no pull re-adds it

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("community.moderate_hashtag_post")

    def has_moderate_permission(self, request):
        return request.user.has_perm("community.moderate_hashtag_post")

    @admin.action(description=_("Approve the selected posts"), permissions=["moderate"])
    def approve_posts(self, request, queryset):
        _decide_posts(
            request,
            queryset,
            hashtag_services.hashtag_post_approve,
            lambda n: (
                ngettext("%(count)d post approved.", "%(count)d posts approved.", n) % {"count": n}
            ),
        )

    @admin.action(description=_("Reject the selected posts"), permissions=["moderate"])
    def reject_posts(self, request, queryset):
        _decide_posts(
            request,
            queryset,
            hashtag_services.hashtag_post_reject,
            lambda n: (
                ngettext("%(count)d post rejected.", "%(count)d posts rejected.", n) % {"count": n}
            ),
        )
