"""The resident's notification pages: preferences, phone, push, inbox, unsubscribe, sw.js.

Views parse input and call one service or selector (STYLE §2). JSON endpoints (push
subscribe/unsubscribe) answer JSON errors instead of redirecting to the sign-in page.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from civicportal.kernel.client import client_address
from civicportal.kernel.ratelimit import RateLimited
from civicportal.notifications import selectors, services
from civicportal.notifications.forms import PhoneCodeForm, PhoneNumberForm, PreferencesForm
from civicportal.notifications.models import ChannelName
from civicportal.notifications.rendering import message_texts
from civicportal.notifications.tokens import UnsubscribeTokenError, unsubscribe_token_read
from civicportal.notifications.topics import DIGEST_TOPIC, topic_get

_SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "notifications" / "sw.js"


# --- Preferences and phone number -------------------------------------------------------


class PreferencesView(LoginRequiredMixin, TemplateView):
    """Topics by channels, the push button, the phone number; POST saves the table."""

    template_name = "notifications/preferences.html"

    def page(self, *, status: int = 200, **forms) -> HttpResponse:
        user = self.request.user
        phone = selectors.phone_number_get(viewer=user)
        context = {
            "form": forms.get("form")
            or PreferencesForm(table=selectors.preference_table(viewer=user)),
            "phone": phone,
            "phone_form": forms.get("phone_form")
            or PhoneNumberForm(initial={"number": phone.number if phone else ""}),
            "code_form": forms.get("code_form") or PhoneCodeForm(),
            "push_available": ChannelName.PUSH in settings.NOTIFICATIONS_CHANNELS,
            "sms_available": ChannelName.SMS in settings.NOTIFICATIONS_CHANNELS,
            "vapid_public_key": settings.NOTIFICATIONS_VAPID_PUBLIC_KEY,
            "push_subscriptions": selectors.push_subscription_list(viewer=user),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        form = PreferencesForm(request.POST, table=selectors.preference_table(viewer=request.user))
        if not form.is_valid():
            return self.page(form=form, status=400)
        try:
            services.preferences_update(user=request.user, choices=form.choices())
        except ValidationError as error:
            form.add_error(None, error)
            return self.page(form=form, status=400)
        messages.success(request, _("Your notification choices have been saved."))
        return redirect("notifications:preferences")


class PhoneNumberStartView(PreferencesView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PhoneNumberForm(request.POST)
        if form.is_valid():
            try:
                phone = services.phone_number_start(
                    user=request.user,
                    number=form.cleaned_data["number"],
                    client_address=client_address(request),
                )
            except RateLimited as error:  # which limit, and when to try again
                form.add_error("number", error)
                response = self.page(phone_form=form, status=429)
                response["Retry-After"] = str(error.retry_after)
                return response
            except ValidationError as error:
                form.add_error("number", error)
            else:
                messages.success(
                    request,
                    _("We sent a code to %(number)s. Enter it below to confirm the number.")
                    % {"number": phone.number},
                )
                return redirect("notifications:preferences")
        return self.page(phone_form=form, status=400)


class PhoneNumberVerifyView(PreferencesView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PhoneCodeForm(request.POST)
        if form.is_valid():
            try:
                services.phone_number_verify(user=request.user, code=form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error)
            else:
                messages.success(request, _("Your phone number is confirmed."))
                return redirect("notifications:preferences")
        return self.page(code_form=form, status=400)


class PhoneNumberDeleteView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if services.phone_number_delete(user=request.user):
            messages.success(request, _("Your phone number has been removed."))
        return redirect("notifications:preferences")


# --- Web push ---------------------------------------------------------------------------


class JsonLoginRequiredMixin:
    """401 JSON for anonymous callers of a JSON endpoint (a script cannot follow a login)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": _("Sign in first.")}, status=401)
        return super().dispatch(request, *args, **kwargs)


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json"


def _json_body(request: HttpRequest) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


class PushSubscribeView(JsonLoginRequiredMixin, View):
    """``POST`` ``PushSubscription.toJSON()`` (JSON, with the CSRF header)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        data = _json_body(request)
        keys = data.get("keys") if data else None
        if not data or not isinstance(keys, dict):
            return JsonResponse(
                {"error": _("Send the browser's push subscription as JSON.")}, status=400
            )
        try:
            subscription = services.push_subscription_save(
                user=request.user,
                endpoint=str(data.get("endpoint", "")),
                p256dh=str(keys.get("p256dh", "")),
                auth=str(keys.get("auth", "")),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ValidationError as error:
            # 409: the endpoint is another account's, and stays theirs.
            status = 409 if getattr(error, "code", None) == "taken" else 400
            return JsonResponse({"error": " ".join(error.messages)}, status=status)
        return JsonResponse(
            {"id": subscription.pk, "message": _("Notifications are on for this browser.")},
            status=201,
        )


class PushUnsubscribeView(JsonLoginRequiredMixin, View):
    """``POST`` JSON ``{"endpoint": ...}`` (push.js), or a form with ``subscription`` (id)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if _wants_json(request):
            data = _json_body(request)
            if not data or not isinstance(data.get("endpoint"), str):
                return JsonResponse({"error": _("Send the push endpoint as JSON.")}, status=400)
            deleted = services.push_subscription_delete(
                user=request.user, endpoint=data["endpoint"]
            )
            return JsonResponse({"deleted": deleted})
        try:
            subscription_id = int(request.POST.get("subscription", ""))
        except ValueError:
            messages.error(request, _("Choose a browser to remove."))
            return redirect("notifications:preferences")
        if services.push_subscription_delete(user=request.user, subscription_id=subscription_id):
            messages.success(request, _("That browser will no longer get notifications."))
        return redirect("notifications:preferences")


