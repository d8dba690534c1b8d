"""Volunteer call-outs during an incident: the staff-kept ``Skill`` list, residents'
``VolunteerRegistration`` (skills, areas, availability, consent), an alert author's
``CallOut`` for an ``Alert`` and each volunteer's ``CallOutResponse``.

The database holds the rules whatever the path: one registration per resident, one
response per volunteer and call-out, a call-out needs at least one person and its time
window ends after it starts, and its ``accepted_count`` never exceeds ``needed``
(``services.volunteers.callout_respond`` keeps the count under ``select_for_update``).
"""

from __future__ import annotations

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.models.incidents import Alert


class Skill(models.Model):
    """A skill volunteers may offer (first aid, driving, a language...), kept by staff in
    the admin."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(
        _("offered"), default=True, help_text=_("Unticked skills are no longer offered.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("volunteer skill")
        verbose_name_plural = _("volunteer skills")

    def __str__(self) -> str:
        return self.name


class VolunteerRegistration(models.Model):
    """A resident's entry on the volunteer register (one per resident).

    No areas means anywhere in the council area. ``receive_exercises``: the resident also
    takes part in exercises (exercise call-outs reach only them, as exercise alerts reach
    only subscriptions that opted into tests). Without ``consent`` nobody is contacted.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="volunteer_registration",
    )
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills"), blank=True, related_name="volunteers"
    )
    areas = models.ManyToManyField(
        "accounts.Area",
        verbose_name=_("areas"),
        blank=True,
        related_name="volunteer_registrations",
        help_text=_("Leave all unticked to help anywhere in the council area."),
    )
    availability = models.CharField(
        _("when you are usually available"),
        max_length=300,
        blank=True,
        help_text=_("For example: weekday evenings and weekends."),
    )
    consent = models.BooleanField(
        _("the council may contact me when volunteers are needed"), default=False
    )
    receive_exercises = models.BooleanField(
        _("also take part in exercises"),
        default=False,
        help_text=_("The council sometimes practises call-outs; they are marked EXERCISE."),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer registration")
        verbose_name_plural = _("volunteer registrations")
        constraints = [
            models.UniqueConstraint(fields=["user"], name="alerts_volunteer_one_per_user"),
        ]

    def __str__(self) -> str:
        return _("Volunteer %(user)s") % {"user": self.user}


class CallOut(models.Model):
    """A request for volunteers during an incident: what, where, when, which skills and
    how many people. Open until the author stands it down."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        STOOD_DOWN = "stood_down", _("Stood down")

    alert = models.ForeignKey(
        Alert, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="callouts"
    )
    task = models.CharField(_("task"), max_length=200)
    details = models.TextField(_("details"), max_length=2000, blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    skills = models.ManyToManyField(
        Skill,
        verbose_name=_("skills needed"),
        blank=True,
        related_name="callouts",
        help_text=_("Volunteers with any of these skills are asked; none: everyone."),
    )
    areas = models.ManyToManyField(
        "accounts.Area",
        verbose_name=_("areas"),
        blank=True,
        related_name="volunteer_callouts",
        help_text=_("Volunteers of these areas (and those who help anywhere) are asked."),
    )
    needed = models.PositiveIntegerField(_("people needed"))
    accepted_count = models.PositiveIntegerField(_("people accepted"), default=0)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    stood_down_at = models.DateTimeField(_("stood down at"), null=True, blank=True)
    fanout_completed_at = models.DateTimeField(_("everyone asked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("volunteer call-out")
        verbose_name_plural = _("volunteer call-outs")
        constraints = [
            models.CheckConstraint(condition=Q(needed__gte=1), name="alerts_callout_needs_someone"),
            models.CheckConstraint(
                condition=Q(accepted_count__lte=F("needed")),
                name="alerts_callout_accepted_within_needed",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="alerts_callout_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.task

    def get_absolute_url(self) -> str:
        return reverse("alerts:volunteer-callout", args=[self.pk])

    def get_staff_url(self) -> str:
        return reverse("alerts:staff-callout", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def places_left(self) -> int:
        return max(self.needed - self.accepted_count, 0)


class CallOutResponse(models.Model):
    """A volunteer's answer to a call-out (one per volunteer and call-out), and their
    check-in and check-out on the day."""

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    callout = models.ForeignKey(
        CallOut, verbose_name=_("call-out"), on_delete=models.CASCADE, related_name="responses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="callout_responses",
    )
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "id"]
        verbose_name = _("call-out response")
        verbose_name_plural = _("call-out responses")
        constraints = [
            models.UniqueConstraint(
                fields=["callout", "user"], name="alerts_callout_one_response_per_volunteer"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                name="alerts_callout_checked_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_answer_display()}"


auditlog.register(CallOut, exclude_fields=["accepted_count", "fanout_completed_at"])
