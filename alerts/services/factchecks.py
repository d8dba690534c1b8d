"""Rumour control: fact checks and residents' "is this true?" questions.

A fact check (``FactCheck.state``), the service that moves it, and who may call it::

     factcheck_create / factcheck_update     a Fact-check editor or an Alert author
                    |
                  draft ---- factcheck_publish ----> published
                    |        (standalone only: a Fact-check editor, in one step)
   factcheck_submit |   ^
                    v   |  factcheck_return (an Alert approver)
                 pending
                    |
   factcheck_approve|   an Alert approver who is not the author, of the version reviewed
                    v
                published

**Two-person rule.** Text shown to the public during an incident passes the approval that
alert text passes: a fact check tied to an incident (``alert``) becomes public only through
``factcheck_approve``, which refuses anyone without the Alert approver role and the fact
check's own author, whatever called it (staff page, API; the admin has no approve action
and links to the staff screen). The database refuses self-approval and an incident's
published fact check without an approver. Approval is of what was seen: the review
screen and the API show ``factcheck_version`` (a SHA-256 of every public word), and an
approval naming another version is refused (``StaleFactCheck``).

A standalone fact check (no incident) is the council's everyday rumour control and is
published by a Fact-check editor directly (``factcheck_publish``); it may also go through
approval when its editor wants a second look.

**On publication** everything waits for the commit: the residents whose questions it
answers are notified (topic ``alerts.factcheck_answer``: in-app inbox and their chosen
channel), and it is posted on the council's social accounts (``alerts.factcheck``
broadcasts) unless it is about an exercise incident, which is never public.

**Locks.** Every transition locks the fact check's row (``select_for_update``) before
reading its state, so two approvals, or an approval and an edit, cannot interleave;
answering a question locks the question.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from alerts.models import Alert, FactCheck, FactCheckQuestion, Verdict
from alerts.models.factchecks import (
    ANSWER_MAX_LENGTH,
    FACTS_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    SOURCES_MAX,
)
from alerts.rules import is_alert_approver, is_factcheck_editor, is_factcheck_staff
from alerts.validators import reject_control_characters
from civicportal.accounts.models import User
from civicportal.core.images import image_reencode
from civicportal.kernel.audit import audit_record
from civicportal.kernel.ratelimit import RateLimited, rate_limit_take, seconds_to_next_window

ANSWER_TOPIC = "alerts.factcheck_answer"
SOCIAL_KIND = "alerts.factcheck"
QUESTION_RATE_SCOPE = "alerts.factcheck_question"
SCREENSHOT_MAX_BYTES = 8 * 1024 * 1024
SCREENSHOT_MAX_SIDE = 1600
CLAIM_MAX_LENGTH = 500
SOURCE_TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500

SUBJECT_PUBLISHED = gettext_noop("Fact check: “%(claim)s” is %(verdict)s")
BODY_PUBLISHED = gettext_noop("%(facts)s")
ACTION_PUBLISHED = gettext_noop("Read the fact check")
SUBJECT_ANSWERED = gettext_noop("The council answered your question")
BODY_ANSWERED = gettext_noop("You asked: “%(question)s”\n\n%(answer)s")
ACTION_ANSWERED = gettext_noop("See your questions")
SUBJECT_FACT_CHECKED = gettext_noop("The council checked what you asked about")
BODY_FACT_CHECKED = gettext_noop("“%(claim)s”: %(verdict)s.\n\n%(facts)s")

_http_url = URLValidator(schemes=["http", "https"])


class StaleFactCheck(ValidationError):
    """An approval of a version the fact check no longer is: nothing was published."""


@dataclass
class FactCheckContent:
    """Everything a fact check says in public, as staff wrote it."""

    claim: str
    verdict: str
    facts: str
    sources: list[dict] = field(default_factory=list)
    claim_url: str = ""
    alert: Alert | None = None


# --- Checks --------------------------------------------------------------------------------


def url_validate(value: str, *, field_name: str) -> str:
    """``value`` stripped, or ``ValidationError`` on ``field_name`` unless it is an
    http/https address (javascript:, data:, ftp: and the like never reach a page)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > URL_MAX_LENGTH:
        raise ValidationError(
            {
                field_name: _("Links can be at most %(limit)s characters.")
                % {"limit": URL_MAX_LENGTH}
            }
        )
    try:
        reject_control_characters(value)
        _http_url(value)
    except ValidationError:
        raise ValidationError(
            {
                field_name: _(
                    "“%(value)s” is not a web address we can link to: use a full address "
                    "starting with http:// or https://."
                )
                % {"value": value[:80]}
            }
        ) from None
    return value


