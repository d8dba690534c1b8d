"""Rumour control pages: the public fact checks (overall, per incident, each with its
schema.org ClaimReview), their Atom feed, residents' "is this true?" questions, and the
staff screens under /staff/rumours/ (queues, writing, approval, answers).

Thin views over ``alerts.services.factchecks`` and ``alerts.selectors_factchecks``; the
two-person rule lives in the services, so these pages cannot get round it."""

from __future__ import annotations

import json
from urllib.parse import urljoin

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.functional import cached_property
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from alerts import selectors_factchecks as selectors
from alerts.forms_factchecks import AnswerForm, FactCheckForm, QuestionForm, sources_text
from alerts.models import FactCheck, FactCheckQuestion, Verdict
from alerts.models.factchecks import VERDICT_RATING
from alerts.services import factchecks as services
from alerts.validators import xml_text
from alerts.views.base import StaffMixin, _add_service_errors
from civicportal.core.rendering import markdown_render, markdown_text

# --- Public pages ----------------------------------------------------------------------------


def claim_review(fact_check: FactCheck, *, base_url: str) -> dict:
    """The schema.org ``ClaimReview`` of a published fact check (for search engines and
    fact-check aggregators): the claim as a ``Claim`` with where it appeared, the verdict
    as a ``Rating`` on a 1 (false) to 5 (true) scale with its word, the council as author."""
    url = urljoin(base_url, fact_check.get_absolute_url())
    council = {"@type": "Organization", "name": settings.COUNCIL_NAME, "url": base_url}
    # Who first made the claim is rarely known (and naming a resident would be wrong): no
    # author; where it appeared is given when staff know it.
    claim: dict = {"@type": "Claim"}
    if fact_check.claim_url:
        appearance = {"@type": "CreativeWork", "url": fact_check.claim_url}
        claim["appearance"] = [appearance]
        claim["firstAppearance"] = appearance
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": fact_check.claim,
        "datePublished": fact_check.published_at.date().isoformat(),
        "author": council,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": VERDICT_RATING[fact_check.verdict],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": str(Verdict(fact_check.verdict).label),
        },
        "itemReviewed": claim,
    }


def _json_ld(data: dict) -> str:
    # Escaped as json_script escapes (<, >, &), so no text can close the script element.
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_json_script_escapes))  # noqa: S308


class RumourControlView(ListView):
    """Every published fact check, newest first, filtered by verdict."""

    template_name = "alerts/factchecks/list.html"
    context_object_name = "fact_checks"
    paginate_by = 20
    incident = None

    def get_queryset(self):
        verdict = self.request.GET.get("verdict", "")
        self.verdict = verdict if verdict in Verdict.values else ""
        return selectors.factcheck_list_public(alert=self.incident, verdict=self.verdict)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "incident": self.incident,
            "verdict": self.verdict,
            "verdict_choices": Verdict.choices,
        }


class IncidentRumourControlView(RumourControlView):
    """The fact checks of one incident (a public alert)."""

    def get(self, request, *args, **kwargs):
        self.incident = selectors.incident_get_public(pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)


class FactCheckDetailView(TemplateView):
    template_name = "alerts/factchecks/detail.html"

    def get_context_data(self, **kwargs):
        fact_check = selectors.factcheck_get(viewer=self.request.user, pk=kwargs["pk"])
        context = {
            **super().get_context_data(**kwargs),
            "fact_check": fact_check,
            "facts_html": markdown_render(fact_check.facts),
        }
        if fact_check.state == FactCheck.State.PUBLISHED:
            base_url = self.request.build_absolute_uri("/")
            context["claim_review"] = _json_ld(claim_review(fact_check, base_url=base_url))
        return context


