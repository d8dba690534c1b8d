"""Publishing results and the response report, announcing openings, new versions."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicportal.kernel.audit import audit_record
from civicportal.notifications.services import topic_notice_create
from consultations.models import Choice, Consultation, Document, Question, ResponseReport

OPENED_TOPIC = "consultations.opened"
RESULTS_TOPIC = "consultations.results_published"


@transaction.atomic
def results_publish(*, actor, consultation: Consultation) -> Consultation:
    """Make a closed consultation's results public and tell the residents who answered.

    Locks the consultation's row; publishing twice changes nothing and sends nothing more
    (the notification's idempotency key is the consultation's).
    """
    if not actor.has_perm("consultations.manage_consultation", consultation):
        raise PermissionDenied(_("Only consultation managers can publish results."))
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_closed():
        raise ValidationError(_("Results can be published once the consultation has closed."))
    if not consultation.results_public_after_close:
        raise ValidationError(
            _(
                "Residents were told that the results of this consultation stay internal. "
                "Switch on “results become public after closing” first if that has changed."
            )
        )
    if consultation.results_published_at is not None:
        return consultation
    consultation.results_published_at = timezone.now()
    consultation.save(update_fields=["results_published_at"])
    audit_record(
        actor=actor,
        obj=consultation,
        action="consultations.results_publish",
        changes={"results_published_at": (None, consultation.results_published_at.isoformat())},
    )
    User = get_user_model()
    topic_notice_create(
        topic=RESULTS_TOPIC,
        recipients=User.objects.filter(
            is_active=True,
            pk__in=consultation.responses.filter(user__isnull=False).values("user_id"),
        ),
        subject=gettext_noop("Results of the consultation “%(consultation)s”"),
        body=gettext_noop(
            "The results of “%(consultation)s”, which you answered, are now published."
        ),
        params={"consultation": consultation.title},
        url=consultation.get_absolute_url() + "results/",
        idempotency_key=f"{RESULTS_TOPIC}:{consultation.pk}",
        source=consultation,
    )
    return consultation


@transaction.atomic
def report_publish(*, actor, report: ResponseReport) -> ResponseReport:
    """Publish the council's response report (what it heard and what changed). Idempotent."""
    if not actor.has_perm("consultations.manage_consultation", report.consultation):
        raise PermissionDenied(_("Only consultation managers can publish a response report."))
    report = ResponseReport.objects.select_for_update().get(pk=report.pk)
    if not report.body.strip():
        raise ValidationError(_("Write the report before publishing it."))
    if report.published_at is None:
        report.published_at = timezone.now()
        report.published_by = actor
        report.save(update_fields=["published_at", "published_by"])
    return report


def consultations_announce_opened(*, now: datetime | None = None) -> int:
    """Tell residents of each consultation's area that it has opened; how many announced.

    Safe to run twice, and from two beat ticks at once: each consultation is claimed with
    ``select_for_update(skip_locked=True)`` and marked ``opened_announced_at`` in the same
    transaction as its event, whose idempotency key is the consultation's. A city-wide
    consultation (no area) is announced to every resident.
    """
    now = now or timezone.now()
    User = get_user_model()
    due = (
        Consultation.objects.published()
        .open_at(now)
        .filter(opened_announced_at__isnull=True)
        .values_list("pk", flat=True)
    )
    announced = 0
    for pk in list(due):
        with transaction.atomic():
            consultation = (
                Consultation.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, opened_announced_at__isnull=True)
                .first()
            )
            if consultation is None:
                continue
            recipients = User.objects.filter(is_active=True, is_staff=False)
            if consultation.area_id is not None:
                recipients = recipients.filter(home_area_id=consultation.area_id)
            topic_notice_create(
                topic=OPENED_TOPIC,
                recipients=recipients,
                subject=gettext_noop("New consultation: %(consultation)s"),
                body=gettext_noop(
                    "The council asks for your views on “%(consultation)s” until %(closes)s."
                ),
                params={
                    "consultation": consultation.title,
                    "closes": timezone.localtime(consultation.closes_at).strftime("%Y-%m-%d %H:%M"),
                },
                url=consultation.get_absolute_url(),
                idempotency_key=f"{OPENED_TOPIC}:{consultation.pk}",
                source=consultation,
            )
            consultation.opened_announced_at = now
            consultation.save(update_fields=["opened_announced_at"])
            announced += 1
    return announced


@transaction.atomic
def consultation_copy_as_version(*, actor, consultation: Consultation) -> Consultation:
    """A new, unpublished copy of ``consultation``'s settings, documents and questionnaire.

    Questions are frozen once a consultation has responses; a change then needs a new
    version, which starts with no responses. Conditions are carried over to the copies of
    their questions and choices.
    """
    if not actor.has_perm("consultations.manage_consultation", consultation):
        raise PermissionDenied(_("Only consultation managers can copy consultations."))
    number = 2
    base = slugify(consultation.slug.rsplit("-v", 1)[0])[:190] or "consultation"
    while Consultation.objects.filter(slug=f"{base}-v{number}").exists():
        number += 1
    copy = Consultation.objects.create(
        title=consultation.title,
        slug=f"{base}-v{number}",
        summary=consultation.summary,
        area=consultation.area,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        audience=consultation.audience,
        results_public_after_close=consultation.results_public_after_close,
        is_published=False,
        previous_version=consultation,
        created_by=actor,
    )
    Document.objects.bulk_create(
        Document(
            consultation=copy,
            title=d.title,
            file=d.file.name,
            kind=d.kind,
            size=d.size,
            order=d.order,
        )
        for d in consultation.documents.all()
    )
    question_map: dict[int, Question] = {}
    choice_map: dict[int, Choice] = {}
    old_questions = list(
        consultation.questions.prefetch_related("choices", "depends_on_choices").order_by(
            "order", "id"
        )
    )
    for old in old_questions:
        new = Question.objects.create(
            consultation=copy,
            order=old.order,
            text=old.text,
            help_text=old.help_text,
            kind=old.kind,
            required=old.required,
            allow_other=old.allow_other,
            allow_comment=old.allow_comment,
            max_length=old.max_length,
            rating_min=old.rating_min,
            rating_max=old.rating_max,
            rating_min_label=old.rating_min_label,
            rating_max_label=old.rating_max_label,
            depends_on=question_map.get(old.depends_on_id),
            depends_on_answer=old.depends_on_answer,
        )
        question_map[old.pk] = new
        for choice in old.choices.all():
            choice_map[choice.pk] = Choice.objects.create(
                question=new, order=choice.order, label=choice.label
            )
    for old in old_questions:
        wanted = [choice_map[c.pk] for c in old.depends_on_choices.all() if c.pk in choice_map]
        if wanted:
            question_map[old.pk].depends_on_choices.set(wanted)
    return copy
