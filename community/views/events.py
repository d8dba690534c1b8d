"""Pages of the events part: the lists (upcoming with filters, a month), an event's page
with sign-up, its iCalendar file and the feed; creating and changing events; the
organiser's page (sign-up list, check-in, messages, cancellation, outcome). Every action is
a plain form POST; thin over ``community.services.events``."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from civicportal.core.views.base import add_service_errors
from community import ical_events
from community import selectors_events as selectors
from community.forms_events import (
    EventFilterForm,
    EventForm,
    MessageForm,
    OutcomeForm,
    ReasonForm,
)
from community.models import Event, EventSignup, Story
from community.services import events as services
from community.services.outcomes import event_outcome_story_publish

PAGE_SIZE = 20


def _service_errors(form, error: ValidationError) -> None:
    # The services name the map point by its latitude; the form has one "location" field.
    if hasattr(error, "error_dict") and "latitude" in error.error_dict:
        error.error_dict["location"] = error.error_dict.pop("latitude")
    add_service_errors(form, error)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class EventListView(TemplateView):
    template_name = "community/events/event_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = EventFilterForm(self.request.GET or None)
        filters = form.filters() if self.request.GET else {"area": None, "kind": None}
        events = selectors.event_list(viewer=self.request.user, **filters)
        page = Paginator(events, PAGE_SIZE).get_page(self.request.GET.get("page"))
        today = timezone.localdate()
        context.update(
            form=form,
            page=page,
            events=page.object_list,
            month_url=reverse("community:event-month", args=[today.year, today.month]),
            feed_query=self.request.GET.urlencode(),
            can_create=self.request.user.has_perm("community.create_event"),
        )
        return context


class EventMonthView(TemplateView):
    template_name = "community/events/event_month.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year, month = self.kwargs["year"], self.kwargs["month"]
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise Http404(_("There is no such month."))
        zone = timezone.get_current_timezone()
        first = datetime(year, month, 1, tzinfo=zone)
        following = (first + timedelta(days=32)).replace(day=1)
        events = list(
            selectors.event_list(
                viewer=self.request.user, starts_from=first, starts_before=following,
                upcoming=False,
            )
        )  # fmt: skip
        by_day: dict[int, list[Event]] = {}
        for event in events:
            by_day.setdefault(timezone.localtime(event.starts_at).day, []).append(event)
        weeks = [
            [(day, by_day.get(day, [])) for day in week]
            for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
        ]
        previous = first - timedelta(days=1)
        context.update(
            month_start=first,
            weeks=weeks,
            events=events,
            previous_url=reverse("community:event-month", args=[previous.year, previous.month]),
            next_url=reverse("community:event-month", args=[following.year, following.month]),
        )
        return context


class EventMixin:
    @cached_property
    def event(self) -> Event:
        try:
            return selectors.event_get(viewer=self.request.user, pk=self.kwargs["pk"])
        except Event.DoesNotExist:
            raise Http404(_("There is no such event.")) from None


class EventDetailView(EventMixin, TemplateView):
    template_name = "community/events/event_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        signup = selectors.event_signup_of(viewer=user, event=self.event)
        context.update(
            event=self.event,
            signup=signup,
            waiting_position=selectors.waiting_position(signup) if signup else None,
            can_sign_up=user.has_perm("community.signup_event", self.event),
            can_manage=user.has_perm("community.manage_event", self.event),
            can_update=user.has_perm("community.update_event", self.event),
            can_publish=self.event.state == Event.State.PENDING
            and user.has_perm("community.publish_event", self.event),
        )
        return context


class EventIcsView(EventMixin, View):
    def get(self, request, pk):
        body = ical_events.event_ical(self.event, base_url=request.build_absolute_uri("/")[:-1])
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="event-{self.event.pk}.ics"'
        return response


class EventFeedView(View):
    """The subscribable feed: upcoming events and those of the last month (so a calendar
    hears of a recent cancellation), filtered like the list."""

    def get(self, request):
        form = EventFilterForm(request.GET or None)
        filters = form.filters() if request.GET else {"area": None, "kind": None}
        events = selectors.event_list(
            viewer=request.user, **filters, upcoming=False,
            starts_from=timezone.now() - timedelta(days=31),
        )[:500]  # fmt: skip
        body = ical_events.events_ical(events, base_url=request.build_absolute_uri("/")[:-1])
        return HttpResponse(body, content_type="text/calendar; charset=utf-8")


class EventCreateView(LoginRequiredMixin, FormView):
    template_name = "community/events/event_form.html"
    form_class = EventForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("community.create_event"):
            raise PermissionDenied(
                _("Only council staff, and verified residents where the council allows it, "
                  "can create events.")
            )  # fmt: skip
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            event = services.event_create(actor=self.request.user, **form.service_fields())
        except ValidationError as error:
            _service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if event.state == Event.State.PENDING:
            messages.success(
                self.request, _("Thank you. A moderator will publish your event soon.")
            )
        else:
            messages.success(self.request, _("The event is published."))
        return HttpResponseRedirect(event.get_absolute_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EventUpdateView(LoginRequiredMixin, EventMixin, FormView):
    template_name = "community/events/event_form.html"
    form_class = EventForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(
            "community.update_event", self.event
        ):
            raise PermissionDenied(_("You cannot change this event."))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        event = self.event
        initial = {
            name: getattr(event, name)
            for name in ("kind", "title", "description", "area", "place", "capacity",
                         "what_to_bring")
        }  # fmt: skip
        initial["starts_at"] = timezone.localtime(event.starts_at)
        initial["ends_at"] = timezone.localtime(event.ends_at)
        if event.latitude is not None:
            initial["location"] = (event.latitude, event.longitude)
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(event=self.event, **kwargs)

    def form_valid(self, form):
        try:
            event = services.event_update(
                actor=self.request.user, event=self.event, **form.service_fields()
            )
        except ValidationError as error:
            _service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("The event is changed; everyone signed up is told."))
        return HttpResponseRedirect(event.get_absolute_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EventActionView(LoginRequiredMixin, EventMixin, View):
    """A POST that calls one service, then back to the event page with its message."""

    def post(self, request, pk):
        try:
            text = self.act(request)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, text)
        return HttpResponseRedirect(self.next_url())

    def next_url(self) -> str:
        return self.event.get_absolute_url()


class EventSignupView(EventActionView):
    def act(self, request) -> str:
        signup = services.signup_create(actor=request.user, event=self.event)
        if signup.status == EventSignup.Status.CONFIRMED:
            return _("You have a place. See you there!")
        return _(
            "The event is full, so you are on the waiting list. If a place frees up, it is "
            "yours and we tell you."
        )


class EventSignupCancelView(EventActionView):
    def act(self, request) -> str:
        services.signup_cancel(actor=request.user, event=self.event)
        return _("Your sign-up is cancelled.")


class EventPublishView(EventActionView):
    def act(self, request) -> str:
        services.event_publish(actor=request.user, event=self.event)
        return _("The event is published.")


class EventRejectView(EventActionView):
    """A moderator turns down a resident's event, with the reason the organiser is told."""

    def act(self, request) -> str:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Say why, for the organiser."))
        reason = form.cleaned_data["reason"]
        services.event_reject(actor=request.user, event=self.event, reason=reason)
        return _("The event is rejected; its organiser is told why.")


