"""Comments on any registered item (``civicportal.core.targets``), one level of replies.

A reply to a reply attaches to the top-level comment (``services.comments.comment_create``
does that). The Markdown source is kept in ``body``; its sanitised HTML is cached in
``body_html`` by the service, never by ``save()``. Deleting is soft: the row stays so the
thread's replies keep their place, and the text is cleared.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicportal.core.models.moderation import Moderatable

COMMENT_MAX_LENGTH = 5000


class Comment(Moderatable):
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    target = GenericForeignKey("content_type", "object_id")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    # Null once the author deleted their account: the comment stays, shown as theirs no more.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    body_html = models.TextField(_("comment as HTML"), blank=True, editable=False)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="core_comment_not_own_parent",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body=""),
                name="core_comment_deleted_has_no_text",
            ),
        ]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "parent", "created_at"],
                name="core_comment_thread_idx",
            ),
            Moderatable.state_index("core_comment_moderation_idx"),
        ]

    def __str__(self) -> str:
        if self.is_deleted:
            return str(_("Deleted comment #%(id)s") % {"id": self.pk})
        text = " ".join(self.body.split())
        return text if len(text) <= 80 else text[:79] + "…"

    def get_absolute_url(self) -> str:
        target = self.target
        url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
        return f"{url}#comment-{self.pk}" if url else ""

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def author_name(self) -> str:
        """The name shown beside the comment; never an email address."""
        if self.author_id is None:
            return str(_("Deleted resident"))
        return self.author.public_name

    def get_moderation_excerpt(self) -> str:
        return self.body

    def get_moderation_html(self) -> str:
        # What its thread showed: the Markdown rendered and sanitised when it was posted.
        if self.is_deleted or not self.body_html:
            return super().get_moderation_html()
        return self.body_html


auditlog.register(Comment, exclude_fields=["body", "body_html"])
