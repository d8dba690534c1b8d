"""Reads of volunteer call-outs, with their relations loaded so each page's query count
stays the same however many rows it shows."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from alerts.models import CallOut, CallOutResponse, Skill, VolunteerRegistration
from civicportal.accounts.models import User


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.filter(active=True)


def registration_get(*, user: User) -> VolunteerRegistration | None:
    return (
        VolunteerRegistration.objects.filter(user=user)
        .select_related("user")
        .prefetch_related("skills", "areas")
        .first()
    )


def callout_get(*, pk: int) -> CallOut:
    return get_object_or_404(
        CallOut.objects.select_related("alert", "created_by").prefetch_related("skills", "areas"),
        pk=pk,
    )


def callout_list_for_volunteer(*, user: User) -> list[tuple[CallOut, CallOutResponse | None]]:
    """The call-outs that reach ``user`` (open ones, and any they answered), newest first,
    each with their answer or None. A fixed number of queries whatever the count: the
    matching is ``volunteers_for``'s, done in Python on the prefetched skills and areas."""
    registration = registration_get(user=user)
    answered = CallOutResponse.objects.filter(user=user)
    answers = {response.callout_id: response for response in answered}
    callouts = (
        CallOut.objects.select_related("alert")
        .prefetch_related("skills", "areas")
        .order_by("-created_at", "-id")
    )
    result = []
    for callout in callouts.filter(pk__in=list(answers)) | callouts.filter(
        state=CallOut.State.OPEN
    ):
        if callout.pk in answers or (registration is not None and _reaches(callout, registration)):
            result.append((callout, answers.get(callout.pk)))
    return result


def _reaches(callout: CallOut, registration: VolunteerRegistration) -> bool:
    """``volunteers_for(callout)`` holds ``registration`` (kept in step with it)."""
    if not registration.consent or not registration.user.is_active:
        return False
    if callout.alert.is_exercise and not registration.receive_exercises:
        return False
    callout_areas = {area.pk for area in callout.areas.all()}
    own_areas = {area.pk for area in registration.areas.all()}
    if callout_areas and own_areas and not callout_areas & own_areas:
        return False
    callout_skills = {skill.pk for skill in callout.skills.all()}
    own_skills = {skill.pk for skill in registration.skills.all()}
    return not callout_skills or bool(callout_skills & own_skills)


def staff_callout_list() -> QuerySet[CallOut]:
    return CallOut.objects.select_related("alert", "created_by").order_by("-created_at", "-id")


def roster(*, callout: CallOut) -> QuerySet[CallOutResponse]:
    """Everyone who answered, accepted first, with their account loaded."""
    return (
        CallOutResponse.objects.filter(callout=callout)
        .select_related("user")
        .order_by("answer", "answered_at", "id")
    )


def callout_get_for_volunteer(*, user: User, pk: int) -> CallOut:
    """A call-out as a resident sees it: one that reaches them or that they answered
    (alert staff see every one); 404 otherwise, so nobody learns of call-outs, exercises
    included, that are not theirs."""
    callout = callout_get(pk=pk)
    if user.has_perm("alerts.view_callout"):
        return callout
    if CallOutResponse.objects.filter(callout=callout, user=user).exists():
        return callout
    registration = registration_get(user=user)
    if registration is not None and _reaches(callout, registration):
        return callout
    raise Http404("No such call-out for you.")