class ManageMixin(LoginRequiredMixin, EventMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(
            "community.manage_event", self.event
        ):
            raise PermissionDenied(_("Only the event's organiser can open this page."))
        return super().dispatch(request, *args, **kwargs)


class EventManageView(ManageMixin, TemplateView):
    template_name = "community/events/event_manage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            event=self.event,
            signups=selectors.event_signups(event=self.event),
            message_form=kwargs.get("message_form") or MessageForm(),
            cancel_form=kwargs.get("cancel_form") or ReasonForm(),
            can_publish_story=self.request.user.has_perm("community.publish_story"),
            event_story=Story.objects.filter(event=self.event).first(),
            outcome_form=kwargs.get("outcome_form")
            or OutcomeForm(
                initial={
                    "attendance": self.event.outcome_attendance,
                    "outcome": self.event.outcome,
                }
            ),
        )
        return context


class EventManageActionView(ManageMixin, View):
    """One organiser's form; a refusal shows the page again with the form's messages."""

    form_class = None
    form_key = ""

    def post(self, request, pk, **kwargs):
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                text = self.act(request, form.cleaned_data)
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, text)
                return HttpResponseRedirect(reverse("community:event-manage", args=[pk]))
        page = EventManageView(request=request, kwargs=self.kwargs, args=())
        page.event = self.event
        context = page.get_context_data(**{self.form_key: form})
        return page.render_to_response(context, status=400)


class EventMessageView(EventManageActionView):
    form_class = MessageForm
    form_key = "message_form"

    def act(self, request, data) -> str:
        count = services.event_message_send(
            actor=request.user, event=self.event, message=data["message"]
        )
        return _("Your message is on its way to %(count)s people.") % {"count": count}


class EventCancelView(EventManageActionView):
    form_class = ReasonForm
    form_key = "cancel_form"

    def act(self, request, data) -> str:
        services.event_cancel(actor=request.user, event=self.event, reason=data["reason"])
        return _("The event is cancelled; everyone signed up is told.")


class EventOutcomeView(EventManageActionView):
    form_class = OutcomeForm
    form_key = "outcome_form"

    def act(self, request, data) -> str:
        photos = [(data["photo"], data["photo_description"])] if data.get("photo") else []
        services.event_outcome_record(
            actor=request.user, event=self.event, attendance=data["attendance"],
            outcome=data["outcome"], photos=photos,
        )  # fmt: skip
        return _("The outcome is recorded and shown on the event's page.")


class EventOutcomeStoryView(ManageMixin, View):
    """Council staff publish the recorded outcome as a story (community/services/outcomes.py)."""

    def post(self, request, pk):
        try:
            story = event_outcome_story_publish(actor=request.user, event=self.event)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return HttpResponseRedirect(reverse("community:event-manage", args=[pk]))
        messages.success(request, _("The outcome is published as a story."))
        return HttpResponseRedirect(story.get_absolute_url())


class EventCheckInView(ManageMixin, View):
    def post(self, request, pk, signup_pk):
        signup = get_object_or_404(EventSignup, pk=signup_pk, event_id=pk)
        try:
            services.signup_check_in(
                actor=request.user, signup=signup, present=request.POST.get("present") != "0"
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        return HttpResponseRedirect(reverse("community:event-manage", args=[pk]))
