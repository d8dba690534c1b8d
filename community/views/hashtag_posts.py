"""Campaign posts brought in from Mastodon and Bluesky: the author's request for removal
(a public form, limited per address) and the moderators' queue under /staff/community/.

Every action is a plain form POST that redirects back with a message, as the stories'
queue does."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from civicportal.core.views.base import add_service_errors
from civicportal.kernel.client import client_address
from civicportal.kernel.ratelimit import RateLimited
from community.forms.hashtag_posts import RemovalRequestForm
from community.models.hashtag_posts import HashtagPost
from community.models.stories import Campaign
from community.selectors import hashtag_posts as selectors
from community.selectors import stories as story_selectors
from community.services import hashtag_posts as services
from community.views.stories import StaffMixin

QUEUE_SIZE = 100


class HashtagPostRemovalRequestView(FormView):
    """ "Ask for removal": the post is hidden at once, until a moderator decides."""

    template_name = "community/hashtag_posts/removal_request.html"
    form_class = RemovalRequestForm

    @cached_property
    def campaign(self) -> Campaign:
        try:
            return story_selectors.campaign_get(slug=self.kwargs["slug"])
        except Campaign.DoesNotExist:
            raise Http404(_("There is no such campaign.")) from None

    @cached_property
    def hashtag_post(self) -> HashtagPost:
        try:
            return selectors.hashtag_post_get_shown(campaign=self.campaign, pk=self.kwargs["pk"])
        except HashtagPost.DoesNotExist:
            raise Http404(_("This post is not shown here (any more).")) from None

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "campaign": self.campaign,
            "post": self.hashtag_post,
        }

    def form_valid(self, form):
        try:
            services.hashtag_post_request_removal(
                campaign=self.campaign,
                post_id=self.hashtag_post.pk,
                reason=form.cleaned_data["reason"],
                requester=client_address(self.request),
            )
        except HashtagPost.DoesNotExist:
            raise Http404(_("This post is not shown here (any more).")) from None
        except RateLimited as error:
            add_service_errors(form, error)
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(error.retry_after)
            return response
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "The post is hidden from this page. A moderator will look at your request "
                "and remove it for good, or restore it."
            ),
        )
        return HttpResponseRedirect(self.campaign.get_absolute_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HashtagPostQueueView(StaffMixin, TemplateView):
    permission_required = "community.moderate_hashtag_post"
    template_name = "community/hashtag_posts/staff/queue.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "removal_requested": selectors.hashtag_post_list_removal_requested()[:QUEUE_SIZE],
            "pending": selectors.hashtag_post_list_pending()[:QUEUE_SIZE],
        }


class HashtagPostModerateView(StaffMixin, View):
    """Approve, reject, restore or remove a post from the queue."""

    permission_required = "community.moderate_hashtag_post"
    services_by_action = {
        "approve": services.hashtag_post_approve,
        "reject": services.hashtag_post_reject,
        "restore": services.hashtag_post_restore,
        "remove": services.hashtag_post_remove,
    }

    def post(self, request, pk: int):
        action = request.POST.get("action", "")
        service = self.services_by_action.get(action)
        if service is None:
            messages.error(request, _("Choose to approve, reject, restore or remove the post."))
            return HttpResponseRedirect(reverse("community:staff-hashtag-post-queue"))
        try:
            service(actor=request.user, post=pk)
        except ValidationError as error:
            if getattr(error, "code", None) == "gone":
                raise Http404(_("There is no such post.")) from None
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, self._done(action))
        return HttpResponseRedirect(reverse("community:staff-hashtag-post-queue"))

    @staticmethod
    def _done(action: str) -> str:
        return {
            "approve": _("The post is shown on its campaign page."),
            "reject": _("The post is kept off the campaign page."),
            "restore": _("The post is shown again."),
            "remove": _("The post is removed for good."),
        }[action]
