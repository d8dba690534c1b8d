"""axe-core on every resident page and every staff screen outside the Django admin, on a
desktop (1280 px) and on a 320-pixel phone: no critical or serious finding, and on the phone
no sideways scrolling (issue 18).

The pages come from the URL configuration itself: every pattern is either swept here, with
its path filled in from the demo city (``seed_demo``'s Riverside, plus what the demo lacks:
a counted budget, pending alerts, jobs, links from emails), or excluded with the reason it
is no page to look at. A pattern that is neither fails
``test_every_url_pattern_is_swept_or_excluded``, so the sweep cannot fall behind the portal.

Each test (an audience at one width) visits all its pages in one browser context and
reports every problem at the end, so one run shows all there is to fix.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from alerts import services as alert_services
from alerts.models import Alert, FactCheck, FactCheckQuestion
from alerts.roles import ALERT_AUTHOR
from alerts.selectors import ALERT_TOPIC
from alerts.services.anonymous import anonymous_choices
from budgeting import services as budget_services
from budgeting.models import Ballot, BudgetProcess, Project
from budgeting.roles import BUDGET_OFFICER
from civicportal.accounts import roles
from civicportal.core import demo
from civicportal.core.models import Comment
from civicportal.kernel.models import Job
from civicportal.notifications.services import subscriber_start
from civicportal.notifications.tokens import (
    subscriber_confirm_token_make,
    unsubscribe_token_make,
)
from community.models.hashtag_posts import HashtagNetwork, HashtagPost, HashtagPostState
from community.models.stories import Campaign, Story
from consultations.jobs import RESPONSES_EXPORT
from consultations.models import Consultation, DraftDocument, Paragraph, Question
from proposals.models import Idea
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory
from tests.alerts.factories import content as alert_content
from tests.budgeting.factories import BallotFactory, ProcessFactory, ProjectFactory
from tests.core.factories import comment_post
from tests.e2e.axe import axe_violations, describe_violations
from tests.e2e.journeys import sign_in

pytestmark = pytest.mark.e2e

ANONYMOUS, RESIDENT, STAFF = "anonymous", "resident", "staff"
PUBLIC = frozenset({ANONYMOUS, RESIDENT})
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 320, "height": 640},
}
PHONE_WIDTH = VIEWPORTS["phone"]["width"]


# --- The city the pages are about --------------------------------------------------------


@dataclass
class City:
    """What the swept pages show, found or made after ``seed_demo``."""

    resident: Any
    staff: Any
    idea: Idea
    others_comment: Any
    own_comment: Any
    voting: BudgetProcess
    citywide_ballot: Ballot
    home_ballot: Ballot
    other_district_ballot: Ballot
    counted: BudgetProcess
    open_for_projects: BudgetProcess
    project: Project
    flood: Alert
    storm: Alert
    draft: Alert
    pending: Alert
    park: Consultation
    library: Consultation
    park_draft: DraftDocument
    paragraph: Paragraph
    text_question: Question
    running_job: Job
    finished_job: Job
    unsubscribe_token: str
    subscriber_token: str
    subscriber_confirm_token: str
    password_reset: dict[str, str]
    email_confirm_key: str
    hashtag_post: HashtagPost


def _counted_budget(voters: list, officer) -> BudgetProcess:
    """Last year's budget: voted on, counted and its results published."""
    process = ProcessFactory(
        title="Harbourside budget 2024",
        slug="harbourside-budget-2024",
        description="Projects chosen by residents for the harbour front.",
    )
    ballot = BallotFactory(process=process, kind=Ballot.Kind.KNAPSACK, budget=Decimal(20000))
    projects = [
        ProjectFactory(ballot=ballot, title=title, estimated_cost=Decimal(cost))
        for title, cost in (
            ("Benches along the quay", 4000),
            ("A water taxi stop", 12000),
            ("Flower boxes on the bridge", 2500),
            ("Lighting under the railway arch", 7000),
        )
    ]
    for index, voter in enumerate(voters):
        chosen = [projects[index % 4], projects[(index + 2) % 4]]
        budget_services.ballot_cast(
            actor=voter, ballot=ballot, selections={project.pk: 1 for project in chosen}
        )
    budget_services.process_advance(actor=officer, process=process, to_state="closed")
    budget_services.results_compute(actor=officer, process=process)
    budget_services.process_advance(actor=officer, process=process, to_state="results")
    return process


