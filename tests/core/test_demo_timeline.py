"""The demo city holds together in time: every dated thing that `seed_demo` makes follows
what it depends on (a vote after its idea was posted and while it could be voted on, an
answer after the idea was forwarded, a ballot within the voting period, a resident acting
only after joining), and nothing that has happened is dated in the future.

One seed, every rule: the failure lists each row out of order, by rule.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from alerts.models import Alert, AlertMessage, AlertSubscription
from budgeting.models import BallotSubmission, BudgetProcess, ProcessTransition, Project
from civicportal.audience.models import Participation, ProfileAnswer, ProfileQuestionsAsked
from civicportal.core.models import Comment, Follow
from civicportal.notifications.models import Delivery, Event
from community.models.hashtag_posts import HashtagPost
from community.models.stories import Campaign
from consultations.models import Consultation, Response, ResponseReport
from outreach.models import Post
from proposals.models import OPEN_STATUSES, Idea, IdeaVote, Point, PointRating
from tests.demo import seed_demo

pytestmark = pytest.mark.django_db

User = get_user_model()

# Date fields that say when something was planned to happen (a phase, an expiry): they may
# lie in the future. Every other date field records something that has happened.
SCHEDULED = {
    "opens_at",
    "closes_at",
    "submission_opens",
    "review_opens",
    "voting_opens",
    "voting_closes",
    "results_on",
    "implementation_from",
    "expires",
    "expires_at",
    "expire_date",
    "onset",
    "starts_at",
    "ends_at",
}
# The field that says when a row came to be, for the rule on its "created" audit entry.
CREATION_FIELDS = ("created_at", "date_joined", "submitted_at")


class Timeline:
    """Collects the rows whose dates are out of order, by rule."""

    def __init__(self) -> None:
        self.violations: dict[str, list[str]] = defaultdict(list)

    def before(self, rule: str, row, earlier: datetime | None, later: datetime | None) -> None:
        """``earlier`` is not after ``later`` (a rule about an empty date holds)."""
        if earlier is not None and later is not None and earlier > later:
            self.violations[rule].append(
                f"{row!r}: {earlier:%Y-%m-%d %H:%M} > {later:%Y-%m-%d %H:%M}"
            )

    def report(self) -> str:
        return "\n".join(
            f"{rule} ({len(rows)}):\n  " + "\n  ".join(rows[:5])
            for rule, rows in sorted(self.violations.items())
        )


def _first(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None


def _people(t: Timeline, finished: datetime) -> None:
    for user in User.objects.all():
        t.before("a resident is verified after joining", user, user.date_joined, user.verified_at)
        t.before("nobody joined in the future", user, user.date_joined, finished)


def _ideas(t: Timeline) -> None:
    for idea in Idea.objects.select_related("author"):
        t.before(
            "an idea is posted after its author joined",
            idea,
            idea.author.date_joined,
            idea.created_at,
        )
        t.before(
            "an idea is forwarded after it was posted", idea, idea.created_at, idea.forwarded_at
        )
        t.before(
            "an idea is answered after it was forwarded",
            idea,
            idea.forwarded_at or idea.created_at,
            idea.responded_at,
        )
        if idea.responded_at and idea.forwarded_at is None:
            t.violations["an answered idea was forwarded first"].append(repr(idea))
        t.before("an idea is archived after it was posted", idea, idea.created_at, idea.archived_at)
        t.before(
            "an idea's last activity is after it was posted",
            idea,
            idea.created_at,
            idea.last_activity_at,
        )
    for vote in IdeaVote.objects.select_related("idea", "user"):
        idea = vote.idea
        t.before("a vote follows its idea", vote, idea.created_at, vote.created_at)
        t.before("a vote follows its voter's joining", vote, vote.user.date_joined, vote.created_at)
        t.before("a vote is changed after it was cast", vote, vote.created_at, vote.updated_at)
        t.before(
            "an idea's last activity is its latest", vote, vote.updated_at, idea.last_activity_at
        )
        if idea.status not in OPEN_STATUSES:
            t.before(
                "nobody votes on an idea decided for good", vote, vote.updated_at, idea.responded_at
            )
    for point in Point.objects.select_related("idea", "author"):
        idea = point.idea
        t.before("a point follows its idea", point, idea.created_at, point.created_at)
        t.before(
            "a point follows its author's joining",
            point,
            point.author.date_joined,
            point.created_at,
        )
        t.before(
            "an idea's last activity is its latest", point, point.created_at, idea.last_activity_at
        )
        if idea.status not in OPEN_STATUSES:
            t.before(
                "nobody argues about an idea decided for good",
                point,
                point.created_at,
                idea.responded_at,
            )
    for rating in PointRating.objects.select_related("point", "user"):
        t.before("a rating follows its point", rating, rating.point.created_at, rating.created_at)
        t.before(
            "a rating follows its rater's joining",
            rating,
            rating.user.date_joined,
            rating.created_at,
        )


def _created(obj) -> datetime | None:
    for name in CREATION_FIELDS:
        if hasattr(obj, name):
            return getattr(obj, name)
    return None


def _participation(t: Timeline) -> None:
    for comment in Comment.objects.select_related("author", "parent"):
        t.before(
            "a comment follows its author's joining",
            comment,
            comment.author.date_joined,
            comment.created_at,
        )
        t.before(
            "a comment follows what it is about",
            comment,
            _created(comment.target),
            comment.created_at,
        )
        if comment.parent is not None:
            t.before(
                "a reply follows its comment",
                comment,
                comment.parent.created_at,
                comment.created_at,
            )
    for follow in Follow.objects.select_related("user"):
        t.before(
            "a follow follows the follower's joining",
            follow,
            follow.user.date_joined,
            follow.created_at,
        )
        t.before(
            "a follow follows what is followed", follow, _created(follow.target), follow.created_at
        )


def _consultations(t: Timeline, finished: datetime) -> None:
    for c in Consultation.objects.all():
        t.before("a consultation is made before it opens", c, c.created_at, c.opens_at)
        t.before("a consultation opens before it closes", c, c.opens_at, c.closes_at)
        t.before("an opening is announced once open", c, c.opens_at, c.opened_announced_at)
        t.before("results are published after closing", c, c.closes_at, c.results_published_at)
    for response in Response.objects.select_related("consultation", "user"):
        c = response.consultation
        t.before(
            "answers are sent once the consultation is open",
            response,
            c.opens_at,
            response.created_at,
        )
        t.before(
            "answers are changed after they were sent",
            response,
            response.created_at,
            response.updated_at,
        )
        t.before(
            "answers are sent before the consultation closes",
            response,
            response.updated_at,
            _first(c.closes_at, finished),
        )
        t.before(
            "answers follow the resident's joining",
            response,
            response.user.date_joined,
            response.created_at,
        )
    for report in ResponseReport.objects.select_related("consultation"):
        t.before(
            "a report is written before it is published",
            report,
            report.created_at,
            report.published_at,
        )
        t.before(
            "a report is published after closing",
            report,
            report.consultation.closes_at,
            report.published_at,
        )


def _budgets(t: Timeline, finished: datetime) -> None:
    for process in BudgetProcess.objects.all():
        phases = [
            process.created_at,
            process.submission_opens,
            process.review_opens,
            process.voting_opens,
            process.voting_closes,
            process.results_on,
        ]
        present = [moment for moment in phases if moment is not None]
        for earlier, later in pairwise(present):
            t.before("a budget's phases follow one another", process, earlier, later)
        t.before(
            "rules are frozen after the process was made",
            process,
            process.created_at,
            process.rules_frozen_at,
        )
        t.before(
            "rules are frozen by the time voting opens",
            process,
            process.rules_frozen_at,
            process.voting_opens,
        )
        t.before(
            "results are published after voting closed",
            process,
            process.voting_closes,
            process.results_published_at,
        )
    previous: dict[int, ProcessTransition] = {}
    for step in ProcessTransition.objects.select_related("process").order_by("process", "pk"):
        t.before(
            "a phase change follows the process's making", step, step.process.created_at, step.at
        )
        if step.process_id in previous:
            t.before(
                "phase changes follow one another", step, previous[step.process_id].at, step.at
            )
        previous[step.process_id] = step
    for project in Project.objects.select_related("process", "submitted_by"):
        process = project.process
        t.before(
            "a project is put forward once submissions open",
            project,
            process.submission_opens,
            project.submitted_at,
        )
        t.before(
            "a project is put forward before the review",
            project,
            project.submitted_at,
            process.review_opens,
        )
        t.before(
            "a project is reviewed after it was put forward",
            project,
            project.submitted_at,
            project.reviewed_at,
        )
        t.before(
            "a project is reviewed before voting opens",
            project,
            project.reviewed_at,
            process.voting_opens,
        )
        if project.submitted_by is not None:
            t.before(
                "a project follows its proposer's joining",
                project,
                project.submitted_by.date_joined,
                project.submitted_at,
            )
    for submission in BallotSubmission.objects.select_related("ballot__process", "voter"):
        process = submission.ballot.process
        t.before(
            "a ballot is cast once voting opens",
            submission,
            process.voting_opens,
            submission.submitted_at,
        )
        t.before(
            "a ballot is cast before voting closes",
            submission,
            submission.submitted_at,
            _first(process.voting_closes, finished),
        )
        t.before(
            "a ballot is replaced after it was cast",
            submission,
            submission.submitted_at,
            submission.replaced_at,
        )
        if submission.voter is not None:
            t.before(
                "only verified residents vote",
                submission,
                submission.voter.verified_at or finished,
                submission.submitted_at,
            )


def _alerts(t: Timeline) -> None:
    for alert in Alert.objects.select_related("created_by"):
        t.before(
            "an alert is drafted before it is published",
            alert,
            alert.created_at,
            alert.first_published_at,
        )
        t.before(
            "an alert is published before it expires",
            alert,
            alert.first_published_at,
            alert.expires_at,
        )
        t.before("an alert changes after it was drafted", alert, alert.created_at, alert.updated_at)
    previous: dict[int, AlertMessage] = {}
    for message in AlertMessage.objects.select_related("alert").order_by("alert", "sequence"):
        t.before(
            "a message follows its alert's drafting",
            message,
            message.alert.created_at,
            message.created_at,
        )
        t.before(
            "a message is submitted after it was written",
            message,
            message.created_at,
            message.submitted_at,
        )
        t.before(
            "a message is approved after it was submitted",
            message,
            message.submitted_at,
            message.approved_at,
        )
        t.before("a message is sent once approved", message, message.approved_at, message.sent)
        t.before("a message is sent before it expires", message, message.sent, message.expires)
        t.before(
            "a message reaches its subscribers after it was sent",
            message,
            message.sent,
            message.fanout_completed_at,
        )
        if message.alert_id in previous:
            t.before(
                "an alert's messages are sent in order",
                message,
                previous[message.alert_id].sent,
                message.sent,
            )
        previous[message.alert_id] = message
    for subscription in AlertSubscription.objects.select_related("user").filter(user__isnull=False):
        t.before(
            "a subscription follows the resident's joining",
            subscription,
            subscription.user.date_joined,
            subscription.created_at,
        )
        t.before(
            "a subscription changes after it was made",
            subscription,
            subscription.created_at,
            subscription.updated_at,
        )


def _notifications(t: Timeline) -> None:
    subscribed = dict(
        AlertSubscription.objects.filter(user__isnull=False).values_list("user_id", "created_at")
    )
    for event in Event.objects.all():
        source = event.source
        if source is not None:
            happened = getattr(source, "sent", None) or _created(source)
            t.before("a notification follows what it tells of", event, happened, event.created_at)
    for delivery in Delivery.objects.select_related("event"):
        t.before(
            "a delivery follows its notification",
            delivery,
            delivery.event.created_at,
            delivery.created_at,
        )
        t.before(
            "a delivery is sent after it was made", delivery, delivery.created_at, delivery.sent_at
        )
        t.before(
            "a delivery is read after it was sent", delivery, delivery.sent_at, delivery.read_at
        )
        if delivery.event.kind == "alerts.alert" and delivery.recipient_id in subscribed:
            t.before(
                "an alert reaches those subscribed when it was sent",
                delivery,
                subscribed[delivery.recipient_id],
                delivery.event.created_at,
            )


def _social_reach(t: Timeline) -> None:
    for campaign in Campaign.objects.all():
        t.before(
            "a campaign is set up before it starts",
            campaign,
            timezone.localdate(campaign.created_at),
            campaign.starts_on,
        )
    for post in HashtagPost.objects.all():
        t.before(
            "a campaign post is brought in once posted", post, post.posted_at, post.imported_at
        )
        t.before(
            "a campaign post is moderated once brought in",
            post,
            post.imported_at,
            post.moderated_at,
        )
    for post in Post.objects.all():
        t.before(
            "a social post is sent after it was written", post, post.created_at, post.submitted_at
        )
        t.before(
            "a social post is approved after it was sent", post, post.submitted_at, post.approved_at
        )
        t.before("a social post goes out once approved", post, post.approved_at, post.published_at)
    for participation in Participation.objects.select_related("user"):
        t.before(
            "a resident takes part after joining",
            participation,
            timezone.localdate(participation.user.date_joined),
            participation.day,
        )
    for answer in ProfileAnswer.objects.select_related("user"):
        t.before(
            "profile questions are answered after joining",
            answer,
            answer.user.date_joined,
            answer.answered_at,
        )
    for asked in ProfileQuestionsAsked.objects.select_related("user"):
        t.before(
            "profile questions are asked after joining",
            asked,
            asked.user.date_joined,
            asked.asked_at,
        )


def _histories(t: Timeline) -> None:
    """An object's history starts when it was made, not when the seeder wrote it."""
    for entry in LogEntry.objects.filter(action=LogEntry.Action.CREATE).select_related(
        "content_type"
    ):
        model = entry.content_type.model_class()
        if model is None or not any(hasattr(model, name) for name in CREATION_FIELDS):
            continue
        obj = model._default_manager.filter(pk=entry.object_pk).first()
        made = _created(obj) if obj is not None else None
        if made is not None and abs(entry.timestamp - made) > timedelta(minutes=1):
            t.violations["an object's history starts when it was made"].append(
                f"{obj!r}: made {made:%Y-%m-%d %H:%M}, "
                f"history from {entry.timestamp:%Y-%m-%d %H:%M}"
            )


