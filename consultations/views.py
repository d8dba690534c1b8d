"""Consultation pages for residents, and the staff results pages under /staff/ (thin views).

The questionnaire works with and without JavaScript. With it, conditional questions appear
and disappear as the resident answers (``static/consultations/questionnaire.js``). Without
it, conditional questions start hidden; when the answers sent reveal one the resident has
not seen yet, the page comes back with it shown and every answer kept (a second step),
and only then are the answers stored.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import ListView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from civicportal.accounts.models import Area
from civicportal.kernel.client import client_address
from civicportal.kernel.services import job_start
from consultations import selectors, services
from consultations.forms import QuestionnaireForm
from consultations.jobs import RESPONSES_EXPORT
from consultations.models import Consultation, Question

ANON_COOKIE = "cp_consultation_browser"
ANON_COOKIE_SALT = "consultations.browser-token"
ANON_COOKIE_MAX_AGE = 400 * 24 * 3600


def anon_token_read(request) -> str | None:
    return request.get_signed_cookie(ANON_COOKIE, default=None, salt=ANON_COOKIE_SALT)


def anon_token_write(response, token: str) -> None:
    response.set_signed_cookie(
        ANON_COOKIE,
        token,
        salt=ANON_COOKIE_SALT,
        max_age=ANON_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class ConsultationMixin:
    """Loads the consultation named in the URL (404 if the viewer may not see it)."""

    @cached_property
    def consultation(self) -> Consultation:
        return selectors.consultation_get(viewer=self.request.user, slug=self.kwargs["slug"])

    def get_permission_object(self):
        return self.consultation


# --- Residents' pages ----------------------------------------------------------------------


class ConsultationListView(ListView):
    template_name = "consultations/consultation_list.html"
    context_object_name = "consultations"
    paginate_by = 20

    def get_queryset(self):
        phase = self.request.GET.get("phase", Consultation.Phase.OPEN)
        if phase not in Consultation.Phase.values:
            phase = Consultation.Phase.OPEN
        area = None
        slug = self.request.GET.get("area", "")
        if slug:
            area = Area.objects.filter(slug=slug).first()
        self.filters = {"phase": phase, "area": area}
        return selectors.consultation_list(viewer=self.request.user, phase=phase, area=area)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "filters": self.filters,
            "phases": [(p, Consultation.Phase(p).label) for p in selectors.PHASES],
            "areas": Area.objects.order_by("name"),
        }


class ConsultationDetailView(ConsultationMixin, TemplateView):
    template_name = "consultations/consultation_detail.html"

    def get_context_data(self, **kwargs):
        consultation = self.consultation
        user = self.request.user
        response = selectors.response_get(
            consultation=consultation, user=user, anon_token=anon_token_read(self.request)
        )
        return {
            **super().get_context_data(**kwargs),
            "consultation": consultation,
            "documents": consultation.documents.all(),
            "drafts": selectors.draft_list(consultation=consultation),
            "question_count": consultation.questions.count(),
            "response": response,
            "can_respond": user.has_perm("consultations.respond_consultation", consultation),
            "denial": services.response_denial(consultation=consultation, user=user),
            "can_view_results": user.has_perm("consultations.view_results", consultation),
            "can_manage": user.has_perm("consultations.manage_consultation", consultation),
            "report": selectors.report_get_published(consultation=consultation),
        }


def _question_blocks(form: QuestionnaireForm, visible: set[int]) -> list[dict]:
    blocks = []
    for question in form.questions:
        prefix = f"q{question.pk}"
        fields = [
            form[name] for name in form.fields if name == prefix or name.startswith(prefix + "_")
        ]
        values = ""
        if question.is_conditional:
            values = question.depends_on_answer or ",".join(
                str(c.pk) for c in question.depends_on_choices.all()
            )
        blocks.append(
            {
                "question": question,
                "fields": fields,
                "main": form[prefix] if prefix in form.fields else None,
                "extra": [f for f in fields if f.name != prefix],
                "errors": form.question_errors(question),
                "hidden": question.is_conditional and question.pk not in visible,
                "condition_values": values,
            }
        )
    return blocks


class QuestionnaireView(ConsultationMixin, View):
    """Answer, or change one's answers (GET shows the form, POST sends it)."""

    template_name = "consultations/questionnaire.html"

    @cached_property
    def questions(self) -> list[Question]:
        return selectors.question_list(consultation=self.consultation)

    def _render(self, form, visible, *, status=200, token=None, step_two=False):
        conditional_shown = [q.pk for q in self.questions if q.is_conditional and q.pk in visible]
        form.data = form.data.copy() if form.is_bound else form.data
        if form.is_bound:
            form.data["shown"] = ",".join(map(str, conditional_shown))
        else:
            form.initial["shown"] = ",".join(map(str, conditional_shown))
        response = render(
            self.request,
            self.template_name,
            {
                "consultation": self.consultation,
                "form": form,
                "blocks": _question_blocks(form, visible),
                "step_two": step_two,
                "has_response": self._response() is not None,
                "anonymous": not self.request.user.is_authenticated,
            },
            status=status,
        )
        if token:
            anon_token_write(response, token)
        return response

    def _response(self):
        if not hasattr(self, "_cached_response"):
            self._cached_response = selectors.response_get(
                consultation=self.consultation,
                user=self.request.user,
                anon_token=anon_token_read(self.request),
            )
        return self._cached_response

    def _refuse(self):
        reason = services.response_denial(consultation=self.consultation, user=self.request.user)
        if reason:
            return render(
                self.request,
                "consultations/questionnaire_closed.html",
                {"consultation": self.consultation, "reason": reason},
                status=403,
            )
        return None

    def get(self, request, slug: str):
        refused = self._refuse()
        if refused:
            return refused
        answers = selectors.response_answers_as_input(self._response(), self.questions)
        form = QuestionnaireForm(
            questions=self.questions,
            initial=QuestionnaireForm.initial_from_answers(self.questions, answers),
        )
        return self._render(form, services.questions_visible(self.questions, answers))

    def post(self, request, slug: str):
        refused = self._refuse()
        if refused:
            return refused
        form = QuestionnaireForm(request.POST, questions=self.questions)
        valid = form.is_valid()
        answers = form.answers() if valid else {}
        visible = services.questions_visible(self.questions, answers)
        if not valid:
            return self._render(form, visible, status=400)
        revealed = [
            q
            for q in self.questions
            if q.is_conditional and q.pk in visible and q.pk not in form.shown_ids()
        ]
        # Answers to questions that the other answers hide do not apply: the page hid them.
        answers = {pk: value for pk, value in answers.items() if pk in visible}
        if revealed:
            messages.info(
                request,
                ngettext(
                    "Your answers open one more question. Answer it (or leave it empty if it "
                    "is optional), then send your answers again.",
                    "Your answers open %(count)s more questions. Answer them (or leave them "
                    "empty if they are optional), then send your answers again.",
                    len(revealed),
                )
                % {"count": len(revealed)},
            )
            return self._render(form, visible, step_two=True)
        token = None
        if not request.user.is_authenticated:
            token = anon_token_read(request) or secrets.token_urlsafe(32)
        try:
            services.response_submit(
                consultation=self.consultation,
                user=request.user,
                anon_token=token,
                answers=answers,
                client_key=client_address(request),
            )
        except ValidationError as error:
            form.add_service_errors(error)
            return self._render(form, visible, status=400, token=token)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self._render(form, visible, status=403, token=token)
        messages.success(
            request,
            _(
                "Thank you: your answers are saved. You can change them until the "
                "consultation closes."
            ),
        )
        response = redirect(self.consultation.get_absolute_url())
        if token:
            anon_token_write(response, token)
        return response


