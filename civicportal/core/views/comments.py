"""Posting, replying to, editing and deleting comments.

Every action is a plain form POST that redirects back to the item's page; with htmx
(``request.htmx``) the answer is the re-rendered thread (``core/_comments.html``), which
replaces the old one in place. A refused post keeps what the resident typed, with the
reason beside it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from civicportal.core import selectors, services
from civicportal.core.forms import CommentForm, ReplyForm
from civicportal.core.models import Comment
from civicportal.core.views.base import add_service_errors, next_url, target_or_404


def _thread_response(request, target, **context) -> HttpResponse:
    return render(request, "core/_comments.html", {"object": target, **context})


def _comment_or_404(request, pk: int, *, shown_only: bool = True) -> Comment:
    """The comment, if the user may see it and the item it is on; 404 alike otherwise.

    Hidden or deleted comments, and comments on an item hidden or restricted by its own
    page's rules, are not found (docs/specification.md §10). ``shown_only=False``: see
    ``selectors.comment_get``.
    """
    try:
        return selectors.comment_get(viewer=request.user, pk=pk, shown_only=shown_only)
    except Comment.DoesNotExist:
        raise Http404 from None


class CommentCreateView(LoginRequiredMixin, View):
    """Post a comment on an item: ``POST /participate/<type>/<id>/comments/``."""

    http_method_names = ["post"]

    def post(self, request, target: str, object_id: int):
        item = target_or_404(request, target, object_id, "comments")
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comment = services.comment_create(
                    author=request.user, target=item, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if request.htmx:
                    return _thread_response(request, item, posted_id=comment.pk)
                messages.success(request, _("Your comment has been posted."))
                back = next_url(request, form.cleaned_data.get("next"), item)
                return redirect(f"{back}#comment-{comment.pk}")
        if request.htmx:
            return _thread_response(request, item, comment_form=form)
        return render(
            request,
            "core/comment_form.html",
            {"form": form, "object": item, "title": _("Post a comment"), "action": request.path},
        )


class CommentReplyView(LoginRequiredMixin, View):
    """Reply to a comment: a page with the form (GET), and posting it (POST)."""

    def _render_page(self, request, comment, form):
        return render(
            request,
            "core/comment_form.html",
            {
                "form": form,
                "object": comment.target,
                # Quoted only while the resident may read it (it may have left the thread).
                "comment": comment if selectors.comment_visible(request.user, comment) else None,
                "title": _("Reply to a comment"),
                "action": request.path,
            },
        )

    def get(self, request, pk: int):
        comment = _comment_or_404(request, pk)
        top = comment.parent_id or comment.pk
        form = ReplyForm(initial={"next": request.GET.get("next", "")}, auto_id=f"reply_{top}_%s")
        if request.htmx:
            return _thread_response(
                request, comment.target, reply_form=form, reply_to=comment.parent_id or comment.pk
            )
        return self._render_page(request, comment, form)

    def post(self, request, pk: int):
        # A comment that left the thread since the form was shown is still found here (if
        # its item may be seen), so the refusal keeps the typed text; its own text is not
        # shown.
        comment = _comment_or_404(request, pk, shown_only=False)
        item = comment.target
        form = ReplyForm(request.POST, auto_id=f"reply_{comment.parent_id or comment.pk}_%s")
        if form.is_valid():
            try:
                reply = services.comment_create(
                    author=request.user, target=item, body=form.cleaned_data["body"], parent=comment
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if request.htmx:
                    return _thread_response(request, item, posted_id=reply.pk)
                messages.success(request, _("Your reply has been posted."))
                back = next_url(request, form.cleaned_data.get("next"), item)
                return redirect(f"{back}#comment-{reply.pk}")
        if request.htmx:
            top = comment.parent or comment
            if top.is_deleted or not top.is_visible:
                # The comment left the thread: keep the text in the main form instead.
                return _thread_response(request, item, comment_form=form)
            return _thread_response(request, item, reply_form=form, reply_to=top.pk)
        return self._render_page(request, comment, form)


class CommentEditView(LoginRequiredMixin, View):
    """Edit one's own comment within the edit window."""

    def _render(self, request, comment, form):
        if request.htmx:
            return _thread_response(request, comment.target, edit_form=form, edit_id=comment.pk)
        return render(
            request,
            "core/comment_form.html",
            {
                "form": form,
                "object": comment.target,
                "comment": comment,
                "title": _("Edit your comment"),
                "action": request.path,
            },
        )

    def get(self, request, pk: int):
        comment = _comment_or_404(request, pk)
        if not request.user.has_perm("core.change_comment", comment):
            raise PermissionDenied
        form = CommentForm(
            initial={"body": comment.body, "next": request.GET.get("next", "")}, auto_id="edit_%s"
        )
        return self._render(request, comment, form)

    def post(self, request, pk: int):
        comment = _comment_or_404(request, pk)
        form = CommentForm(request.POST, auto_id="edit_%s")
        if form.is_valid():
            try:
                services.comment_update(
                    actor=request.user, comment=comment, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if request.htmx:
                    return _thread_response(request, comment.target, posted_id=comment.pk)
                messages.success(request, _("Your comment has been updated."))
                back = next_url(request, form.cleaned_data.get("next"), comment.target)
                return redirect(f"{back}#comment-{comment.pk}")
        return self._render(request, comment, form)


class CommentDeleteView(LoginRequiredMixin, View):
    """Delete a comment (its author, or a moderator): a confirmation page, then POST."""

    def get(self, request, pk: int):
        comment = _comment_or_404(request, pk)
        if not request.user.has_perm("core.delete_comment", comment):
            raise PermissionDenied
        return render(
            request,
            "core/comment_delete.html",
            {"comment": comment, "object": comment.target, "next": request.GET.get("next", "")},
        )

    def post(self, request, pk: int):
        comment = _comment_or_404(request, pk)
        try:
            services.comment_delete(actor=request.user, comment=comment)
        except ValidationError:
            # It left the thread, or its page was restricted, since it was read above.
            raise Http404 from None
        if request.htmx:
            return _thread_response(request, comment.target)
        messages.success(request, _("The comment has been deleted."))
        back = next_url(request, request.POST.get("next"), comment.target)
        return redirect(f"{back}#comments")