def _nothing_in_the_future(t: Timeline, finished: datetime) -> None:
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.DateTimeField) or field.name in SCHEDULED:
                continue
            for pk, moment in model._default_manager.filter(
                **{f"{field.name}__gt": finished}
            ).values_list("pk", field.name):
                t.violations["nothing that happened is dated in the future"].append(
                    f"{model._meta.label}#{pk}.{field.name}: {moment:%Y-%m-%d %H:%M}"
                )


def test_every_dated_thing_in_the_demo_city_follows_what_it_depends_on():
    seed_demo()
    finished = timezone.now()
    assert Idea.objects.exists() and BallotSubmission.objects.exists()
    t = Timeline()
    _people(t, finished)
    _ideas(t)
    _participation(t)
    _consultations(t, finished)
    _budgets(t, finished)
    _alerts(t)
    _notifications(t)
    _social_reach(t)
    _histories(t)
    _nothing_in_the_future(t, finished)
    assert not t.violations, "The demo city is out of order in time:\n" + t.report()


def test_the_timeline_check_finds_a_vote_cast_before_its_idea_was_posted():
    seed_demo()
    vote = IdeaVote.objects.select_related("idea").first()
    IdeaVote.objects.filter(pk=vote.pk).update(created_at=vote.idea.created_at - timedelta(days=1))
    t = Timeline()
    _ideas(t)
    assert "a vote follows its idea" in t.violations
