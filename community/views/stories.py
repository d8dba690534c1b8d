"""Stories' pages: the public list, a story, a campaign, sharing a story, thanks (htmx with a
plain-form fallback), the Atom feed, and the moderators' queue under /staff/community/.

Views parse, check permission, call one service or selector and answer; every action is a
plain form POST that redirects back, and answers the thanks panel in place for htmx.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from civicportal.core.views.base import add_service_errors
from community.forms.stories import RejectForm, StoryForm
from community.models.stories import Campaign, Story
from community.selectors import hashtag_posts as hashtag_selectors
from community.selectors import stories as selectors
from community.services import stories as services

PAGE_SIZE = 12
POSTS_PAGE_SIZE = 20
# Characters XML 1.0 cannot carry (the feed drops them rather than fail).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("This is not allowed.")


def _story_or_404(request, pk: int) -> Story:
    try:
        return selectors.story_get(viewer=request.user, pk=pk)
    except Story.DoesNotExist:
        raise Http404(_("There is no such story.")) from None


def _page(request, stories):
    paginator = Paginator(stories, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


class StoryListView(TemplateView):
    template_name = "community/stories/story_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "page_obj": _page(self.request, selectors.story_list_published()),
            "campaigns": selectors.campaign_list_open(),
        }


class StoryDetailView(TemplateView):
    template_name = "community/stories/story_detail.html"

    def get_context_data(self, **kwargs):
        story = _story_or_404(self.request, self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "story": story,
            **_thanks_context(self.request, story),
        }


def _thanks_context(request, story: Story, **extra) -> dict:
    return {
        "story": story,
        "thanked": selectors.story_thanked_by(viewer=request.user, story=story),
        "can_thank": request.user.has_perm("community.thank_story", story),
        **extra,
    }


class CampaignDetailView(TemplateView):
    template_name = "community/stories/campaign_detail.html"

    def get_context_data(self, **kwargs):
        try:
            campaign = selectors.campaign_get(slug=self.kwargs["slug"])
        except Campaign.DoesNotExist:
            raise Http404(_("There is no such campaign.")) from None
        return {
            **super().get_context_data(**kwargs),
            "campaign": campaign,
            "page_obj": _page(self.request, selectors.story_list_published(campaign=campaign)),
            # Posts from Mastodon and Bluesky beside the stories, paged on their own.
            "posts_page": Paginator(
                hashtag_selectors.hashtag_post_list_shown(campaign=campaign), POSTS_PAGE_SIZE
            ).get_page(self.request.GET.get("posts")),
        }


class StoryCreateView(PermissionRequiredMixin, FormView):
    permission_required = "community.submit_story"
    template_name = "community/stories/story_form.html"
    form_class = StoryForm

    def get_initial(self):
        initial = super().get_initial()
        campaign = self.request.GET.get("campaign", "")
        if campaign and selectors.campaign_list_open().filter(slug=campaign).exists():
            initial["campaign"] = campaign
        area = getattr(self.request.user, "home_area_id", None)
        if area:
            initial["area"] = area
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            story = services.story_submit(
                actor=self.request.user,
                title=data["title"],
                body=data["body"],
                area=data["area"],
                campaign=data["campaign"],
                photo=data["photo"] or None,
                photo_description=data["photo_description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Thank you! A moderator reads your story before it is published; we will tell you."),
        )
        return HttpResponseRedirect(story.get_absolute_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MyStoriesView(LoginRequiredMixin, TemplateView):
    template_name = "community/stories/my_stories.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "stories": selectors.story_list_of_author(author=self.request.user),
        }


class StoryThankView(LoginRequiredMixin, View):
    """Say thanks; a second click (or a double click) changes nothing."""

    def post(self, request, pk: int):
        story = _story_or_404(request, pk)
        error = done = ""
        try:
            story, added = services.story_thank(actor=request.user, story=story)
            done = _("Thank you for your thanks!") if added else _("You thanked this story.")
        except (ValidationError, PermissionDenied) as exc:
            if getattr(exc, "code", None) == "gone":
                raise Http404(_("There is no such story.")) from None
            error = _error_text(exc)
        if request.htmx:
            # 200 even for a refusal: htmx swaps only 2xx answers, and the panel with its
            # message is the answer (the plain form gets it after the redirect).
            return render(
                request,
                "community/stories/_thanks.html",
                _thanks_context(request, story, thanks_error=error, thanks_done=done),
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, done)
        return HttpResponseRedirect(f"{story.get_absolute_url()}#thanks")


class StoryFeed(Feed):
    """Published stories, newest first (Atom). Text goes through ``xml_text``, so a stored
    control character cannot break the feed."""

    feed_type = Atom1Feed
    description_template = None
    item_guid_is_permalink = False

    def title(self) -> str:
        return _("Stories from %(council)s") % {"council": settings.COUNCIL_NAME}

    def subtitle(self) -> str:
        return _("Residents' stories of their neighbourhoods, newest first.")

    def link(self) -> str:
        return reverse("community:story-list")

    def feed_url(self) -> str:
        return reverse("community:story-feed")

    def items(self):
        return selectors.story_list_published()[:50]

    def item_title(self, item: Story) -> str:
        return xml_text(item.title)

    def item_description(self, item: Story) -> str:
        return xml_text(item.body)

    def item_link(self, item: Story) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Story) -> str:
        return xml_text(item.author_name)

    def item_pubdate(self, item: Story):
        return item.published_at

    def item_updateddate(self, item: Story):
        return item.published_at

    def item_categories(self, item: Story):
        categories = [xml_text(item.area.name)]
        if item.campaign:
            categories.append(xml_text(item.campaign.hashtag))
        return categories

    def item_guid(self, item: Story) -> str:
        return f"{settings.SITE_URL}/community/stories/{item.pk}"


# --- Moderators ---------------------------------------------------------------------------


class StaffMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Moderators with the second factor (the role's rule asks for it)."""

    permission_required = "community.moderate_story"
    raise_exception = True

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super(PermissionRequiredMixin, self).handle_no_permission()
        raise PermissionDenied(_("Only moderators can open this page."))


