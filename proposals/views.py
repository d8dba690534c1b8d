"""Residents' idea pages (thin views): list, detail, posting, voting, points, the council page.

Every action is a plain form POST that redirects back; with htmx (``request.htmx``) the
same view answers with the partial it changed.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from proposals import selectors, services
from proposals.forms import IdeaFilterForm, IdeaForm, PointForm, PointRateForm, VoteForm
from proposals.models import Idea, IdeaVote, Point

SEED_SESSION_KEY = "proposals_seed"
PAGE_SIZES = (10, 20, 50, 100)


def add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You cannot do that.")


def visitor_seed(request) -> int:
    """The visitor's random-order seed, kept in their session so paging stays stable."""
    seed = request.session.get(SEED_SESSION_KEY)
    if not isinstance(seed, int):
        seed = secrets.randbelow(2**31)
        request.session[SEED_SESSION_KEY] = seed
    return seed


class IdeaListView(TemplateView):
    template_name = "proposals/idea_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        categories = list(selectors.category_list())
        areas = list(selectors.area_list())
        form = IdeaFilterForm(request.GET or None, categories=categories, areas=areas)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        sort = filters.get("sort") or selectors.DEFAULT_SORT
        seed = visitor_seed(request) if sort == "random" else 0
        ideas = selectors.idea_list(
            viewer=request.user,
            sort=sort,
            seed=seed,
            category=filters.get("category"),
            area=filters.get("area"),
            status=filters.get("status") or "",
            query=filters.get("q") or "",
        )
        per_page = request.GET.get("per_page", "")
        per_page = int(per_page) if per_page.isdigit() and int(per_page) in PAGE_SIZES else 20
        page = selectors.idea_page(
            ideas,
            number=request.GET.get("page"),
            per_page=per_page,
            seed=seed if sort == "random" else None,
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page_obj=page,
            ideas=page.object_list,
            sort=sort,
            query_string=query.urlencode(),
            can_post=request.user.has_perm("proposals.add_idea"),
        )
        return context


class IdeaDetailView(TemplateView):
    template_name = "proposals/idea_detail.html"

    @cached_property
    def idea(self) -> Idea:
        try:
            return selectors.idea_get(viewer=self.request.user, pk=self.kwargs["pk"])
        except Idea.DoesNotExist:
            raise Http404(_("There is no such idea.")) from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(idea_context(self.request, self.idea))
        context.setdefault("point_form", PointForm())
        return context


def idea_context(request, idea: Idea) -> dict:
    user = request.user
    return {
        "idea": idea,
        "my_vote": selectors.idea_vote_of(viewer=user, idea=idea),
        "points": selectors.idea_points(viewer=user, idea=idea),
        "can_vote": user.has_perm("proposals.vote_idea", idea),
        "can_add_point": user.has_perm("proposals.add_point", idea),
    }


