"""The staff's social posts under /staff/social/ (the second factor is enforced there):
list, compose from a public item, preview, send for approval, approve, reject, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from civicportal.core.shareables import item_get, source_get
from civicportal.notifications.channels.social import network_limit, social_accounts
from civicportal.notifications.rendering import absolute_url
from outreach.forms import PostForm, ReasonForm
from outreach.models import Post, PostState
from outreach.selectors import posts as selectors
from outreach.services import posts as services


def _error_text(error: Exception) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class StaffMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "outreach.view_post"
    raise_exception = True

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super(PermissionRequiredMixin, self).handle_no_permission()
        raise PermissionDenied(_("Only social media editors can open this page."))


class PostMixin:
    @cached_property
    def social_post(self) -> Post:
        return selectors.post_get(pk=self.kwargs["pk"])


class PostListView(StaffMixin, TemplateView):
    template_name = "outreach/posts/list.html"

    def get_context_data(self, **kwargs):
        state = self.request.GET.get("state", "")
        posts = list(selectors.post_list(state=state)[: selectors.LIST_LIMIT])
        return {
            **super().get_context_data(**kwargs),
            "rows": [(post, selectors.post_account_statuses(post)) for post in posts],
            "states": PostState.choices,
            "state": state,
        }


class PostSourcesView(StaffMixin, TemplateView):
    """Recent public items of every registered kind, each a link to compose from it."""

    template_name = "outreach/posts/sources.html"
    permission_required = "outreach.add_post"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "groups": selectors.source_groups(),
            "accounts": social_accounts(),
        }


def _limits(accounts: list[str]) -> dict[str, int]:
    return {account: network_limit(account) for account in accounts}


class PostComposeView(StaffMixin, FormView):
    template_name = "outreach/posts/compose.html"
    form_class = PostForm
    permission_required = "outreach.add_post"

    def _item_or_refusal(self):
        """Looks the item up (after the permission check); a kind no module registered, or
        an item that is not public, is told plainly on the sources page."""
        try:
            self.item = item_get(self.kwargs["kind"], self.kwargs["pk"])
        except ValidationError as error:
            messages.error(self.request, _error_text(error))
            return redirect("outreach:post-sources")
        return None

    def get(self, request, *args, **kwargs):
        return self._item_or_refusal() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._item_or_refusal() or super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "accounts": social_accounts()}

    def get_initial(self):
        texts = services.texts_prefill(self.item)
        return {
            "card_title": self.item.title,
            "card_description": self.item.description,
            **{f"text_{account}": text for account, text in texts.items()},
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "item": self.item,
            "source": source_get(self.item.kind),
            "link": absolute_url(self.item.url),
            "image_url": services.card_image_url(self.item),
            "title": _("Compose a post"),
        }

    def form_valid(self, form):
        try:
            post = services.post_create(
                actor=self.request.user,
                source_kind=self.item.kind,
                source_id=self.item.pk,
                **form.service_fields(),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            messages.error(self.request, _error_text(error))
            return redirect("outreach:post-list")
        messages.success(
            self.request,
            _("Draft saved. Check the preview, then send it for approval."),
        )
        return redirect(post.get_absolute_url())


class PostEditView(StaffMixin, PostMixin, FormView):
    template_name = "outreach/posts/compose.html"
    form_class = PostForm
    permission_required = "outreach.add_post"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "accounts": social_accounts()}

    def get_initial(self):
        post = self.social_post
        return {
            "card_title": post.card_title,
            "card_description": post.card_description,
            "scheduled_for": post.scheduled_for,
            **{f"text_{account}": text for account, text in post.texts.items()},
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "post": self.social_post,
            "link": absolute_url(self.social_post.url),
            "image_url": self.social_post.card_image_url,
            "title": _("Change the draft"),
        }

    def form_valid(self, form):
        try:
            services.post_update(
                actor=self.request.user, post=self.social_post, **form.service_fields()
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            messages.error(self.request, _error_text(error))
        else:
            messages.success(self.request, _("Draft saved."))
        return redirect(self.social_post.get_absolute_url())


class PostDetailView(StaffMixin, PostMixin, TemplateView):
    """The preview (the card and every account's text), the state, and the actions the
    viewer may take. The approve form carries the version shown: approval is of that."""

    template_name = "outreach/posts/detail.html"

    def get_template_names(self):
        # htmx polls the status panel until every account's post is done.
        request = self.request
        if getattr(request, "htmx", False) and not request.htmx.boosted:
            return ["outreach/posts/_status_panel.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        post = self.social_post
        user = self.request.user
        statuses = selectors.post_account_statuses(post)
        return {
            **super().get_context_data(**kwargs),
            "post": post,
            "link": absolute_url(post.url),
            "statuses": statuses,
            "polling": selectors.post_is_in_flight(post, statuses),
            "limits": _limits(list(post.texts)),
            "version": services.post_version(post),
            "is_author": post.author_id == user.pk,
            "can_edit": user.has_perm("outreach.change_post", post),
            "can_submit": post.state == PostState.DRAFT
            and user.has_perm("outreach.submit_post", post),
            "can_approve": post.state == PostState.AWAITING_APPROVAL
            and user.has_perm("outreach.approve_post", post),
            "can_reject": post.state == PostState.AWAITING_APPROVAL
            and user.has_perm("outreach.reject_post", post),
            "can_cancel": post.is_open and user.has_perm("outreach.cancel_post", post),
            "reason_form": ReasonForm(),
        }


class _PostAction(StaffMixin, PostMixin, View):
    """A POST that calls one service; its message (or refusal) shows on the post's page."""

    def post(self, request, pk: int):
        try:
            text = self.run()
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, text)
        return redirect(self.post_object_url())

    def post_object_url(self) -> str:
        return self.social_post.get_absolute_url()


class PostSubmitView(_PostAction):
    permission_required = "outreach.add_post"

    def run(self) -> str:
        services.post_submit(actor=self.request.user, post=self.social_post)
        return _("Sent for approval. A second social media editor must approve it.")


class PostApproveView(_PostAction):
    permission_required = "outreach.add_post"

    def run(self) -> str:
        post = services.post_approve(
            actor=self.request.user,
            post=self.social_post,
            version=self.request.POST.get("version", ""),
        )
        if post.scheduled_for:
            return _("Approved. It will be posted at the time set.")
        return _("Approved. It is being posted now.")


class PostRejectView(_PostAction):
    permission_required = "outreach.add_post"

    def run(self) -> str:
        services.post_reject(
            actor=self.request.user,
            post=self.social_post,
            reason=self.request.POST.get("reason", ""),
        )
        return _("Rejected. Its author sees your reason.")


class PostCancelView(_PostAction):
    permission_required = "outreach.add_post"

    def run(self) -> str:
        services.post_cancel(
            actor=self.request.user,
            post=self.social_post,
            reason=self.request.POST.get("reason", ""),
        )
        return _("Cancelled. Nothing of it will be posted.")