def _city_seed() -> City:
    context = demo.seed_demo().context
    resident = context.residents[0]  # verified, Southmead; the demo leaves her ballot to us
    resident.set_password(DEFAULT_PASSWORD)
    resident.save(update_fields=["password"])
    # One person at the desk in every role, as a small council has.
    staff = StaffFactory(email="desk@council.example.org", display_name="Dana Desk", mfa=True)
    staff.groups.add(*[Group.objects.get_or_create(name=role)[0] for role in roles.ROLES])
    RecoveryCodes.activate(staff)

    idea = (
        Idea.objects.exclude(official_response="").filter(points__isnull=False).first()
        or Idea.objects.first()
    )
    others_comment = (
        Comment.objects.filter(content_type=ContentType.objects.get_for_model(Idea))
        .filter(object_id=idea.pk)
        .exclude(author=resident)
        .first()
    )
    own_comment = comment_post(resident, idea, "The crossing by the school needs this most.")

    voting = BudgetProcess.objects.get(slug="riverside-neighbourhood-budget")
    citywide_ballot = voting.ballots.get(area__isnull=True)
    home_ballot = voting.ballots.get(area=resident.home_area)
    other_district_ballot = voting.ballots.exclude(area=resident.home_area).exclude(
        area__isnull=True
    )[0]
    budget_services.ballot_cast(
        actor=resident,
        ballot=home_ballot,
        selections={home_ballot.projects.order_by("order")[0].pk: 1},
    )
    verified = [user for user in context.residents if user.is_verified]
    counted = _counted_budget(verified[1:6], context.staff[BUDGET_OFFICER])
    open_for_projects = ProcessFactory(
        title="Neighbourhood budget 2026",
        slug="neighbourhood-budget-2026",
        state=BudgetProcess.State.SUBMISSION,
        review_opens=timezone.now() + timedelta(days=30),
    )

    areas = list(context.areas)
    author = context.staff[ALERT_AUTHOR]
    draft = alert_services.alert_draft_create(
        actor=staff,
        content=alert_content(headline="Water main repair on Mill Lane", areas=areas[:1]),
    )
    pending = alert_services.alert_draft_create(
        actor=author,
        content=alert_content(headline="Gas leak on Station Road", areas=areas[1:2]),
    )
    alert_services.alert_submit_for_approval(actor=author, message=pending.messages.get())
    flood = Alert.objects.get(headline__startswith="River Avon flooding")
    alert_services.report_create(
        actor=resident,
        alert=flood,
        text="Water is coming up through the drains on Quay Street.",
        location_text="Quay Street",
    )

    park = Consultation.objects.get(slug="riverside-park-plan")
    park_draft = DraftDocument.objects.get(consultation=park)
    now = timezone.now()
    running_job = Job.objects.create(
        kind=RESPONSES_EXPORT,
        params={"consultation_id": park.pk},
        started_by=staff,
        state=Job.State.RUNNING,
        progress_done=12,
        progress_total=30,
        queued_at=now,
        started_at=now,
        heartbeat_at=now,
    )
    finished_job = Job.objects.create(
        kind=RESPONSES_EXPORT,
        params={"consultation_id": park.pk},
        started_by=staff,
        state=Job.State.SUCCEEDED,
        progress_done=30,
        progress_total=30,
        message="30 responses exported.",
        queued_at=now - timedelta(hours=1),
        started_at=now - timedelta(hours=1),
        finished_at=now - timedelta(minutes=59),
    )

    subscriber = subscriber_start(
        topic=ALERT_TOPIC,
        # Its own address each time: sign-ups per address are limited by the hour.
        address=f"guest-{uuid.uuid4().hex[:8]}@example.org",
        choices=anonymous_choices(areas=areas[:2], min_severity=2, receive_tests=False),
        language="en",
    )
    # Another resident's new address: one waiting for confirmation keeps its owner from
    # setting up two-factor authentication, whose pages the resident's sweep shows.
    new_address = EmailAddress.objects.create(
        user=context.residents[1], email="new.address@example.org", verified=False
    )
    # A public post brought in for the demo's campaign (approved: its page offers "Ask for
    # removal"), and one waiting in the moderators' queue.
    campaign = Campaign.objects.get(slug="we-are-riverside")
    hashtag_post = HashtagPost.objects.create(
        campaign=campaign,
        network=HashtagNetwork.MASTODON,
        source_id="113456789012345678",
        source_url="https://social.example/@anna/113456789012345678",
        author_handle="@anna@social.example",
        author_name="Anna Jónsdóttir",
        text=f"Planting day by the river, everyone welcome! {campaign.hashtag}",
        language="en",
        posted_at=now - timedelta(hours=3),
        state=HashtagPostState.APPROVED,
    )
    HashtagPost.objects.create(
        campaign=campaign,
        network=HashtagNetwork.BLUESKY,
        source_id="at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3kabc",
        source_url="https://bsky.app/profile/bjarni.bsky.social/post/3kabc",
        author_handle="@bjarni.bsky.social",
        author_name="Bjarni",
        text=f"Our street cleaned up together {campaign.hashtag}",
        posted_at=now - timedelta(hours=1),
    )
    return City(
        hashtag_post=hashtag_post,
        resident=resident,
        staff=staff,
        idea=idea,
        others_comment=others_comment,
        own_comment=own_comment,
        voting=voting,
        citywide_ballot=citywide_ballot,
        home_ballot=home_ballot,
        other_district_ballot=other_district_ballot,
        counted=counted,
        open_for_projects=open_for_projects,
        project=citywide_ballot.projects.order_by("order")[0],
        flood=flood,
        storm=Alert.objects.get(headline__startswith="Storm warning"),
        draft=draft,
        pending=pending,
        park=park,
        library=Consultation.objects.get(slug="library-opening-hours"),
        park_draft=park_draft,
        paragraph=Paragraph.objects.filter(section__draft=park_draft)
        .order_by("section__order", "order")
        .first(),
        text_question=park.questions.get(kind=Question.Kind.TEXT),
        running_job=running_job,
        finished_job=finished_job,
        unsubscribe_token=unsubscribe_token_make(
            user_id=resident.pk, topic=ALERT_TOPIC, channel="email"
        ),
        subscriber_token=subscriber.token,
        subscriber_confirm_token=subscriber_confirm_token_make(subscriber.token),
        password_reset={
            "uidb36": user_pk_to_url_str(resident),
            "key": default_token_generator.make_token(resident),
        },
        email_confirm_key=EmailConfirmationHMAC(new_address).key,
    )