class FactCheckFeed(Feed):
    """Atom: published fact checks, newest first (``/rumours/feed/``)."""

    feed_type = Atom1Feed
    description_template = None
    item_guid_is_permalink = True

    def title(self) -> str:
        return _("Rumour control from %(council)s") % {"council": settings.COUNCIL_NAME}

    def subtitle(self) -> str:
        return _("Claims going around, and what the facts are.")

    def link(self) -> str:
        return reverse("alerts:factcheck-list")

    def feed_url(self) -> str:
        return reverse("alerts:factcheck-feed")

    def items(self):
        return selectors.factcheck_list_public()[:50]

    def item_title(self, item: FactCheck) -> str:
        return xml_text(
            _("%(verdict)s: %(claim)s")
            % {"verdict": item.get_verdict_display(), "claim": item.claim}
        )

    def item_description(self, item: FactCheck) -> str:
        return xml_text(markdown_text(item.facts))

    def item_link(self, item: FactCheck) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: FactCheck):
        return item.published_at

    def item_updateddate(self, item: FactCheck):
        return item.updated_at

    def item_categories(self, item: FactCheck):
        return [item.verdict]


class QuestionAskView(LoginRequiredMixin, FormView):
    """A resident asks "is this true?" (optionally about an incident: ``?alert=<id>``)."""

    template_name = "alerts/factchecks/ask.html"
    form_class = QuestionForm

    @cached_property
    def incident(self):
        raw = self.request.GET.get("alert") or self.request.POST.get("alert") or ""
        if not raw.isdigit():
            return None
        return selectors.factcheck_incident_or_none(pk=int(raw))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "incident": self.incident}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.question_ask(
                actor=self.request.user,
                text=data["text"],
                link=data.get("link", ""),
                screenshot=data.get("screenshot"),
                alert=self.incident,
            )
        except PermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Thank you: your question reached the council's rumour-control team. You "
                "will find their answer here and in your notifications."
            ),
        )
        return redirect("alerts:factcheck-my-questions")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MyQuestionsView(LoginRequiredMixin, ListView):
    template_name = "alerts/factchecks/my_questions.html"
    context_object_name = "questions"
    paginate_by = 20

    def get_queryset(self):
        return selectors.question_list_mine(viewer=self.request.user)


# --- Staff screens ---------------------------------------------------------------------------


class FactCheckStaffMixin(StaffMixin):
    permission_required = "alerts.view_factcheck"

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        raise PermissionDenied(_("Only rumour-control staff can open this page."))


class StaffRumourDeskView(FactCheckStaffMixin, TemplateView):
    """The queues: questions waiting, fact checks waiting for approval, drafts, published."""

    template_name = "alerts/factchecks/staff/desk.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "questions": selectors.staff_question_list(state=FactCheckQuestion.State.NEW)[:50],
            "pending": selectors.staff_factcheck_list(state=FactCheck.State.PENDING)[:50],
            "drafts": selectors.staff_factcheck_list(state=FactCheck.State.DRAFT)[:50],
            "published": selectors.staff_factcheck_list(state=FactCheck.State.PUBLISHED)[:20],
        }


