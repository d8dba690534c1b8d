"""Moderation: what residents report and what moderators decide.

Any model that residents can report inherits ``Moderatable``: a ``moderation_state`` column
and a manager whose ``.visible()`` every list, search, feed and API read uses, so hidden
content disappears from all of them alike::

    class Idea(Moderatable):
        ...

        class Meta:
            indexes = [Moderatable.state_index("proposals_idea_moderation_idx")]

    Idea.objects.visible().filter(...)

Reports are ``Flag`` rows, one per resident and item (a database constraint), gathered in
one ``ModerationCase`` per item: the moderation queue's entry. Each decision (automatic
hiding at the threshold, hide, restore, warn, block) is a ``ModerationDecision`` row, which
also gives an author's history.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy as _


class ModerationState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    PENDING = "pending", _("Hidden pending review")
    HIDDEN = "hidden", _("Hidden by a moderator")


class ModeratableQuerySet(models.QuerySet):
    def visible(self) -> ModeratableQuerySet:
        """What the public may see: not hidden, whether pending review or by a moderator."""
        return self.filter(moderation_state=ModerationState.VISIBLE)

    def hidden(self) -> ModeratableQuerySet:
        return self.exclude(moderation_state=ModerationState.VISIBLE)


class Moderatable(models.Model):
    """Mixin for content residents can report: its state and the ``.visible()`` manager.

    Subclasses may override ``get_moderation_author`` (default: the ``author`` attribute),
    ``get_moderation_excerpt`` (default: ``str(self)``), which the author's notice quotes,
    and ``get_moderation_html`` (default: the excerpt in paragraphs), the item as residents
    saw it, which the moderation queue shows. Only ``services.moderation`` changes the state.
    """

    moderation_state = models.CharField(
        _("moderation state"),
        max_length=10,
        choices=ModerationState.choices,
        default=ModerationState.VISIBLE,
        # Each concrete model indexes it in its Meta (``Moderatable.state_index``): a
        # field's own index on PostgreSQL brings a second one for LIKE lookups, which
        # nothing makes and every insert and counter update would write.
    )

    objects = ModeratableQuerySet.as_manager()

    class Meta:
        abstract = True

    @staticmethod
    def state_index(name: str) -> models.Index:
        """The index on ``moderation_state`` for a concrete model's ``Meta.indexes``."""
        return models.Index(fields=["moderation_state"], name=name)

    @property
    def is_visible(self) -> bool:
        return self.moderation_state == ModerationState.VISIBLE

    def get_moderation_author(self):
        return getattr(self, "author", None)

    def get_moderation_excerpt(self) -> str:
        return str(self)

    def get_moderation_html(self) -> str:
        """The item as residents see it, as HTML. The moderation pages sanitise it again
        (``civicportal.core.rendering.sanitise_html``) before showing it."""
        return linebreaks(str(self.get_moderation_excerpt() or ""), autoescape=True)


class ModerationCase(models.Model):
    """The moderation queue's entry for one reported item; reopened by a new report."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        CLOSED = "closed", _("Decided")

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_cases",
        help_text=_("Who posted the reported item, when the case was opened."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("reported at"), default=timezone.now)
    closed_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("moderation case")
        verbose_name_plural = _("moderation queue")
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="core_moderationcase_one_per_item"
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True))
                | (Q(status="closed") & Q(closed_at__isnull=False)),
                name="core_moderationcase_closed_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(
                fields=["opened_at"], condition=Q(status="open"), name="core_modcase_open_idx"
            )
        ]

    def __str__(self) -> str:
        return _("Reports on %(type)s #%(id)s") % {
            "type": self.content_type.name,
            "id": self.object_id,
        }

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Flag(models.Model):
    """One resident's report of one item. The reporter is kept apart from the public."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive, harassing or threatening")
        HATE = "hate", _("Hateful or discriminatory")
        PERSONAL_DATA = "personal_data", _("Shares someone's personal information")
        MISINFORMATION = "misinformation", _("False or misleading")
        OFF_TOPIC = "off_topic", _("Off topic")
        OTHER = "other", _("Something else")

    case = models.ForeignKey(
        ModerationCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="flags"
    )
    # Null once the reporter deleted their account: the report still counts.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(
        _("resolved at"),
        null=True,
        blank=True,
        help_text=_("Set when a moderator decided the case this report belongs to."),
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reporter"],
                condition=Q(reporter__isnull=False),
                name="core_flag_one_per_reporter_item",
                violation_error_message=_("You have already reported this."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.case_id})"


class ModerationDecision(models.Model):
    """What happened to a reported item and its author, by whom and why."""

    class Action(models.TextChoices):
        AUTO_HIDE = "auto_hide", _("Hidden pending review (reports threshold)")
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        WARN = "warn", _("Hidden, author warned")
        BLOCK = "block", _("Hidden, author blocked")

    case = models.ForeignKey(
        ModerationCase,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the reports threshold hid the item."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_decisions",
    )
    reason = models.TextField(_("reason given to the author"), blank=True, max_length=2000)
    state_before = models.CharField(
        _("state before"), max_length=10, choices=ModerationState.choices
    )
    state_after = models.CharField(_("state after"), max_length=10, choices=ModerationState.choices)
    created_at = models.DateTimeField(_("decided at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "action"], name="core_moddecision_author_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.case_id})"


auditlog.register(ModerationCase)
auditlog.register(Flag, exclude_fields=["details"])