# --- What is swept, and what is not -------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One state of a page: its path parameters, and the status it answers with."""

    label: str = ""
    kwargs: dict = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Sweep:
    audiences: frozenset[str]
    variants: Callable[[City], list[Variant]] = lambda city: [Variant()]
    query: str = ""


def _clean_up():
    """The demo's full clean-up with its waiting list (community events)."""
    from community.demo_events import CLEAN_UP
    from community.models import Event

    return Event.objects.get(title=CLEAN_UP)


def _demo_callout():
    """The demo's exercise call-out (volunteer call-outs)."""
    from alerts.demo_volunteers import CALLOUT_TASK
    from alerts.models import CallOut

    return CallOut.objects.get(task=CALLOUT_TASK)


def _social_post(city: City):
    """A draft post by the desk about the park consultation (the council's social posts);
    the demo has none, so the first visit composes it through the service."""
    from civicportal.core.shareables import item_get
    from outreach.models import Post
    from outreach.services import posts as social_services

    post = Post.objects.filter(author=city.staff, state="draft").first()
    if post is None:
        item = item_get("consultations.opening", city.park.pk)
        post = social_services.post_create(
            actor=city.staff,
            source_kind=item.kind,
            source_id=item.pk,
            texts=social_services.texts_prefill(item),
            card_title=item.title,
            card_description=item.description,
        )
    return post


def _one(**kwargs) -> Callable[[City], list[Variant]]:
    """A page in one state, its parameters read from the city: ``slug=lambda c: ...``."""
    return lambda city: [Variant(kwargs={k: read(city) for k, read in kwargs.items()})]