class StaffFactCheckCreateView(FactCheckStaffMixin, FormView):
    """A new draft; ``?question=<id>`` answers a waiting question with it."""

    template_name = "alerts/factchecks/staff/form.html"
    form_class = FactCheckForm
    permission_required = "alerts.draft_factcheck"

    @cached_property
    def question(self) -> FactCheckQuestion | None:
        raw = self.request.GET.get("question", "")
        if not raw.isdigit():
            return None
        return get_object_or_404(
            FactCheckQuestion.objects.select_related("alert"),
            pk=int(raw),
            state=FactCheckQuestion.State.NEW,
        )

    def get_initial(self):
        if self.question is None:
            return {}
        return {
            "claim": self.question.text[:500],
            "claim_url": self.question.link,
            "alert": self.question.alert,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "question": self.question}

    def form_valid(self, form):
        try:
            fact_check = services.factcheck_create(
                actor=self.request.user, content=form.content(), question=self.question
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Draft saved."))
        return redirect(fact_check.get_staff_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FactCheckObjectMixin:
    @cached_property
    def fact_check(self) -> FactCheck:
        return get_object_or_404(
            FactCheck.objects.select_related("alert", "author", "approver"), pk=self.kwargs["pk"]
        )


class StaffFactCheckUpdateView(FactCheckObjectMixin, FactCheckStaffMixin, FormView):
    template_name = "alerts/factchecks/staff/form.html"
    form_class = FactCheckForm
    permission_required = "alerts.draft_factcheck"

    def get_initial(self):
        fact_check = self.fact_check
        return {
            "claim": fact_check.claim,
            "claim_url": fact_check.claim_url,
            "verdict": fact_check.verdict,
            "facts": fact_check.facts,
            "sources": sources_text(fact_check.sources),
            "alert": fact_check.alert,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "fact_check": self.fact_check}

    def form_valid(self, form):
        try:
            services.factcheck_update(
                actor=self.request.user, fact_check=self.fact_check, content=form.content()
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Draft saved."))
        return redirect(self.fact_check.get_staff_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class StaffFactCheckView(FactCheckObjectMixin, FactCheckStaffMixin, TemplateView):
    """One fact check as it will read, with what can be done with it next. Approving
    names the version shown here."""

    template_name = "alerts/factchecks/staff/detail.html"

    def get_context_data(self, **kwargs):
        fact_check = self.fact_check
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "fact_check": fact_check,
            "facts_html": markdown_render(fact_check.facts),
            "version": services.factcheck_version(fact_check),
            "can_draft": user.has_perm("alerts.draft_factcheck"),
            "can_publish": user.has_perm("alerts.publish_factcheck")
            and not fact_check.needs_approval,
            "can_approve": user.has_perm("alerts.approve_factcheck", fact_check),
            "is_author": fact_check.author_id == user.pk,
        }


class _StaffActionView(FactCheckObjectMixin, FactCheckStaffMixin, View):
    """A plain form POST calling one service; its refusal is shown on the staff page."""

    success_message = ""

    def act(self, request) -> None:
        raise NotImplementedError

    def post(self, request, pk: int):
        try:
            self.act(request)
        except (PermissionDenied, ValidationError) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, text)
            return render(
                request,
                StaffFactCheckView.template_name,
                {
                    **StaffFactCheckView(request=request, kwargs={"pk": pk}).get_context_data(
                        pk=pk
                    ),
                    "refusal": text,
                },
                status=403 if isinstance(error, PermissionDenied) else 400,
            )
        messages.success(request, str(self.success_message))
        return redirect(self.fact_check.get_staff_url())


class StaffFactCheckSubmitView(_StaffActionView):
    permission_required = "alerts.draft_factcheck"
    success_message = gettext_lazy("Sent for approval.")

    def act(self, request) -> None:
        services.factcheck_submit(actor=request.user, fact_check=self.fact_check)


class StaffFactCheckPublishView(_StaffActionView):
    permission_required = "alerts.publish_factcheck"
    success_message = gettext_lazy("Published.")

    def act(self, request) -> None:
        services.factcheck_publish(actor=request.user, fact_check=self.fact_check)


class StaffFactCheckApproveView(_StaffActionView):
    # Any rumour-control staff reach the service, which says why it refuses (the author,
    # someone without the approver role): the refusal is the page's answer, not a 404.
    success_message = gettext_lazy("Approved and published.")

    def act(self, request) -> None:
        services.factcheck_approve(
            actor=request.user,
            fact_check=self.fact_check,
            version=request.POST.get("version", ""),
        )


class StaffFactCheckReturnView(_StaffActionView):
    success_message = gettext_lazy("Sent back to be changed.")

    def act(self, request) -> None:
        services.factcheck_return(actor=request.user, fact_check=self.fact_check)


class StaffQuestionAnswerView(FactCheckStaffMixin, FormView):
    template_name = "alerts/factchecks/staff/answer.html"
    form_class = AnswerForm
    permission_required = "alerts.answer_factcheckquestion"

    @cached_property
    def question(self) -> FactCheckQuestion:
        return get_object_or_404(
            FactCheckQuestion.objects.select_related("user", "alert", "fact_check"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "question": self.question}

    def form_valid(self, form):
        try:
            services.question_answer(
                actor=self.request.user, question=self.question, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Answer sent to the resident."))
        return redirect("alerts:staff-rumours")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