class StoryQueueView(StaffMixin, TemplateView):
    template_name = "community/stories/staff/queue.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "pending": selectors.story_list_pending()[:100],
            "featured": selectors.story_list_featured(limit=10),
            "reject_form": kwargs.get("reject_form") or RejectForm(),
            "reject_for": kwargs.get("reject_for"),
        }


class StoryModerateView(StaffMixin, View):
    """Publish or reject a story from the queue (a reason is required to reject)."""

    @cached_property
    def story(self) -> Story:
        story = Story.objects.filter(pk=self.kwargs["pk"]).first()
        if story is None:
            raise Http404(_("There is no such story."))
        return story

    def post(self, request, pk: int):
        action = request.POST.get("action", "")
        try:
            if action == "publish":
                services.story_publish(actor=request.user, story=self.story)
                messages.success(request, _("“%(title)s” is published.") % {"title": self.story})
            elif action == "reject":
                form = RejectForm(request.POST)
                if not form.is_valid():
                    return self._reject_again(request, form)
                services.story_reject(
                    actor=request.user, story=self.story, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("“%(title)s” is rejected.") % {"title": self.story})
            else:
                messages.error(request, _("Choose to publish or to reject the story."))
        except ValidationError as error:
            if action == "reject" and hasattr(error, "error_dict") and "reason" in error.error_dict:
                form = RejectForm(request.POST)
                form.is_valid()
                add_service_errors(form, error)
                return self._reject_again(request, form)
            messages.error(request, _error_text(error))
        return HttpResponseRedirect(reverse("community:staff-story-queue"))

    def _reject_again(self, request, form):
        view = StoryQueueView()
        view.setup(request)
        context = view.get_context_data(reject_form=form, reject_for=self.story.pk)
        return render(request, StoryQueueView.template_name, context, status=400)


class StoryFeatureView(StaffMixin, View):
    permission_required = "community.feature_story"

    def post(self, request, pk: int):
        story = Story.objects.filter(pk=pk).first()
        if story is None:
            raise Http404(_("There is no such story."))
        featured = request.POST.get("featured") != "0"
        try:
            services.story_feature(actor=request.user, story=story, featured=featured)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("The story is on the home page.")
                if featured
                else _("The story is no longer on the home page."),
            )
        if request.POST.get("back") == "queue":
            return HttpResponseRedirect(reverse("community:staff-story-queue"))
        return HttpResponseRedirect(story.get_absolute_url())