# URL name (namespaced) -> who visits it, in which states. Account pages come first: the
# password typed again at the start of the sweep opens some of them for a few minutes only.
SWEPT: dict[str, Sweep] = {
    # allauth: signing in and up, passwords, email addresses, the second factor.
    "account_login": Sweep(frozenset({ANONYMOUS})),
    "account_signup": Sweep(frozenset({ANONYMOUS})),
    "account_reset_password": Sweep(frozenset({ANONYMOUS})),
    "account_reset_password_done": Sweep(frozenset({ANONYMOUS})),
    "account_reset_password_from_key": Sweep(
        frozenset({ANONYMOUS}),
        lambda city: [
            Variant("valid link", city.password_reset),
            Variant("bad link", {"uidb36": city.password_reset["uidb36"], "key": "bad-key"}),
        ],
    ),
    "account_reset_password_from_key_done": Sweep(frozenset({ANONYMOUS})),
    "account_email_verification_sent": Sweep(frozenset({ANONYMOUS})),
    "account_confirm_email": Sweep(frozenset({ANONYMOUS}), _one(key=lambda c: c.email_confirm_key)),
    "account_inactive": Sweep(frozenset({ANONYMOUS})),
    "socialaccount_login_cancelled": Sweep(frozenset({ANONYMOUS})),
    # allauth answers 401 with the page, as a sign-in that failed.
    "socialaccount_login_error": Sweep(
        frozenset({ANONYMOUS}), lambda city: [Variant("failed", status=401)]
    ),
    "account_email": Sweep(frozenset({RESIDENT})),
    "account_change_password": Sweep(frozenset({RESIDENT})),
    "account_reauthenticate": Sweep(frozenset({RESIDENT})),
    "account_logout": Sweep(frozenset({RESIDENT})),
    "socialaccount_connections": Sweep(frozenset({RESIDENT})),
    "mfa_index": Sweep(frozenset({RESIDENT, STAFF})),
    "mfa_activate_totp": Sweep(frozenset({RESIDENT})),
    "mfa_reauthenticate": Sweep(frozenset({STAFF})),
    "mfa_deactivate_totp": Sweep(frozenset({STAFF})),
    "mfa_view_recovery_codes": Sweep(frozenset({STAFF})),
    "mfa_generate_recovery_codes": Sweep(frozenset({STAFF})),
    # The portal's own pages.
    "home": Sweep(frozenset({ANONYMOUS, RESIDENT, STAFF})),
    "privacy": Sweep(PUBLIC),
    "accessibility": Sweep(PUBLIC),
    "accounts:profile": Sweep(frozenset({RESIDENT})),
    "accounts:verification": Sweep(frozenset({RESIDENT})),
    "core:personal-data-export": Sweep(frozenset({RESIDENT})),
    "core:account-delete": Sweep(frozenset({RESIDENT})),
    "core:comment-reply": Sweep(frozenset({RESIDENT}), _one(pk=lambda c: c.others_comment.pk)),
    "core:comment-edit": Sweep(frozenset({RESIDENT}), _one(pk=lambda c: c.own_comment.pk)),
    # Moderators see the same page for anyone's comment.
    "core:comment-delete": Sweep(frozenset({RESIDENT, STAFF}), _one(pk=lambda c: c.own_comment.pk)),
    "core:flag-create": Sweep(
        frozenset({RESIDENT}),
        _one(target=lambda c: "proposals.idea", object_id=lambda c: c.idea.pk),
    ),
    "core:share-mastodon": Sweep(PUBLIC, query="?url=/ideas/&text=Ideas%20for%20Riverside"),
    "notifications:preferences": Sweep(frozenset({RESIDENT})),
    "notifications:inbox": Sweep(frozenset({RESIDENT})),
    "notifications:unsubscribe": Sweep(
        frozenset({ANONYMOUS}), _one(token=lambda c: c.unsubscribe_token)
    ),
    "notifications:subscriber-confirm": Sweep(
        frozenset({ANONYMOUS}), _one(token=lambda c: c.subscriber_confirm_token)
    ),
    # Without a sign-up by text message in this browser the page says so (status 400).
    "notifications:subscriber-code": Sweep(
        frozenset({ANONYMOUS}), lambda city: [Variant("nothing waiting", status=400)]
    ),
    "notifications:subscriber": Sweep(
        frozenset({ANONYMOUS}), _one(token=lambda c: c.subscriber_token)
    ),
    "community:story-list": Sweep(PUBLIC),
    "community:story-create": Sweep(frozenset({RESIDENT})),
    "community:story-mine": Sweep(frozenset({RESIDENT})),
    # The demo's featured story; staff see the home-page control on it.
    "community:story-detail": Sweep(
        frozenset({ANONYMOUS, RESIDENT, STAFF}),
        _one(pk=lambda c: Story.objects.filter(featured_at__isnull=False).first().pk),
    ),
    "community:campaign-detail": Sweep(PUBLIC, _one(slug=lambda c: "we-are-riverside")),
    "community:staff-story-queue": Sweep(frozenset({STAFF})),
    "community:hashtag-post-removal": Sweep(
        PUBLIC, _one(slug=lambda c: "we-are-riverside", pk=lambda c: c.hashtag_post.pk)
    ),
    "community:staff-hashtag-post-queue": Sweep(frozenset({STAFF})),
    "outreach:post-list": Sweep(frozenset({STAFF})),
    "outreach:post-sources": Sweep(frozenset({STAFF})),
    "outreach:post-compose": Sweep(
        frozenset({STAFF}), _one(kind=lambda c: "consultations.opening", pk=lambda c: c.park.pk)
    ),
    "outreach:post-detail": Sweep(frozenset({STAFF}), _one(pk=lambda c: _social_post(c).pk)),
    "outreach:post-edit": Sweep(frozenset({STAFF}), _one(pk=lambda c: _social_post(c).pk)),
    "outreach:embed-widget": Sweep(PUBLIC, _one(widget=lambda c: "consultations")),
    "outreach:embed-help": Sweep(frozenset({STAFF})),
    "audience:profile-questions": Sweep(frozenset({RESIDENT})),
    "audience:dashboard": Sweep(frozenset({STAFF})),
    "proposals:idea-list": Sweep(PUBLIC),
    "proposals:idea-create": Sweep(frozenset({RESIDENT})),
    "proposals:forwarded": Sweep(PUBLIC),
    # Staff see the moderators' controls on it.
    "proposals:idea-detail": Sweep(
        frozenset({ANONYMOUS, RESIDENT, STAFF}), _one(pk=lambda c: c.idea.pk)
    ),
    "budgeting:process-list": Sweep(PUBLIC),
    "budgeting:process-detail": Sweep(
        PUBLIC,
        lambda city: [
            Variant("voting", {"slug": city.voting.slug}),
            Variant("results", {"slug": city.counted.slug}),
            Variant("open for projects", {"slug": city.open_for_projects.slug}),
        ],
    ),
    "budgeting:project-list": Sweep(PUBLIC, _one(slug=lambda c: c.voting.slug)),
    "budgeting:project-submit": Sweep(
        frozenset({RESIDENT}), _one(slug=lambda c: c.open_for_projects.slug)
    ),
    "budgeting:project-detail": Sweep(
        PUBLIC, _one(slug=lambda c: c.voting.slug, pk=lambda c: c.project.pk)
    ),
    "budgeting:ballot": Sweep(
        frozenset({RESIDENT}),
        lambda city: [
            Variant("city-wide", {"slug": city.voting.slug, "ballot_id": city.citywide_ballot.pk}),
            Variant("voted", {"slug": city.voting.slug, "ballot_id": city.home_ballot.pk}),
            Variant(
                "another district",
                {"slug": city.voting.slug, "ballot_id": city.other_district_ballot.pk},
                status=403,
            ),
        ],
    ),
    "budgeting:ballot-recorded": Sweep(
        frozenset({RESIDENT}),
        _one(slug=lambda c: c.voting.slug, ballot_id=lambda c: c.home_ballot.pk),
    ),
    "budgeting:results": Sweep(
        PUBLIC,
        lambda city: [
            Variant("published", {"slug": city.counted.slug}),
            Variant("still voting", {"slug": city.voting.slug}, status=404),
        ],
    ),
    "alerts:alert-list": Sweep(PUBLIC),
    "alerts:alert-detail": Sweep(
        PUBLIC,
        lambda city: [
            Variant("in force", {"pk": city.flood.pk}),
            Variant("expired", {"pk": city.storm.pk}),
        ],
    ),
    "alerts:subscription": Sweep(frozenset({RESIDENT})),
    "alerts:subscribe": Sweep(frozenset({ANONYMOUS})),
    # Rumour control (the demo's fact checks and questions).
    "alerts:factcheck-list": Sweep(PUBLIC),
    "alerts:factcheck-detail": Sweep(
        PUBLIC, _one(pk=lambda c: FactCheck.objects.public().order_by("pk")[0].pk)
    ),
    "alerts:factcheck-incident": Sweep(PUBLIC, _one(pk=lambda c: c.flood.pk)),
    "alerts:factcheck-ask": Sweep(frozenset({RESIDENT})),
    "alerts:factcheck-my-questions": Sweep(frozenset({RESIDENT})),
    # Volunteer call-outs: the register and a volunteer's call-outs (the demo's exercise
    # call-out reaches only volunteers who take part in exercises, not the sweep's resident).
    "alerts:volunteer-register": Sweep(frozenset({RESIDENT})),
    "alerts:volunteer-callouts": Sweep(frozenset({RESIDENT})),
    "alerts:staff-callout-list": Sweep(frozenset({STAFF})),
    "alerts:staff-callout": Sweep(frozenset({STAFF}), _one(pk=lambda c: _demo_callout().pk)),
    "alerts:staff-callout-create": Sweep(frozenset({STAFF}), _one(pk=lambda c: c.flood.pk)),
    "consultations:consultation-list": Sweep(PUBLIC),
    "consultations:consultation-detail": Sweep(
        PUBLIC,
        lambda city: [
            Variant("open", {"slug": city.park.slug}),
            Variant("closed", {"slug": city.library.slug}),
        ],
    ),
    "consultations:questionnaire": Sweep(frozenset({RESIDENT}), _one(slug=lambda c: c.park.slug)),
    "consultations:draft-detail": Sweep(
        PUBLIC, _one(slug=lambda c: c.park.slug, draft_id=lambda c: c.park_draft.pk)
    ),
    "consultations:paragraph-detail": Sweep(PUBLIC, _one(pk=lambda c: c.paragraph.pk)),
    "consultations:results": Sweep(PUBLIC, _one(slug=lambda c: c.library.slug)),
    # Staff screens outside the admin (under /staff/, behind the second factor).
    "kernel:job-list": Sweep(frozenset({STAFF})),
    "kernel:job-detail": Sweep(
        frozenset({STAFF}),
        lambda city: [
            Variant("running", {"pk": city.running_job.pk}),
            Variant("finished", {"pk": city.finished_job.pk}),
        ],
    ),
    "alerts:staff-list": Sweep(frozenset({STAFF})),
    "alerts:staff-draft-create": Sweep(frozenset({STAFF})),
    "alerts:staff-alert": Sweep(
        frozenset({STAFF}),
        lambda city: [
            Variant("in force", {"pk": city.flood.pk}),
            Variant("draft", {"pk": city.draft.pk}),
            Variant("awaiting approval", {"pk": city.pending.pk}),
        ],
    ),
    "alerts:staff-draft-update": Sweep(
        frozenset({STAFF}), _one(pk=lambda c: c.draft.messages.get().pk)
    ),
    "alerts:staff-approve": Sweep(
        frozenset({STAFF}), _one(pk=lambda c: c.pending.messages.get().pk)
    ),
    "alerts:staff-return": Sweep(
        frozenset({STAFF}), _one(pk=lambda c: c.pending.messages.get().pk)
    ),
    "alerts:staff-delivery": Sweep(
        frozenset({STAFF}), _one(pk=lambda c: c.flood.messages.order_by("sequence")[0].pk)
    ),
    "alerts:staff-update": Sweep(frozenset({STAFF}), _one(pk=lambda c: c.flood.pk)),
    "alerts:staff-cancel": Sweep(frozenset({STAFF}), _one(pk=lambda c: c.flood.pk)),
    "alerts:staff-reports": Sweep(frozenset({STAFF})),
    "alerts:staff-rumours": Sweep(frozenset({STAFF})),
    "alerts:staff-factcheck-create": Sweep(frozenset({STAFF})),
    "alerts:staff-factcheck": Sweep(
        frozenset({STAFF}),
        lambda city: [
            Variant("awaiting approval", {"pk": FactCheck.objects.get(state="pending").pk}),
            Variant("published", {"pk": FactCheck.objects.public().order_by("pk")[0].pk}),
        ],
    ),
    "alerts:staff-factcheck-update": Sweep(
        frozenset({STAFF}), _one(pk=lambda c: FactCheck.objects.get(state="pending").pk)
    ),
    "alerts:staff-question-answer": Sweep(
        frozenset({STAFF}), _one(pk=lambda c: FactCheckQuestion.objects.get(state="new").pk)
    ),
    "consultations:staff-results": Sweep(
        frozenset({STAFF}),
        lambda city: [
            Variant("open", {"slug": city.park.slug}),
            Variant("published", {"slug": city.library.slug}),
        ],
    ),
    "consultations:staff-text-answers": Sweep(
        frozenset({STAFF}),
        _one(slug=lambda c: c.park.slug, question_id=lambda c: c.text_question.pk),
    ),
    # Community events: the demo's full clean-up with its waiting list.
    "community:event-list": Sweep(PUBLIC),
    "community:event-month": Sweep(
        PUBLIC,
        _one(
            year=lambda c: _clean_up().starts_at.year,
            month=lambda c: _clean_up().starts_at.month,
        ),
    ),
    "community:event-detail": Sweep(PUBLIC | {STAFF}, _one(pk=lambda c: _clean_up().pk)),
    "community:event-create": Sweep(frozenset({STAFF})),
    "community:event-update": Sweep(frozenset({STAFF}), _one(pk=lambda c: _clean_up().pk)),
    "community:event-manage": Sweep(frozenset({STAFF}), _one(pk=lambda c: _clean_up().pk)),
}