class IdeaCreateView(PermissionRequiredMixin, FormView):
    permission_required = "proposals.add_idea"
    template_name = "proposals/idea_form.html"
    form_class = IdeaForm

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            messages.error(self.request, _("Only verified residents can post ideas."))
            return HttpResponseRedirect(reverse("accounts:profile"))
        return super().handle_no_permission()

    def form_valid(self, form):
        data = form.cleaned_data
        latitude, longitude = data["location"] or (None, None)
        try:
            idea = services.idea_create(
                author=self.request.user,
                title=data["title"],
                body=data["body"],
                category=data["category"],
                area=data["area"],
                latitude=latitude,
                longitude=longitude,
                image=data["image"] or None,
                image_description=data["image_description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, _("Your idea is published. Share it to gather support!"))
        return HttpResponseRedirect(idea.get_absolute_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class IdeaActionMixin(LoginRequiredMixin):
    """Loads the visible idea named in the URL for an action."""

    @cached_property
    def idea(self) -> Idea:
        try:
            return selectors.idea_get(viewer=self.request.user, pk=self.kwargs["pk"])
        except Idea.DoesNotExist:
            raise Http404(_("There is no such idea.")) from None


def _idea_or_404(request, pk: int) -> Idea:
    try:
        return selectors.idea_get(viewer=request.user, pk=pk)
    except Idea.DoesNotExist:
        raise Http404(_("There is no such idea.")) from None


class IdeaVoteView(LoginRequiredMixin, View):
    """Support, oppose or withdraw; the vote panel in place with htmx.

    Voting is the busiest write of the portal (the last hour before a deadline), so the
    view leaves the idea to the service, which reads it once, with the resident's vote, and
    hands it back with the new counts; the view reads the idea itself only to answer a
    refusal or a withdrawal.
    """

    def post(self, request, pk: int):
        form = VoteForm(request.POST)
        idea, my_vote, error, done = None, None, "", ""
        if not form.is_valid():
            idea = _idea_or_404(request, pk)
            error = _("Choose to support or to oppose the idea.")
        else:
            value = form.cleaned_data["value"]
            try:
                if value == "withdraw":
                    idea = _idea_or_404(request, pk)
                    services.idea_vote_withdraw(user=request.user, idea=idea)
                    done = _("Your vote is withdrawn.")
                else:
                    idea = services.idea_vote(user=request.user, idea=pk, value=value).idea
                    my_vote = value
                    done = (
                        _("You support this idea.")
                        if value == IdeaVote.Value.SUPPORT
                        else _("You oppose this idea.")
                    )
            except (ValidationError, PermissionDenied) as exc:
                if getattr(exc, "code", None) == "gone":
                    raise Http404(_("There is no such idea.")) from None
                error = _error_text(exc)
        if request.htmx:
            if error:
                idea = idea or _idea_or_404(request, pk)
                my_vote = selectors.idea_vote_of(viewer=request.user, idea=idea)
            return render(
                request,
                "proposals/_vote_panel.html",
                {
                    "idea": idea,
                    "my_vote": my_vote,
                    # A vote just taken proves the resident may vote; a refusal asks again.
                    "can_vote": not error or request.user.has_perm("proposals.vote_idea", idea),
                    "vote_error": error,
                    "vote_done": done,
                },
                # 200 even for a refusal: htmx swaps only 2xx answers, and this panel, with
                # its message, is the answer (the plain form gets the message after a redirect).
                status=200,
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, done)
        return HttpResponseRedirect(f"{reverse('proposals:idea-detail', args=[pk])}#vote")


class PointCreateView(IdeaActionMixin, View):
    def post(self, request, pk: int):
        idea = self.idea
        form = PointForm(request.POST)
        point = None
        if form.is_valid():
            try:
                point = services.point_add(
                    author=request.user,
                    idea=idea,
                    side=form.cleaned_data["side"],
                    text=form.cleaned_data["text"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, _error_text(error))
        if point is not None and not request.htmx:
            messages.success(request, _("Your point is added."))
            return HttpResponseRedirect(f"{idea.get_absolute_url()}#point-{point.pk}")
        context = idea_context(request, idea)
        context.update(point_form=PointForm() if point else form, point_added=point)
        if request.htmx:
            return render(request, "proposals/_points.html", context, status=200 if point else 400)
        return render(request, "proposals/idea_detail.html", context, status=400)


class PointRateView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        try:
            point = selectors.point_get(pk=pk)
        except Point.DoesNotExist:
            raise Http404(_("There is no such point.")) from None
        form = PointRateForm(request.POST)
        error = ""
        if not form.is_valid():
            error = _("Choose whether the point is helpful or not.")
        else:
            try:
                services.point_rate(
                    user=request.user, point=point, value=form.cleaned_data["value"]
                )
            except (ValidationError, PermissionDenied) as exc:
                error = _error_text(exc)
        if request.htmx:
            point = selectors.idea_points(viewer=request.user, idea=point.idea)
            found = next(p for p in point.points_for + point.points_against if p.pk == pk)
            return render(
                request,
                "proposals/_point.html",
                {"point": found, "rate_error": error, "user": request.user},
                status=400 if error else 200,
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Thank you for rating this point."))
        return HttpResponseRedirect(f"{point.idea.get_absolute_url()}#point-{pk}")


class SimilarIdeasView(View):
    """Ideas resembling the title being typed (htmx), to avoid duplicates."""

    def get(self, request):
        ideas = selectors.idea_similar(title=request.GET.get("title", ""))
        return render(request, "proposals/_similar.html", {"similar": ideas})


class ForwardedView(TemplateView):
    template_name = "proposals/forwarded.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.forwarded_list()
        return context
