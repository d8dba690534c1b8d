"""Rumour control: the council's fact checks (``FactCheck``) and residents' "is this
true?" questions (``FactCheckQuestion``).

A fact check moves ``draft → pending → published`` (tied to an incident: a second person
with the Alert approver role approves it, as alert text) or ``draft → published`` (a
standalone one, published by a Fact-check editor). Only ``alerts.services.factchecks``
changes states; the database refuses what must never happen whatever the path: a fact
check approved by its own author, an incident's fact check published without an approver,
a verdict outside the four.
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FACTS_MAX_LENGTH = 5000
QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 2000
SOURCES_MAX = 10


class Verdict(models.TextChoices):
    FALSE = "false", _("False")
    MISLEADING = "misleading", _("Misleading")
    TRUE = "true", _("True")
    UNVERIFIED = "unverified", _("Unverified")


# schema.org ClaimReview ratings: 1 (false) .. 5 (true); "unverified" sits in the middle
# with its own alternateName, so a reader never takes it for a judgement either way.
VERDICT_RATING = {
    Verdict.FALSE: 1,
    Verdict.MISLEADING: 2,
    Verdict.UNVERIFIED: 3,
    Verdict.TRUE: 5,
}


class FactCheckQuerySet(models.QuerySet):
    def public(self) -> FactCheckQuerySet:
        """Published, and not about an exercise or test incident (never public, as alerts)."""
        return self.filter(state=FactCheck.State.PUBLISHED).filter(
            Q(alert__isnull=True) | Q(alert__status="Actual")
        )


class FactCheck(models.Model):
    """What the council says about a claim going around: the claim, a verdict, the facts
    and their sources."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")

    alert = models.ForeignKey(
        "alerts.Alert",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fact_checks",
    )
    claim = models.CharField(_("the claim, as it circulates"), max_length=500)
    claim_url = models.URLField(
        _("where the claim appeared"),
        max_length=500,
        blank=True,
        help_text=_("Optional: a link to a post or page that spreads the claim."),
    )
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)
    facts = models.TextField(_("the facts"), max_length=FACTS_MAX_LENGTH)
    # [{"title": str, "url": "http(s)://..."}], checked by the service (http/https only).
    sources = models.JSONField(_("sources"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_version = models.CharField(_("approved version"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("sent for approval at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = FactCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("fact check")
        verbose_name_plural = _("fact checks")
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=Verdict.values), name="alerts_factcheck_verdict_known"
            ),
            # The two-person rule, in the database: whoever approved is not the author.
            models.CheckConstraint(
                condition=Q(approver__isnull=True)
                | Q(author__isnull=True)
                | ~Q(approver=F("author")),
                name="alerts_factcheck_no_self_approval",
            ),
            # Published means dated; an incident's fact check also means approved.
            models.CheckConstraint(
                condition=~Q(state="published")
                | (
                    Q(published_at__isnull=False)
                    & (Q(alert__isnull=True) | Q(approver__isnull=False))
                ),
                name="alerts_factcheck_published_dated_and_approved",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("facts"), FACTS_MAX_LENGTH),
                name="alerts_factcheck_facts_max_length",
            ),
        ]

    def __str__(self) -> str:
        return self.claim[:80]

    def get_absolute_url(self) -> str:
        return reverse("alerts:factcheck-detail", args=[self.pk])

    def get_staff_url(self) -> str:
        return reverse("alerts:staff-factcheck", args=[self.pk])

    @property
    def needs_approval(self) -> bool:
        """Tied to an incident: the two-person rule applies, as to alert text."""
        return self.alert_id is not None

    @property
    def rating(self) -> int:
        return VERDICT_RATING[self.verdict]


class FactCheckQuestion(models.Model):
    """A resident asks "is this true?"; staff answer privately or with a fact check."""

    class State(models.TextChoices):
        NEW = "new", _("Waiting")
        ANSWERED = "answered", _("Answered privately")
        FACT_CHECKED = "fact_checked", _("Answered with a fact check")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="fact_check_questions",
    )
    alert = models.ForeignKey(
        "alerts.Alert",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fact_check_questions",
    )
    text = models.TextField(_("what did you hear or read?"), max_length=QUESTION_MAX_LENGTH)
    link = models.URLField(_("link"), max_length=500, blank=True)
    screenshot = models.ImageField(_("screenshot"), upload_to="alerts/rumours/", blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    answer = models.TextField(_("private answer"), max_length=ANSWER_MAX_LENGTH, blank=True)
    fact_check = models.ForeignKey(
        FactCheck,
        verbose_name=_("fact check"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fact-check question")
        verbose_name_plural = _("fact-check questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="new") | Q(answered_at__isnull=False),
                name="alerts_factcheckquestion_answered_dated",
            ),
            models.CheckConstraint(
                condition=~Q(state="answered") | ~Q(answer=""),
                name="alerts_factcheckquestion_answer_not_empty",
            ),
            models.CheckConstraint(
                condition=~Q(state="fact_checked") | Q(fact_check__isnull=False),
                name="alerts_factcheckquestion_fact_checked_has_one",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), QUESTION_MAX_LENGTH),
                name="alerts_factcheckquestion_text_max_length",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


auditlog.register(FactCheck)
auditlog.register(FactCheckQuestion, exclude_fields=["text", "link", "screenshot", "answer"])
