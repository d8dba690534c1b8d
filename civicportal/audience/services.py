"""Writes of who takes part: visit counters, participations, profile answers, and the
resident's personal data (export and erase).

Modules record a participation with one call where it is created, e.g. in
``proposals.services.ideas.idea_create``::

    from civicportal.audience.services import participation_record

    participation_record(user=author, module="proposals", action="idea")

It reads the request's source link (``sources.current_source()``), writes after the
caller's transaction commits, and never raises into the caller: counting must not cost a
resident their vote.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.models import Area
from civicportal.audience import sources
from civicportal.audience.models import (
    Participation,
    ProfileAnswer,
    ProfileChoice,
    ProfileQuestion,
    ProfileQuestionsAsked,
    SourceVisit,
)
from civicportal.audience.models.profile import AGE_BAND, DISTRICT

logger = logging.getLogger(__name__)

DECLINED = "prefer-not-to-say"
_NAME_MAX = 40


def visit_count(*, source: str, day=None) -> None:
    """Add one visit to ``source``'s counter of ``day`` (today), atomically.

    An UPDATE with ``F("count") + 1`` first; on a day's first visit the row is inserted,
    and a concurrent first visit that inserted it already (the unique constraint) turns into
    the UPDATE. Works the same on SQLite and PostgreSQL. A database error is logged, never
    raised: the page is served whatever happens to the counter."""
    source = sources.source_clean(source)
    if not source:
        return
    day = day or timezone.localdate()
    try:
        if SourceVisit.objects.filter(day=day, source=source).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                SourceVisit.objects.create(day=day, source=source, count=1)
        except IntegrityError:
            SourceVisit.objects.filter(day=day, source=source).update(count=F("count") + 1)
    except DatabaseError:
        logger.exception("audience: the visit of source %s was not counted", source)


def _participation_write(*, user_id: int, module: str, action: str, source: str, day) -> None:
    try:
        Participation.objects.bulk_create(
            [Participation(user_id=user_id, module=module, action=action, source=source, day=day)],
            ignore_conflicts=True,  # the same participation again (a double submit) counts once
        )
    except DatabaseError:
        logger.exception("audience: a participation (%s/%s) was not recorded", module, action)


def participation_record(*, user, module: str, action: str) -> None:
    """Record that ``user`` took part (``module``/``action``, e.g. "proposals"/"idea")
    through the current request's source link, once the caller's transaction commits.

    Anonymous users are not recorded (the row belongs to a resident, and goes with them).
    Never raises: a failure is logged."""
    try:
        if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
            return
        module, action = str(module)[:_NAME_MAX], str(action)[:_NAME_MAX]
        values = {
            "user_id": user.pk,
            "module": module,
            "action": action,
            "source": sources.current_source(),
            "day": timezone.localdate(),
        }
        transaction.on_commit(lambda: _participation_write(**values), robust=True)
    except Exception:  # counting never breaks the resident's action
        logger.exception("audience: a participation (%s/%s) was not recorded", module, action)


# --- Profile questions ----------------------------------------------------------------------

AGE_BANDS = [
    ("under-18", "Under 18"),
    ("18-24", "18 to 24"),
    ("25-34", "25 to 34"),
    ("35-44", "35 to 44"),
    ("45-54", "45 to 54"),
    ("55-64", "55 to 64"),
    ("65-74", "65 to 74"),
    ("75-plus", "75 or over"),
]


def builtin_questions_ensure(*, using: str = "default", apps=None, **kwargs) -> None:
    """Create the built-in questions (age band with its bands, district) if missing; what
    the council changed (wording, order, switched off) stays. Safe to run any number of
    times; a ``post_migrate`` receiver, so a new database and a test database emptied
    between browser tests both have them."""
    try:
        question_model = apps.get_model("audience", "ProfileQuestion") if apps else ProfileQuestion
        choice_model = apps.get_model("audience", "ProfileChoice") if apps else ProfileChoice
    except LookupError:  # a migrate that took the app back to zero
        return
    questions = question_model.objects.using(using)
    age, _created = questions.get_or_create(
        key=AGE_BAND,
        defaults={"label": "Your age band", "kind": "choices", "order": 10, "built_in": True},
    )
    for order, (key, label) in enumerate(AGE_BANDS, start=1):
        choice_model.objects.using(using).get_or_create(
            question=age, key=key, defaults={"label": label, "order": order * 10}
        )
    questions.get_or_create(
        key=DISTRICT,
        defaults={
            "label": "The district you live in",
            "kind": "areas",
            "order": 20,
            "built_in": True,
        },
    )


def questions_asked(*, user) -> bool:
    return ProfileQuestionsAsked.objects.filter(user=user).exists()


def _mark_asked(*, user, skipped: bool, now) -> None:
    ProfileQuestionsAsked.objects.bulk_create(
        [ProfileQuestionsAsked(user=user, asked_at=now, skipped=skipped)], ignore_conflicts=True
    )


def _answer_clean(question: ProfileQuestion, raw: Any) -> dict | None:
    """The answer's fields for ``raw`` (a choice's key, an area's slug, "prefer not to
    say"), None for no answer; raises ``ValidationError`` for anything else."""
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw:
        return None
    if raw == DECLINED:
        return {"choice": None, "area": None, "declined": True}
    if question.kind == ProfileQuestion.Kind.AREAS:
        area = Area.objects.filter(slug=raw).first()
        if area is not None:
            return {"choice": None, "area": area, "declined": False}
    else:
        choice = ProfileChoice.objects.filter(question=question, key=raw).first()
        if choice is not None:
            return {"choice": choice, "area": None, "declined": False}
    raise ValidationError(
        {question.key: _("Choose one of the answers offered, or leave the question blank.")}
    )