@cache
def _service_worker_source() -> bytes:
    return _SERVICE_WORKER.read_bytes()


def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: served from the site root so its scope is the whole site."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on navigation; never let a cache hold the old one.
    response["Cache-Control"] = "no-cache"
    return response


# --- Inbox ------------------------------------------------------------------------------


def _with_texts(items) -> list[dict]:
    language = get_language()
    return [
        {"item": item, "texts": message_texts(event=item.event, language=language)}
        for item in items
    ]


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/inbox.html"
    paginate_by = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.inbox_list(viewer=self.request.user), self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            entries=_with_texts(page.object_list),
            unread=selectors.inbox_unread_count(viewer=self.request.user),
        )
        return context


class InboxMarkReadView(LoginRequiredMixin, View):
    """``POST`` ``item`` (one or more ids): mark them read; htmx gets the item back."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            ids = [int(value) for value in request.POST.getlist("item")]
        except ValueError:
            ids = []
        if not ids:
            messages.error(request, _("Choose a notice to mark as read."))
            return _inbox_redirect(request)
        services.inbox_mark_read(user=request.user, delivery_ids=ids)
        if request.htmx and len(ids) == 1:
            item = selectors.inbox_list(viewer=request.user).filter(pk=ids[0]).first()
            if item is not None:
                return render(
                    request, "notifications/_inbox_item.html", {"entry": _with_texts([item])[0]}
                )
        return _inbox_redirect(request)


def _inbox_redirect(request: HttpRequest) -> HttpResponse:
    """Back to the inbox page the form was on (``page``), or its first page."""
    page = request.POST.get("page", "")
    url = reverse("notifications:inbox")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


class InboxMarkAllReadView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        count = services.inbox_mark_read(user=request.user)
        if count:
            messages.success(request, _("All notices are marked as read."))
        return _inbox_redirect(request)


# --- One-click unsubscribe --------------------------------------------------------------


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """GET: a confirmation button. POST: switch the preference off (no login needed).

    CSRF-exempt on purpose: the signed token is the authority, and RFC 8058 mail clients
    POST ``List-Unsubscribe=One-Click`` without any cookie or form token.
    """

    template_name = "notifications/unsubscribe.html"

    def read(self, token: str):
        try:
            return unsubscribe_token_read(token), None
        except UnsubscribeTokenError as error:
            if error.expired:
                return None, _(
                    "This unsubscribe link has expired. Sign in and choose what you hear "
                    "about on your notification settings page."
                )
            return None, _(
                "This unsubscribe link is not valid: it may have been cut short or changed. "
                "Nothing was changed. Use the link in the email as it is, or sign in and "
                "change your notification settings."
            )

    def topic_label(self, topic: str) -> str:
        if topic == DIGEST_TOPIC:
            return _("digest emails")
        try:
            return str(topic_get(topic).label)
        except LookupError:
            return topic

    def get(self, request, token: str):
        unsubscribe, error = self.read(token)
        return render(
            request,
            self.template_name,
            {
                "error": error,
                "token": token,
                "topic_label": self.topic_label(unsubscribe.topic) if unsubscribe else "",
                "channel_label": ChannelName(unsubscribe.channel).label
                if unsubscribe and unsubscribe.channel in ChannelName.values
                else "",
            },
            status=400 if error else 200,
        )

    def post(self, request, token: str):
        unsubscribe, error = self.read(token)
        if error is None:
            try:
                services.preference_unsubscribe(
                    user_id=unsubscribe.user_id,
                    topic=unsubscribe.topic,
                    channel=unsubscribe.channel,
                )
            except ValidationError:
                error = _("This unsubscribe link is not valid. Nothing was changed.")
        if request.POST.get("List-Unsubscribe") == "One-Click":
            # A mail client's one-click request (RFC 8058): a short answer, no page.
            if error:
                return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
            return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
        return render(
            request,
            self.template_name,
            {
                "error": error,
                "done": error is None,
                "topic_label": self.topic_label(unsubscribe.topic) if unsubscribe else "",
                "channel_label": ChannelName(unsubscribe.channel).label
                if unsubscribe and unsubscribe.channel in ChannelName.values
                else "",
            },
            status=400 if error else 200,
        )


# --- Subscribers without an account -------------------------------------------------------

# The session remembers which sign-up a browser is entering a texted code for.
SUBSCRIBER_CODE_SESSION_KEY = "notifications_subscriber_code"


def subscriber_code_redirect(request: HttpRequest, subscriber) -> HttpResponse:
    """After a sign-up by phone: remember it in the session and go to the code page.

    For the sign-up pages of the topics that offer subscriptions without an account.
    """
    request.session[SUBSCRIBER_CODE_SESSION_KEY] = subscriber.pk
    return redirect("notifications:subscriber-code")


def _topic_label(key: str) -> str:
    try:
        return str(topic_get(key).label)
    except LookupError:
        return key


class SubscriberConfirmView(View):
    """GET: what is being confirmed, and a Confirm button. POST: confirm it.

    A GET never confirms: mail scanners open links, and only a person presses buttons.
    """

    template_name = "notifications/subscriber_confirm.html"

    def get(self, request, token: str):
        try:
            subscriber = services.subscriber_confirm_get(signed=token)
        except ValidationError as error:
            return render(request, self.template_name, {"error": error.messages[0]}, status=400)
        return render(
            request,
            self.template_name,
            {
                "subscriber": subscriber,
                "topic_label": _topic_label(subscriber.topic),
                # What the last sign-up asked for; once confirmed, what is in force.
                "choices": services.subscriber_describe(
                    subscriber, pending=bool(subscriber.pending_choices)
                ),
                "token": token,
            },
        )

    def post(self, request, token: str):
        try:
            subscriber = services.subscriber_confirm(signed=token)
        except ValidationError as error:
            return render(request, self.template_name, {"error": error.messages[0]}, status=400)
        messages.success(request, _("Your subscription is confirmed."))
        return redirect("notifications:subscriber", token=subscriber.token)


class SubscriberCodeView(View):
    """The code texted to the number a browser signed up (remembered in its session)."""

    template_name = "notifications/subscriber_code.html"

    def page(self, request, form, *, status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"form": form}, status=status)

    def get(self, request):
        if SUBSCRIBER_CODE_SESSION_KEY not in request.session:
            return self.page(request, None, status=400)
        return self.page(request, PhoneCodeForm())

    def post(self, request):
        subscriber_id = request.session.get(SUBSCRIBER_CODE_SESSION_KEY)
        if not isinstance(subscriber_id, int):
            return self.page(request, None, status=400)
        form = PhoneCodeForm(request.POST)
        if form.is_valid():
            try:
                subscriber = services.subscriber_code_verify(
                    subscriber_id=subscriber_id, code=form.cleaned_data["code"]
                )
            except ValidationError as error:
                form.add_error("code", error)
            else:
                del request.session[SUBSCRIBER_CODE_SESSION_KEY]
                messages.success(
                    request, _("Your number is confirmed, and so is your subscription.")
                )
                return redirect("notifications:subscriber", token=subscriber.token)
        return self.page(request, form, status=400)


@method_decorator(csrf_exempt, name="dispatch")
class SubscriberView(View):
    """A subscriber's own page, named by the token in every message: what they get, their
    data, and the button that ends it (also RFC 8058's one-click POST).

    CSRF-exempt on purpose, as ``UnsubscribeView``: the token is the authority, and mail
    clients POST ``List-Unsubscribe=One-Click`` without any cookie or form token.
    """

    template_name = "notifications/subscriber.html"

    def not_found(self, request) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "error": _(
                    "This link is not valid, or the subscription has already ended and its "
                    "address was deleted. Nothing was changed."
                )
            },
            status=404,
        )

    def get(self, request, token: str):
        subscriber = services.subscriber_get(token=token)
        if subscriber is None:
            return self.not_found(request)
        return render(
            request,
            self.template_name,
            {
                "subscriber": subscriber,
                "token": token,
                "topic_label": _topic_label(subscriber.topic),
                "choices": services.subscriber_describe(subscriber),
            },
        )

    def post(self, request, token: str):
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        subscriber = services.subscriber_get(token=token)
        if subscriber is None:
            if one_click:  # already gone: the mail client's request is answered all the same
                return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
            return self.not_found(request)
        topic_label = _topic_label(subscriber.topic)
        services.subscriber_delete(token=token)
        if one_click:
            return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
        return render(request, self.template_name, {"done": True, "topic_label": topic_label})


class SubscriberDataView(View):
    """What is kept about the subscriber, as a JSON download."""

    def get(self, request, token: str):
        subscriber = services.subscriber_get(token=token)
        if subscriber is None:
            return JsonResponse({"error": _("This link is not valid.")}, status=404)
        response = JsonResponse(
            services.subscriber_export(subscriber=subscriber),
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
        response["Content-Disposition"] = 'attachment; filename="subscription.json"'
        response["Cache-Control"] = "no-store"
        return response
