"""Staff screens for accounts, areas, residency verification and the census."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civicportal.accounts import selectors, services
from civicportal.accounts.forms import CensusImportForm, ResidencyRejectForm
from civicportal.accounts.jobs import CENSUS_IMPORT
from civicportal.accounts.models import Area, CensusEntry, CensusImport, ResidencyRequest, User
from civicportal.kernel.admin import RulesAdminMixin
from civicportal.kernel.services import job_start

# --- Users ---------------------------------------------------------------------------------


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes = {}


class UserChangeAdminForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}


class VerifiedFilter(admin.SimpleListFilter):
    title = _("residency verified")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(verified_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(RulesAdminMixin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "preferred_language", "home_area")}),
        (_("Residency"), {"fields": ("verified_at",)}),
        (
            _("Roles and access"),
            {"fields": ("is_active", "is_staff", "groups", "is_superuser", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "email",
        "display_name",
        "home_area",
        "is_verified",
        "is_staff",
        "is_active",
        "date_joined",
    )
    list_filter = (
        "is_staff",
        "is_superuser",
        "is_active",
        "groups",
        VerifiedFilter,
        "home_area",
        "preferred_language",
    )
    search_fields = ("email", "display_name")
    ordering = ("email",)
    list_select_related = ("home_area",)
    readonly_fields = ("verified_at", "last_login", "date_joined")
    filter_horizontal = ("groups", "user_permissions")

    @admin.display(boolean=True, description=_("verified"), ordering="verified_at")
    def is_verified(self, obj: User) -> bool:
        return obj.is_verified

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser hands out superuser status or one-off permissions.
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)


# --- Areas ---------------------------------------------------------------------------------


@admin.register(Area)
class AreaAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "resident_count", "has_boundary")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", "boundary")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resident_count=Count("residents"))

    @admin.display(description=_("residents"), ordering="resident_count")
    def resident_count(self, obj: Area) -> int:
        return obj.resident_count

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, obj: Area) -> bool:
        return bool(obj.boundary)


# --- Residency requests --------------------------------------------------------------------


@admin.register(ResidencyRequest)
class ResidencyRequestAdmin(RulesAdminMixin, admin.ModelAdmin):
    """The review queue: pending requests first, oldest first."""

    list_display = (
        "created_at",
        "user",
        "area",
        "status",
        "has_identifier",
        "matched_census",
        "reviewed_by",
        "reviewed_at",
    )
    list_filter = ("status", "area", "matched_census")
    search_fields = ("user__email", "user__display_name", "note")
    list_select_related = ("user", "area", "reviewed_by")
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected"]
    fields = (
        "user",
        "area",
        "note",
        "has_identifier",
        "status",
        "matched_census",
        "reviewed_by",
        "reviewed_at",
        "staff_reason",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.residency_request_queue()

    def get_ordering(self, request):
        # The queryset's queue order; an explicit column sort in the list still wins.
        return ("queue_position", "created_at")

    def has_add_permission(self, request):
        return False  # residents send requests from their verification page

    def has_change_permission(self, request, obj=None):
        return False  # decisions go through the approve/reject actions

    def has_delete_permission(self, request, obj=None):
        return False  # the history of decisions is kept

    def has_approve_permission(self, request):
        return request.user.has_perm("accounts.approve_residencyrequest")

    @admin.display(boolean=True, description=_("identifier given"))
    def has_identifier(self, obj: ResidencyRequest) -> bool:
        return bool(obj.identifier_hash)

    def _review(self, request, queryset, review, **kwargs) -> int:
        done = 0
        for residency_request in queryset.order_by("pk"):
            try:
                review(residency_request=residency_request, actor=request.user, **kwargs)
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                self.message_user(
                    request,
                    gettext("%(request)s: %(error)s")
                    % {"request": residency_request, "error": text},
                    messages.WARNING,
                )
            else:
                done += 1
        return done

    @admin.action(description=_("Approve selected requests"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        done = self._review(request, queryset, services.residency_request_approve)
        if done:
            self.message_user(
                request,
                ngettext("%(count)s resident verified.", "%(count)s residents verified.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reject selected requests…"), permissions=["approve"])
    def reject_selected(self, request, queryset):
        form = ResidencyRejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = self._review(
                request,
                queryset,
                services.residency_request_reject,
                reason=form.cleaned_data["reason"],
            )
            if done:
                self.message_user(
                    request,
                    ngettext("%(count)s request rejected.", "%(count)s requests rejected.", done)
                    % {"count": done},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Reject residency requests"),
            "opts": self.opts,
            "form": form,
            "queryset": queryset.select_related("user", "area"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "action": "reject_selected",
        }
        return TemplateResponse(
            request, "admin/accounts/residencyrequest/reject_selected.html", context
        )


# --- Census --------------------------------------------------------------------------------


@admin.register(CensusImport)
class CensusImportAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Past imports, and the upload page, which starts a background job (a file with any
    bad line is refused whole)."""

    change_list_template = "admin/accounts/censusimport/change_list.html"
    list_display = ("imported_at", "file_name", "row_count", "matched_count", "imported_by")
    list_select_related = ("imported_by",)
    readonly_fields = ("imported_at", "file_name", "row_count", "matched_count", "imported_by")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # through the upload page, not the plain add form

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="accounts_censusimport_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": request.user.has_perm("accounts.import_census"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def import_view(self, request):
        """The file is stored with a background job (``accounts.jobs``), which imports it;
        the request only starts the job and goes to its progress page (a census file of a
        whole town takes a while to check and store)."""
        if not request.user.has_perm("accounts.import_census"):
            raise PermissionDenied
        form = CensusImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            job = job_start(
                CENSUS_IMPORT, user=request.user, files={"file": form.cleaned_data["file"]}
            )
            return HttpResponseRedirect(job.get_absolute_url())
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import a census file"),
            "opts": self.opts,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/accounts/censusimport/import_form.html", context)


@admin.register(CensusEntry)
class CensusEntryAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = ("identifier_hash", "area", "census_import")
    list_filter = ("area", "census_import")
    search_fields = ("=identifier_hash",)
    list_select_related = ("area", "census_import")
    readonly_fields = ("identifier_hash", "area", "census_import")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
