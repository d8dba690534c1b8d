"""The staff screens under /staff/alerts/: drafting, approval, delivery, update, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from alerts import selectors, services
from alerts.cap import cap_document
from alerts.forms import AlertMessageForm, CancelForm, ReturnForm, UpdateForm
from alerts.models import Alert, AlertMessage, GroundReport
from alerts.services.fanout import message_context
from alerts.views.base import (
    AlertMixin,
    MessageMixin,
    StaffMixin,
    _add_service_errors,
    _map_context,
    _partial,
)
from civicportal.notifications.models import Event
from civicportal.notifications.rendering import message_texts


class StaffAlertListView(StaffMixin, TemplateView):
    template_name = "alerts/staff/alert_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "alerts": selectors.staff_alert_list()[:100],
            "pending": selectors.pending_message_list(),
            "new_reports": selectors.report_list(triage=GroundReport.Triage.NEW).count(),
        }


class StaffDraftCreateView(StaffMixin, FormView):
    template_name = "alerts/staff/message_form.html"
    form_class = AlertMessageForm
    permission_required = "alerts.draft_alert"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **_map_context(),
            "title": _("Draft a new alert"),
        }

    def form_valid(self, form):
        try:
            alert = services.alert_draft_create(
                actor=self.request.user,
                content=form.content(),
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Draft saved. Check it, then send it for approval by a second person."),
        )
        return redirect(alert.get_staff_url())


class StaffDraftUpdateView(StaffMixin, MessageMixin, FormView):
    template_name = "alerts/staff/message_form.html"
    form_class = AlertMessageForm
    permission_required = "alerts.draft_alert"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "with_status": False}

    def get_initial(self):
        return AlertMessageForm.initial_from(self.message)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **_map_context(),
            "title": _("Change the draft"),
            "alert": self.message.alert,
        }

    def form_valid(self, form):
        try:
            services.alert_draft_update(
                actor=self.request.user, message=self.message, content=form.content()
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error))
            return redirect(self.message.alert.get_staff_url())
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Draft saved."))
        return redirect(self.message.alert.get_staff_url())


class StaffAlertView(StaffMixin, AlertMixin, TemplateView):
    template_name = "alerts/staff/alert_detail.html"

    def get_context_data(self, **kwargs):
        alert = self.alert
        user = self.request.user
        messages_list = list(alert.messages.all())
        for message in messages_list:
            # Drafts and messages waiting for approval warn of a language without text.
            message.languages_missing = (
                selectors.languages_missing(message)
                if message.state in (AlertMessage.State.DRAFT, AlertMessage.State.PENDING)
                else []
            )
        return {
            **super().get_context_data(**kwargs),
            "alert": alert,
            "messages_list": messages_list,
            "can_update": user.has_perm("alerts.update_alert", alert) and alert.is_in_force,
            "can_cancel": user.has_perm("alerts.cancel_alert", alert)
            and alert.state in (Alert.State.PUBLISHED, Alert.State.UPDATED),
            "reports": selectors.report_list(alert=alert)[:20],
        }


class _MessageAction(StaffMixin, MessageMixin, View):
    def run(self) -> str:
        raise NotImplementedError

    def post(self, request, pk: int):
        try:
            text = self.run()
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, text)
        return redirect(self.message.alert.get_staff_url())


class StaffSubmitView(_MessageAction):
    permission_required = "alerts.draft_alert"

    def run(self) -> str:
        services.alert_submit_for_approval(actor=self.request.user, message=self.message)
        return _("Sent for approval. A second person with the approver role must approve it.")


class StaffReturnView(StaffMixin, MessageMixin, FormView):
    template_name = "alerts/staff/return_form.html"
    form_class = ReturnForm

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "message": self.message,
            "alert": self.message.alert,
        }

    def form_valid(self, form):
        try:
            services.alert_return_to_author(
                actor=self.request.user, message=self.message, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error))
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        else:
            messages.success(self.request, _("Sent back to its author."))
        return redirect(self.message.alert.get_staff_url())


class StaffApproveView(StaffMixin, MessageMixin, TemplateView):
    """The approval screen: exactly what goes out, and to how many people on each channel.

    Its form carries the ``version`` of what it shows (``services.message_version``); the
    approval is of that version only, so a message changed meanwhile is refused.
    """

    template_name = "alerts/staff/approve.html"

    def get_context_data(self, **kwargs):
        message = self.message
        previews = []
        languages = [message.language]
        if message.second_language and message.second_headline:
            languages.append(message.second_language)
        for language in languages:
            event = Event(
                kind="alerts.alert",
                urgent=True,
                context=message_context(message, language=language),
            )
            previews.append(
                {"language": language, "texts": message_texts(event=event, language=language)}
            )
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "message": message,
            "alert": message.alert,
            "previews": previews,
            "counts": selectors.audience_counts(message),
            "languages_missing": selectors.languages_missing(message),
            "cap_xml": cap_document(message).decode(),
            "version": services.message_version(message),
            "is_author": message.author_id == user.pk,
            "can_approve": user.has_perm("alerts.approve_alert", message)
            and message.state == AlertMessage.State.PENDING,
        }

    def post(self, request, pk: int):
        message = self.message
        try:
            services.alert_approve(
                actor=request.user, message=message, version=request.POST.get("version", "")
            )
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("alerts:staff-approve", pk=message.pk)
        messages.success(request, _("Approved. The message is going out now."))
        return redirect(message.alert.get_staff_url())


class StaffDeliveryView(StaffMixin, MessageMixin, TemplateView):
    """The live delivery panel of one message; htmx polls the partial until done."""

    permission_required = "alerts.view_delivery"

    def get_template_names(self):
        if _partial(self.request):
            return ["alerts/staff/_delivery.html"]
        return ["alerts/staff/delivery.html"]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "message": self.message,
            "alert": self.message.alert,
            "figures": selectors.delivery_figures(self.message),
        }


class StaffUpdateView(StaffMixin, AlertMixin, FormView):
    template_name = "alerts/staff/message_form.html"
    form_class = UpdateForm
    permission_required = "alerts.update_alert"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "alert": self.alert}

    def get_initial(self):
        initial = UpdateForm.initial_from(self.alert.current_message)
        report_id = self.request.GET.get("quote", "")
        if report_id.isdigit():
            initial["quoted_report"] = self.alert.reports.filter(pk=int(report_id)).first()
        return initial

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **_map_context(),
            "title": _("Update the alert"),
            "alert": self.alert,
        }

    def form_valid(self, form):
        try:
            services.alert_update(
                actor=self.request.user,
                alert=self.alert,
                content=form.content(),
                note=form.cleaned_data.get("note", ""),
                quoted_report=form.cleaned_data.get("quoted_report"),
            )
        except PermissionDenied as error:
            messages.error(self.request, str(error))
            return redirect(self.alert.get_staff_url())
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Update sent for approval. It goes out when a second person approves it."),
        )
        return redirect(self.alert.get_staff_url())


class StaffCancelView(StaffMixin, AlertMixin, FormView):
    template_name = "alerts/staff/cancel_form.html"
    form_class = CancelForm
    permission_required = "alerts.cancel_alert"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "alert": self.alert}

    def form_valid(self, form):
        note = form.cleaned_data["note"]
        try:
            services.alert_cancel(actor=self.request.user, alert=self.alert, note=note)
        except PermissionDenied as error:
            messages.error(self.request, str(error))
            return redirect(self.alert.get_staff_url())
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The alert is cancelled; the all-clear is going out."))
        if note.strip():
            messages.info(
                self.request,
                _("Your note goes out once a second person with the approver role approves it."),
            )
        return redirect(self.alert.get_staff_url())