def _text_check(name: str, value: str, *, limit: int, required: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({name: required})
    if len(value) > limit:
        raise ValidationError(
            {
                name: _("Keep this to %(limit)s characters (it has %(count)s).")
                % {"limit": limit, "count": len(value)}
            }
        )
    try:
        reject_control_characters(value)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None
    return value


def content_clean(content: FactCheckContent) -> FactCheckContent:
    """The content checked and tidied, or ``ValidationError`` naming the field at fault."""
    claim = _text_check(
        "claim",
        content.claim,
        limit=CLAIM_MAX_LENGTH,
        required=_("Write the claim as it circulates."),
    )
    facts = _text_check(
        "facts",
        content.facts,
        limit=FACTS_MAX_LENGTH,
        required=_("Write the facts that answer the claim."),
    )
    if content.verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose false, misleading, true or unverified.")})
    claim_url = url_validate(content.claim_url, field_name="claim_url")
    if not isinstance(content.sources, list):
        raise ValidationError({"sources": _("Give the sources as a list of links.")})
    if len(content.sources) > SOURCES_MAX:
        raise ValidationError(
            {"sources": _("Give at most %(limit)s sources.") % {"limit": SOURCES_MAX}}
        )
    sources = []
    for source in content.sources:
        if not isinstance(source, dict):
            raise ValidationError({"sources": _("Each source is a link with an optional title.")})
        url = url_validate(str(source.get("url", "")), field_name="sources")
        if not url:
            raise ValidationError({"sources": _("Each source needs its web address.")})
        title = str(source.get("title", "") or "").strip()
        if len(title) > SOURCE_TITLE_MAX_LENGTH:
            raise ValidationError(
                {
                    "sources": _("A source's title can be at most %(limit)s characters.")
                    % {"limit": SOURCE_TITLE_MAX_LENGTH}
                }
            )
        try:
            reject_control_characters(title)
        except ValidationError as error:
            raise ValidationError({"sources": error.messages}) from None
        sources.append({"title": title, "url": url})
    alert = content.alert
    if alert is not None and alert.state == Alert.State.DRAFT and not alert.is_exercise:
        raise ValidationError({"alert": _("Tie fact checks to an alert once it is published.")})
    return FactCheckContent(
        claim=claim,
        verdict=content.verdict,
        facts=facts,
        sources=sources,
        claim_url=claim_url,
        alert=content.alert,
    )


def factcheck_version(fact_check: FactCheck) -> str:
    """A SHA-256 of every public word of ``fact_check``: what an approver approves."""
    payload = {
        "alert": fact_check.alert_id,
        "claim": fact_check.claim,
        "claim_url": fact_check.claim_url,
        "verdict": fact_check.verdict,
        "facts": fact_check.facts,
        "sources": fact_check.sources,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _lock(fact_check: FactCheck) -> FactCheck:
    # Only this row is locked (``of=("self",)``): the incident may be null, and an outer
    # join's nullable side cannot be locked.
    return (
        FactCheck.objects.select_for_update(of=("self",))
        .select_related("alert")
        .get(pk=fact_check.pk)
    )


def _apply(fact_check: FactCheck, content: FactCheckContent) -> None:
    fact_check.alert = content.alert
    fact_check.claim = content.claim
    fact_check.claim_url = content.claim_url
    fact_check.verdict = content.verdict
    fact_check.facts = content.facts
    fact_check.sources = content.sources


# --- Writing -------------------------------------------------------------------------------


@transaction.atomic
def factcheck_create(
    *, actor: User, content: FactCheckContent, question: FactCheckQuestion | None = None
) -> FactCheck:
    """A draft fact check by ``actor`` (a Fact-check editor or Alert author), optionally
    answering ``question`` (locked; it must still be waiting): its asker is told once the
    fact check is published. Raises ``PermissionDenied`` or ``ValidationError``."""
    if not actor.has_perm("alerts.draft_factcheck"):
        raise PermissionDenied(
            _("Only fact-check editors and alert authors can write fact checks.")
        )
    content = content_clean(content)
    if question is not None:
        question = FactCheckQuestion.objects.select_for_update().get(pk=question.pk)
        if question.state != FactCheckQuestion.State.NEW:
            raise ValidationError(_("This question was answered already."))
    fact_check = FactCheck(author=actor)
    _apply(fact_check, content)
    fact_check.save()
    audit_record(
        actor=actor,
        obj=fact_check,
        action="alerts.factcheck_draft",
        changes={"state": ("", fact_check.state)},
    )
    if question is not None:
        question.fact_check = fact_check
        question.save(update_fields=["fact_check"])
    return fact_check


@transaction.atomic
def factcheck_update(*, actor: User, fact_check: FactCheck, content: FactCheckContent) -> FactCheck:
    """Change a draft (locked). Only drafts change: a fact check waiting for approval is
    returned first, so an approver never approves words that moved under them."""
    if not actor.has_perm("alerts.draft_factcheck"):
        raise PermissionDenied(
            _("Only fact-check editors and alert authors can write fact checks.")
        )
    content = content_clean(content)
    fact_check = _lock(fact_check)
    if fact_check.state != FactCheck.State.DRAFT:
        raise ValidationError(_("Only a draft can be changed; this fact check is not one."))
    _apply(fact_check, content)
    fact_check.updated_at = timezone.now()
    fact_check.save()
    return fact_check


@transaction.atomic
def factcheck_submit(*, actor: User, fact_check: FactCheck) -> FactCheck:
    """Draft → pending: sent to an Alert approver (locks the row)."""
    if not actor.has_perm("alerts.draft_factcheck"):
        raise PermissionDenied(
            _("Only fact-check editors and alert authors can write fact checks.")
        )
    fact_check = _lock(fact_check)
    if fact_check.state != FactCheck.State.DRAFT:
        raise ValidationError(_("Only a draft can be sent for approval."))
    fact_check.state = FactCheck.State.PENDING
    fact_check.submitted_at = timezone.now()
    fact_check.save(update_fields=["state", "submitted_at"])
    audit_record(
        actor=actor,
        obj=fact_check,
        action="alerts.factcheck_submit",
        changes={"state": (FactCheck.State.DRAFT, FactCheck.State.PENDING)},
    )
    return fact_check


@transaction.atomic
def factcheck_return(*, actor: User, fact_check: FactCheck) -> FactCheck:
    """Pending → draft: an Alert approver sends it back to be changed (locks the row)."""
    if not is_alert_approver(actor):
        raise PermissionDenied(_("Only staff with the Alert approver role can send it back."))
    fact_check = _lock(fact_check)
    if fact_check.state != FactCheck.State.PENDING:
        raise ValidationError(_("Only a fact check waiting for approval can be sent back."))
    fact_check.state = FactCheck.State.DRAFT
    fact_check.save(update_fields=["state"])
    audit_record(
        actor=actor,
        obj=fact_check,
        action="alerts.factcheck_return",
        changes={"state": (FactCheck.State.PENDING, FactCheck.State.DRAFT)},
    )
    return fact_check


@transaction.atomic
def factcheck_approve(*, actor: User, fact_check: FactCheck, version: str) -> FactCheck:
    """Pending → published by a second person, of the ``version`` they reviewed.

    Refuses (``PermissionDenied``) anyone without the Alert approver role and the fact
    check's author, whatever the path; (``ValidationError``) one not waiting for approval;
    (``StaleFactCheck``) one that is no longer ``version``. Locks the row, so two approvers
    clicking at once publish it once; notifications wait for the commit.
    """
    if not is_alert_approver(actor):
        raise PermissionDenied(
            _("Only staff with the Alert approver role can approve fact checks.")
        )
    fact_check = _lock(fact_check)
    if fact_check.author_id == actor.pk:
        raise PermissionDenied(
            _("You wrote this fact check, so someone else must approve it (the two-person rule).")
        )
    if fact_check.state != FactCheck.State.PENDING:
        raise ValidationError(
            _("Only a fact check waiting for approval can be approved; this one is “%(state)s”.")
            % {"state": fact_check.get_state_display()}
        )
    version = str(version or "").strip()
    if version != factcheck_version(fact_check):
        raise StaleFactCheck(
            _(
                "This fact check changed since you opened it for review. Nothing was "
                "published: review it again, then approve what you see."
            ),
            code="stale",
        )
    fact_check.approver = actor
    fact_check.approved_version = version
    return _publish(fact_check, actor=actor, action="alerts.factcheck_approve")


@transaction.atomic
def factcheck_publish(*, actor: User, fact_check: FactCheck) -> FactCheck:
    """Draft → published in one step: a standalone fact check, by a Fact-check editor.

    One tied to an incident is refused: it goes through ``factcheck_approve``. Locks the
    row; notifications wait for the commit.
    """
    if not is_factcheck_editor(actor):
        raise PermissionDenied(_("Only fact-check editors can publish fact checks."))
    fact_check = _lock(fact_check)
    if fact_check.needs_approval:
        raise PermissionDenied(
            _(
                "This fact check is about an incident: send it for approval, and someone "
                "with the Alert approver role publishes it (the two-person rule)."
            )
        )
    if fact_check.state != FactCheck.State.DRAFT:
        raise ValidationError(_("Only a draft can be published this way."))
    return _publish(fact_check, actor=actor, action="alerts.factcheck_publish")


def _publish(fact_check: FactCheck, *, actor: User, action: str) -> FactCheck:
    """Mark ``fact_check`` (locked by the caller) published, answer its questions and
    schedule its notices (inside the caller's transaction, so they go out on commit)."""
    before = fact_check.state
    now = timezone.now()
    fact_check.state = FactCheck.State.PUBLISHED
    fact_check.published_at = now
    fact_check.updated_at = now
    fact_check.save()
    audit_record(
        actor=actor,
        obj=fact_check,
        action=action,
        changes={"state": (before, FactCheck.State.PUBLISHED)},
    )
    questions = list(
        FactCheckQuestion.objects.select_for_update(of=("self",))
        .filter(fact_check=fact_check, state=FactCheckQuestion.State.NEW)
        .select_related("user")
    )
    for question in questions:
        question.state = FactCheckQuestion.State.FACT_CHECKED
        question.answered_by = actor
        question.answered_at = now
        question.save(update_fields=["state", "answered_by", "answered_at"])
        _notify_asker(question, fact_check=fact_check)
    if not (fact_check.alert_id and fact_check.alert.is_exercise):
        _cross_post(fact_check)
    return fact_check


def _verdict_word(fact_check: FactCheck) -> str:
    # The parameters are in the portal's language (the staff's words are), like an
    # alert's author's words; the context names that language.
    with translation.override(settings.LANGUAGE_CODE):
        return str(Verdict(fact_check.verdict).label).lower()


def _cross_post(fact_check: FactCheck) -> None:
    from civicportal.notifications.channels.social import social_broadcasts
    from civicportal.notifications.services import event_create

    broadcasts = social_broadcasts()
    if not broadcasts:
        return
    event_create(
        kind=SOCIAL_KIND,
        recipients=[],
        channels_for=lambda user: (),
        context={
            "subject": SUBJECT_PUBLISHED,
            "body": BODY_PUBLISHED,
            "params": {
                "claim": fact_check.claim[:200],
                "verdict": _verdict_word(fact_check),
                "facts": fact_check.facts[:400],
            },
            "url": fact_check.get_absolute_url(),
            "action": ACTION_PUBLISHED,
            "language": settings.LANGUAGE_CODE,
            # About an incident: posted under the alert's thread, beside its updates.
            **(
                {"social": {"thread": f"alerts.alert.{fact_check.alert_id}"}}
                if fact_check.alert_id
                else {}
            ),
        },
        idempotency_key=f"{SOCIAL_KIND}:{fact_check.pk}:published",
        source=fact_check,
        broadcasts=broadcasts,
    )


def _notify_asker(question: FactCheckQuestion, *, fact_check: FactCheck | None = None) -> None:
    from django.urls import reverse

    from civicportal.notifications.services import topic_event_create

    if fact_check is not None:
        context = {
            "subject": SUBJECT_FACT_CHECKED,
            "body": BODY_FACT_CHECKED,
            "params": {
                "claim": fact_check.claim[:200],
                "verdict": _verdict_word(fact_check),
                "facts": fact_check.facts[:600],
            },
            "url": fact_check.get_absolute_url(),
            "action": ACTION_PUBLISHED,
            "language": settings.LANGUAGE_CODE,
        }
    else:
        context = {
            "subject": SUBJECT_ANSWERED,
            "body": BODY_ANSWERED,
            "params": {"question": question.text[:200], "answer": question.answer[:1200]},
            "url": reverse("alerts:factcheck-my-questions"),
            "action": ACTION_ANSWERED,
            "language": settings.LANGUAGE_CODE,
        }
    topic_event_create(
        topic=ANSWER_TOPIC,
        recipients=[question.user],
        context=context,
        idempotency_key=f"{ANSWER_TOPIC}:{question.pk}",
        source=question,
    )


# --- Residents' questions ------------------------------------------------------------------


def _question_rate_limit_take(*, actor: User) -> None:
    """Count one question per account. Raises ``RateLimited`` past
    ``ALERTS_FACTCHECK_QUESTION_RATE_LIMIT`` questions (default 5) within
    ``ALERTS_FACTCHECK_QUESTION_RATE_WINDOW`` seconds (default 3600)."""
    window = settings.ALERTS_FACTCHECK_QUESTION_RATE_WINDOW
    limit = settings.ALERTS_FACTCHECK_QUESTION_RATE_LIMIT
    if rate_limit_take(scope=QUESTION_RATE_SCOPE, subject=actor.pk, limit=limit, window=window):
        return
    minutes = max(round(seconds_to_next_window(window) / 60), 1)
    raise RateLimited(
        _("You asked many questions in a short time. Please ask this one in %(minutes)s minutes.")
        % {"minutes": minutes},
        retry_after=seconds_to_next_window(window),
    )


@transaction.atomic
def question_ask(
    *,
    actor: User,
    text: str,
    link: str = "",
    screenshot=None,
    alert: Alert | None = None,
) -> FactCheckQuestion:
    """A signed-in resident asks whether something they heard is true (text, an optional
    http/https link, an optional screenshot re-encoded without its hidden data such as
    GPS). Rate limited per account. Raises ``PermissionDenied``, ``ValidationError`` or
    ``RateLimited``; nothing is stored then."""
    if not actor.has_perm("alerts.ask_factcheckquestion"):
        raise PermissionDenied(_("Sign in to ask whether something is true."))
    text = _text_check(
        "text",
        text,
        limit=QUESTION_MAX_LENGTH,
        required=_("Tell us what you heard or read."),
    )
    link = url_validate(link, field_name="link")
    if alert is not None and not Alert.objects.public().filter(pk=alert.pk).exists():
        raise ValidationError({"alert": _("Choose an incident the council published.")})
    _question_rate_limit_take(actor=actor)
    question = FactCheckQuestion(user=actor, text=text, link=link, alert=alert)
    if screenshot:
        question.screenshot = image_reencode(
            screenshot,
            max_bytes=SCREENSHOT_MAX_BYTES,
            max_side=SCREENSHOT_MAX_SIDE,
            field="screenshot",
        )
    question.save()
    return question


@transaction.atomic
def question_answer(*, actor: User, question: FactCheckQuestion, answer: str) -> FactCheckQuestion:
    """Staff answer a waiting question privately (locked); the asker is notified on commit."""
    if not is_factcheck_staff(actor):
        raise PermissionDenied(_("Only rumour-control staff can answer questions."))
    answer = _text_check(
        "answer",
        answer,
        limit=ANSWER_MAX_LENGTH,
        required=_("Write the answer the resident will read."),
    )
    question = (
        FactCheckQuestion.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=question.pk)
    )
    if question.state != FactCheckQuestion.State.NEW:
        raise ValidationError(_("This question was answered already."))
    question.state = FactCheckQuestion.State.ANSWERED
    question.answer = answer
    question.answered_by = actor
    question.answered_at = timezone.now()
    question.save(update_fields=["state", "answer", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        obj=question,
        action="alerts.factcheck_question_answer",
        changes={"state": (FactCheckQuestion.State.NEW, question.state)},
    )
    _notify_asker(question)
    return question


# --- Personal data -------------------------------------------------------------------------


def factchecks_personal_data_export(user: User) -> dict:
    return {
        "questions": [
            {
                "text": question.text,
                "link": question.link,
                "screenshot": question.screenshot.name if question.screenshot else None,
                "incident": question.alert_id,
                "state": question.state,
                "answer": question.answer,
                "fact_check": question.fact_check_id,
                "asked_at": question.created_at,
                "answered_at": question.answered_at,
            }
            for question in FactCheckQuestion.objects.filter(user=user).order_by("created_at")
        ]
    }


def factchecks_personal_data_erase(user: User) -> None:
    """Delete the person's questions and their screenshots: both are only theirs. Published
    fact checks are the council's words and stay."""
    for question in FactCheckQuestion.objects.filter(user=user):
        if question.screenshot:
            question.screenshot.delete(save=False)
        question.delete()