@transaction.atomic
def profile_answers_save(*, user, answers: Mapping[str, Any]) -> list[ProfileAnswer]:
    """Store ``user``'s answers (``{question key: choice key / area slug / DECLINED / ""}``)
    to the active questions and note that they were asked. A blank answer removes an earlier
    one. Every answer is checked before anything is written: one bad answer changes nothing.
    """
    if not getattr(user, "is_authenticated", False):
        raise ValidationError(_("Sign in to answer the questions."))
    questions = list(ProfileQuestion.objects.filter(active=True))
    cleaned: dict[int, dict | None] = {}
    errors: dict[str, list] = {}
    for question in questions:
        try:
            cleaned[question.pk] = _answer_clean(question, answers.get(question.key))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    saved = []
    for question in questions:
        fields = cleaned[question.pk]
        if fields is None:
            ProfileAnswer.objects.filter(user=user, question=question).delete()
            continue
        answer, _created = ProfileAnswer.objects.update_or_create(
            user=user, question=question, defaults={**fields, "answered_at": now}
        )
        saved.append(answer)
    _mark_asked(user=user, skipped=False, now=now)
    return saved


@transaction.atomic
def profile_questions_skip(*, user) -> None:
    """The resident chose not to answer now: they are not asked again after sign-up (the
    questions stay open from their profile)."""
    if not getattr(user, "is_authenticated", False):
        raise ValidationError(_("Sign in to answer the questions."))
    _mark_asked(user=user, skipped=True, now=timezone.now())


# --- Personal data --------------------------------------------------------------------------


def audience_personal_data_export(user) -> dict[str, Any]:
    answers = ProfileAnswer.objects.filter(user=user).select_related("question", "choice", "area")
    asked = ProfileQuestionsAsked.objects.filter(user=user).first()
    return {
        "profile_answers": [
            {
                "question": str(answer.question.display_label),
                "answer": str(answer.value_label),
                "answered_at": answer.answered_at,
            }
            for answer in answers
        ],
        "profile_questions_asked_at": asked.asked_at if asked else None,
        "participations": [
            {"day": row.day, "module": row.module, "action": row.action, "source": row.source}
            for row in Participation.objects.filter(user=user).order_by("day", "pk")
        ],
    }


def audience_personal_data_erase(user) -> None:
    """Delete the resident's answers, participations and the note that they were asked;
    the anonymous visit counters hold nothing of theirs."""
    ProfileAnswer.objects.filter(user=user).delete()
    Participation.objects.filter(user=user).delete()
    ProfileQuestionsAsked.objects.filter(user=user).delete()