# Checked on the way in: the page that asks staff for their second factor is only shown
# between the password and the code (otherwise it sends the browser to sign in).
SWEPT_DURING_SIGN_IN = {"mfa_authenticate": "staff, between their password and their code"}

# Pages no URL pattern names: what residents see when they miss their way.
ERROR_PAGES = {
    "page not found": (frozenset({ANONYMOUS}), "/no-such-page/", 404),
    "no permission": (frozenset({RESIDENT}), "/staff/alerts/", 403),
}

EXCLUDED_NAMESPACES = {
    "admin": "the Django admin, checked apart (issue 18 covers the screens outside it)",
    "v1": "the JSON API (/api/v1/), no HTML page",
}

EXCLUDED: dict[str, str] = {
    "theme-css": "a stylesheet",
    "core:share-card": "an item's share card, a PNG image (tests/core/test_share_cards.py)",
    "core:share-card-page": "a page's share card, a PNG image (tests/core/test_share_cards.py)",
    "healthz": "a health check for the load balancer, plain text",
    "set_language": "POST only (the language buttons, checked on every page's footer)",
    "api-schema": "the OpenAPI schema, YAML for programs",
    "api-docs": "the API reference for developers, drf-spectacular's own page",
    "notifications:service-worker": "the push service worker, JavaScript",
    "notifications:subscriber-data": "a JSON download of a subscriber's data",
    "notifications:phone-number-start": "POST only (a form on the notification settings)",
    "notifications:phone-number-verify": "POST only (a form on the notification settings)",
    "notifications:phone-number-delete": "POST only (a form on the notification settings)",
    "notifications:push-subscribe": "POST only, JSON from the browser's push API",
    "notifications:push-unsubscribe": "POST only, JSON from the browser's push API",
    "notifications:inbox-mark-read": "POST only (buttons in the inbox)",
    "notifications:inbox-mark-all-read": "POST only (a button in the inbox)",
    "core:comment-create": "POST only (the comment form on each item's page)",
    "core:follow": "POST only (the follow button on each item's page)",
    "core:map-areas": "GeoJSON for the maps",
    "core:map-geocode": "JSON for the maps' address search",
    "kernel:job-check": "POST only (a button on the jobs list)",
    "kernel:job-cancel": "POST only (a button on a job's page)",
    "kernel:job-download": "a file download",
    "community:story-feed": "an Atom feed",
    "community:story-thank": "POST only (the thanks button on a story's page, swept)",
    "community:staff-story-moderate": "POST only (buttons in the moderation queue, swept)",
    "community:staff-story-feature": "POST only (a button on a story's page, swept)",
    "community:staff-hashtag-post-moderate": "POST only (buttons in the campaign posts' queue)",
    "proposals:idea-similar": "an htmx partial of the idea form (the form page is swept)",
    "proposals:idea-vote": "POST only (buttons on the idea's page)",
    "proposals:point-create": "POST only (a form on the idea's page)",
    "proposals:point-rate": "POST only (buttons on the idea's page)",
    "budgeting:ballot-export": "a Pabulib file download",
    "alerts:alert-live": "an htmx partial polled by the alert's page (swept)",
    "alerts:report-create": "POST only (the report form on the alert's page, swept)",
    "alerts:feed": "an RSS feed",
    "alerts:cap-index": "an Atom feed of CAP messages",
    "alerts:cap-message": "a CAP XML message",
    "alerts:staff-submit": "POST only (a button on the staff alert page)",
    "outreach:post-submit": "POST only (a button on the social post's page, swept)",
    "outreach:post-approve": "POST only (a button on the social post's page, swept)",
    "outreach:post-reject": "POST only (a form on the social post's page, swept)",
    "outreach:post-cancel": "POST only (a form on the social post's page, swept)",
    "alerts:staff-report-triage": "POST only (buttons in the report queue)",
    "alerts:factcheck-feed": "an Atom feed (checked with feedparser in tests/alerts)",
    "alerts:staff-factcheck-submit": "POST only (a button on the staff fact-check page)",
    "alerts:staff-factcheck-publish": "POST only (a button on the staff fact-check page)",
    "alerts:staff-factcheck-approve": "POST only (a button on the staff fact-check page)",
    "alerts:staff-factcheck-return": "POST only (a button on the staff fact-check page)",
    "alerts:volunteer-callout": (
        "only for the volunteers a call-out reaches; axe-checked in "
        "tests/e2e/test_volunteer_callout_journey.py"
    ),
    "alerts:volunteer-answer": "POST only (buttons on a volunteer's call-out page)",
    "alerts:staff-callout-check": "POST only (buttons on the roster, swept)",
    "alerts:staff-callout-stand-down": "POST only (a button on the roster, swept)",
    "alerts:staff-callout-csv": "a CSV download of the roster (tests/alerts)",
    "audience:dashboard-csv": "a CSV download of the dashboard's figures (tests/audience)",
    "community:event-feed": "an iCalendar feed",
    "community:event-ics": "an iCalendar file",
    "community:event-signup": "POST only (a button on the event's page, swept)",
    "community:event-signup-cancel": "POST only (a button on the event's page, swept)",
    "community:event-publish": "POST only (a button on a pending event's page)",
    "community:event-reject": "POST only (a form on a pending event's page)",
    "community:event-message": "POST only (a form on the organiser's page, swept)",
    "community:event-cancel": "POST only (a form on the organiser's page, swept)",
    "community:event-outcome": "POST only (a form on the organiser's page, swept)",
    "community:event-outcome-story": "POST only (a button on the organiser's page, swept)",
    "community:event-check-in": "POST only (buttons on the organiser's page, swept)",
    "consultations:staff-export": "POST only (starts an export job; the job's page is swept)",
    "consultations:staff-publish": "POST only (a form on the staff results page)",
    "mfa_download_recovery_codes": "a text file download",
    "account_set_password": "only for accounts without a password (social sign-in); "
    "the others are sent to the password change page, swept",
    "socialaccount_signup": "only in the middle of a social sign-in (no provider in tests)",
    "account_request_reauthentication_code": "sign-in by emailed code is switched off",
    "account_confirm_reauthentication_code": "sign-in by emailed code is switched off",
    "account_confirm_login_code": "sign-in by emailed code is switched off",
    # allauth's old addresses, kept as redirects to the 3rdparty/ ones above.
    "accounts/social/login/cancelled/": "a redirect to socialaccount_login_cancelled",
    "accounts/social/login/error/": "a redirect to socialaccount_login_error",
    "accounts/social/signup/": "a redirect to socialaccount_signup",
    "accounts/social/connections/": "a redirect to socialaccount_connections",
}
# Patterns that only some settings add: excluded where present, not missed where absent.
EXCLUDED_WHERE_PRESENT = {
    "media/<path:path>": "uploaded files, served by the portal on the embedded default only",
}


