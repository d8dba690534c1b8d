"""Alerts without an account: the sign-up page for an email address or a phone number.

What comes after (the confirmation link or code, the subscriber's own page with the
unsubscribe button) is the notification engine's (``civicportal.notifications.views``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import FormView

from alerts.forms import AnonymousSubscriptionForm
from alerts.selectors import ALERT_TOPIC
from alerts.services.anonymous import anonymous_choices
from civicportal.kernel.client import client_address
from civicportal.kernel.ratelimit import RateLimited
from civicportal.notifications import services as notifications
from civicportal.notifications.models import ChannelName
from civicportal.notifications.views import subscriber_code_redirect


class AnonymousSubscribeView(FormView):
    """Where, which alerts, and an address; then a link or a code confirms it.

    The answer is the same whether the address was new, waiting or already subscribed
    (the engine sends a confirmation in every case), so the page tells nobody which.
    Signed-in residents choose on their own subscription page.
    """

    template_name = "alerts/subscribe.html"
    form_class = AnonymousSubscriptionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("alerts:subscription")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "by_sms": ChannelName.SMS in settings.NOTIFICATIONS_CHANNELS,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            subscriber = notifications.subscriber_start(
                topic=ALERT_TOPIC,
                address=data["address"],
                choices=anonymous_choices(
                    areas=list(data["areas"]),
                    min_severity=data["min_severity"],
                    receive_tests=data["receive_tests"],
                ),
                language=get_language(),
                client_address=client_address(self.request),
            )
        except RateLimited as error:
            form.add_error("address", error)
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(error.retry_after)
            return response
        except ValidationError as error:
            form.add_error("address", error)
            response = self.form_invalid(form)
            response.status_code = 400
            return response
        if subscriber.channel == ChannelName.SMS:
            return subscriber_code_redirect(self.request, subscriber)
        messages.success(
            self.request,
            _(
                "We sent a link to %(address)s. Open it and press Confirm: nothing is sent "
                "to you until you do. No email? Look in your spam folder."
            )
            % {"address": subscriber.address},
        )
        return redirect("alerts:subscribe")