class DraftDetailView(ConsultationMixin, TemplateView):
    template_name = "consultations/draft_detail.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "consultation": self.consultation,
            "draft": selectors.draft_get(
                consultation=self.consultation, draft_id=self.kwargs["draft_id"]
            ),
        }


class ParagraphDetailView(TemplateView):
    """One paragraph of a draft with its comment thread (the core's comments).

    For htmx, only the thread: the draft's page fetches it into place beside the paragraph.
    """

    template_name = "consultations/paragraph_detail.html"

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return ["consultations/_paragraph_comments.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        paragraph = selectors.paragraph_get(
            viewer=self.request.user, paragraph_id=self.kwargs["pk"]
        )
        draft = paragraph.section.draft
        return {
            **super().get_context_data(**kwargs),
            "paragraph": paragraph,
            "section": paragraph.section,
            "draft": draft,
            "consultation": draft.consultation,
        }


class ResultsView(ConsultationMixin, PermissionRequiredMixin, TemplateView):
    """Published results, for everyone (counts and charts; free text stays internal)."""

    permission_required = "consultations.view_results"
    template_name = "consultations/results.html"

    def handle_no_permission(self):
        return render(
            self.request,
            "consultations/results_pending.html",
            {"consultation": self.consultation},
            status=403,
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "consultation": self.consultation,
            "results": selectors.results_get(consultation=self.consultation, samples=False),
        }


# --- Staff pages (under /staff/, where two-factor authentication is enforced) --------------


class StaffMixin(ConsultationMixin, PermissionRequiredMixin):
    permission_required = "consultations.manage_consultation"
    raise_exception = True


class StaffResultsView(StaffMixin, TemplateView):
    """Live counts per question, charts with their tables, the latest free-text answers."""

    template_name = "consultations/staff/results.html"

    def get_context_data(self, **kwargs):
        consultation = self.consultation
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "consultation": consultation,
            "results": selectors.results_get(consultation=consultation),
            "can_publish": user.has_perm("consultations.publish_results", consultation)
            and consultation.results_public_after_close
            and consultation.results_published_at is None,
        }


class StaffTextAnswersView(StaffMixin, TemplateView):
    template_name = "consultations/staff/text_answers.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        question = self.consultation.questions.filter(pk=self.kwargs["question_id"]).first()
        if question is None:
            raise Http404
        page = Paginator(selectors.text_answer_list(question=question), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        return {
            **super().get_context_data(**kwargs),
            "consultation": self.consultation,
            "question": question,
            "page_obj": page,
        }


class StaffExportView(StaffMixin, View):
    """``POST``: export the anonymised responses as CSV in a background job
    (``consultations.jobs``) and go to its progress page, where the file is downloaded once
    written. The request does none of the work (50,000 responses take seconds)."""

    http_method_names = ["post"]

    def post(self, request, slug: str):
        job = job_start(
            RESPONSES_EXPORT,
            user=request.user,
            params={"consultation_id": self.consultation.pk},
        )
        return redirect(job)


class StaffPublishView(StaffMixin, View):
    http_method_names = ["post"]

    def post(self, request, slug: str):
        try:
            services.results_publish(actor=request.user, consultation=self.consultation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The results are published. Residents who answered are being notified."),
            )
        return redirect("consultations:staff-results", slug=self.consultation.slug)