def url_patterns() -> list[tuple[str, str]]:
    """Every pattern of the URL configuration as (key, route): the key is its namespaced
    name, or its full route when it has none."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                walk(
                    pattern.url_patterns,
                    route,
                    f"{namespace}:{inner}" if namespace and inner else inner or namespace,
                )
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    key = route
                found.append((key, route))

    walk(get_resolver().url_patterns, "", "")
    return found


def _excluded_namespace(key: str) -> bool:
    """In an excluded namespace: by its name (``admin:index``), or by its route when it has
    no name (``admin/<path:object_id>/``)."""
    first = re.split(r"[:/]", key, maxsplit=1)[0]
    return first in EXCLUDED_NAMESPACES


def test_every_url_pattern_is_swept_or_excluded():
    """A new page must join the sweep, or be excluded here with its reason."""
    patterns = url_patterns()
    keys = {key for key, _route in patterns}
    accounted = set(SWEPT) | set(SWEPT_DURING_SIGN_IN) | set(EXCLUDED)
    unaccounted = sorted(
        f"{key} ({route})"
        for key, route in patterns
        if key not in accounted | set(EXCLUDED_WHERE_PRESENT) and not _excluded_namespace(key)
    )
    assert not unaccounted, (
        "URL patterns neither swept for accessibility nor excluded (add each to SWEPT in "
        "tests/e2e/test_accessibility_sweep.py, or to EXCLUDED with the reason):\n"
        + "\n".join(unaccounted)
    )
    stale = sorted(accounted - keys)
    assert not stale, f"Swept or excluded, but no longer in the URL configuration: {stale}"
    assert set(SWEPT).isdisjoint(EXCLUDED)


# --- The sweep -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    label: str
    key: str  # the URL name the page must answer as (no redirect elsewhere)
    path: str
    status: int


def visits_for(city: City, audience: str) -> list[Visit]:
    visits = []
    for key, sweep in SWEPT.items():
        if audience not in sweep.audiences:
            continue
        for variant in sweep.variants(city):
            label = f"{key} ({variant.label})" if variant.label else key
            path = reverse(key, kwargs=variant.kwargs) + sweep.query
            visits.append(Visit(label, key, path, variant.status))
    for label, (audiences, path, status) in ERROR_PAGES.items():
        if audience in audiences:
            visits.append(Visit(label, "", path, status))
    return visits


# Where sideways scrolling comes from: the innermost elements whose right edge is the
# document's (an element clipped inside a scrolling table, say, reaches further and is no
# cause; an absolutely positioned one that escapes the clip is).
WIDEST_ELEMENTS = """scrollWidth => {
    const edge = e => Math.round(e.getBoundingClientRect().right);
    const widest = Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getClientRects().length && Math.abs(edge(e) - scrollWidth) <= 1);
    return widest.filter(e => !widest.some(other => other !== e && e.contains(other)))
        .slice(0, 5)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + (typeof e.className === 'string' && e.className.trim()
                ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
}"""


def page_problems(page: Page, width: int) -> list[str]:
    """What is wrong with the page as it is: axe-core's serious and critical findings, and
    on a phone, a document wider than the screen."""
    problems = []
    violations = axe_violations(page)
    if violations:
        problems.append(describe_violations(violations))
    if width <= PHONE_WIDTH:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            culprits = ", ".join(page.evaluate(WIDEST_ELEMENTS, scroll_width)) or "?"
            problems.append(f"- scrolls sideways: {scroll_width} px wide; from {culprits}")
    return problems


def _visit(page: Page, site: str, visit: Visit, width: int) -> list[str]:
    response = page.goto(f"{site}{visit.path}")
    status = response.status if response else None
    if status != visit.status:
        return [f"- answered {status}, expected {visit.status} (at {page.url})"]
    if visit.key:
        try:
            landed = resolve(urlsplit(page.url).path).view_name
        except Resolver404:
            landed = "?"
        if landed != visit.key:
            return [f"- went on to {page.url} ({landed}) instead of showing the page"]
    return page_problems(page, width)


def _reauthenticate(page: Page, site: str) -> None:
    """Type the password again, as allauth asks before the second-factor settings are shown
    (the password page itself is swept)."""
    page.goto(f"{site}{reverse('account_reauthenticate')}")
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/reauthenticate/"))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("audience", [ANONYMOUS, RESIDENT, STAFF])
def test_every_page_passes_axe_and_fits_a_phone(
    browser: Browser, site: str, audience: str, viewport: str
):
    city = _city_seed()
    visits = visits_for(city, audience)
    assert visits, f"no pages to sweep for {audience}"
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, locale="en-GB")
    page = context.new_page()
    report: list[str] = []

    def record(label: str, problems: list[str]) -> None:
        if problems:
            report.append(f"{label}:\n" + "\n".join(problems))

    try:
        if audience == RESIDENT:
            sign_in(page, site, city.resident.email)
        elif audience == STAFF:
            sign_in(
                page,
                site,
                city.staff.email,
                staff=True,
                at_second_factor=lambda at: record(
                    "mfa_authenticate", page_problems(at, size["width"])
                ),
            )
        if audience != ANONYMOUS:
            _reauthenticate(page, site)
        for visit in visits:
            record(f"{visit.label} {visit.path}", _visit(page, site, visit, size["width"]))
    finally:
        context.close()

    assert not report, (
        f"{len(report)} of {len(visits)} pages for {audience} at {size['width']} px have "
        "problems:\n\n" + "\n\n".join(report)
    )
