from __future__ import annotations

import importlib
import threading
import time

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F
from PIL import Image

from civicportal.core.models import Follow
from civicportal.core.ratelimit import RateLimited
from civicportal.core.services import account_delete
from civicportal.notifications.models import Delivery, Event
from proposals import services
from proposals.models import (
    SUMMARY_LENGTH,
    Idea,
    IdeaStatus,
    IdeaVote,
    Point,
    PointRating,
    trending_score,
)
from proposals.services import votes as votes_service
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.proposals.factories import (
    idea_post,
    jpeg_with_gps,
    pdf_named_jpg,
    point_post,
    ten_megabyte_jpg,
    vote,
)

pytestmark = pytest.mark.django_db


def _follows(idea: Idea) -> set[int]:
    content_type = ContentType.objects.get_for_model(Idea)
    return set(
        Follow.objects.filter(content_type=content_type, object_id=idea.pk).values_list(
            "user_id", flat=True
        )
    )


# --- Posting -------------------------------------------------------------------------------


def test_idea_create_renders_markdown_and_author_follows(resident, category):
    idea = idea_post(
        resident, body="Plant **trees** on [Main St](https://example.org).", category=category
    )
    assert "<strong>trees</strong>" in idea.body_html
    assert 'rel="nofollow noopener ugc"' in idea.body_html
    assert idea.status == IdeaStatus.SUBMITTED
    assert _follows(idea) == {resident.pk}


def test_idea_create_keeps_a_plain_text_summary(resident, category):
    idea = idea_post(resident, body="Plant **trees** on [Main St](https://example.org).")
    assert idea.summary == "Plant trees on Main St."
    long = idea_post(resident, title="Long", body="word " * 300, category=category)
    assert len(long.summary) == SUMMARY_LENGTH and long.summary.endswith("word…")


def test_summaries_of_ideas_posted_before_they_existed_are_filled(resident, category):
    long = idea_post(resident, title="Long", body="word " * 300, category=category)
    Idea.objects.filter(pk=long.pk).update(summary="")  # as an idea posted before 0008
    fill = importlib.import_module("proposals.migrations.0008_idea_summary_fill")
    fill.fill_summaries(django_apps, None)
    assert Idea.objects.get(pk=long.pk).summary == long.summary


def test_idea_create_refuses_empty_title_with_a_message(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, title="   ", category=category)
    assert error.value.message_dict["title"] == ["Give your idea a title."]
    assert not Idea.objects.exists()


def test_idea_create_refuses_a_script_in_the_body(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, body="Nice <script>alert('x')</script>", category=category)
    assert "script" in error.value.message_dict["body"][0]
    assert not Idea.objects.exists()


def test_idea_create_refuses_a_ten_megabyte_image(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, image=ten_megabyte_jpg(), image_description="x")
    message = error.value.message_dict["image"][0]
    assert "10.0\xa0MB" in message and "largest we accept is 5.0\xa0MB" in message
    assert not Idea.objects.exists()


def test_idea_create_refuses_a_pdf_named_jpg(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, image=pdf_named_jpg(), image_description="x")
    assert error.value.message_dict["image"] == [
        "This file is not a picture we can read. Upload a JPEG, PNG or WebP."
    ]


def test_idea_create_needs_an_image_description(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, image=jpeg_with_gps())
    assert "image_description" in error.value.message_dict


def test_idea_image_is_reencoded_without_exif_or_gps(resident, category):
    upload = jpeg_with_gps()
    with Image.open(upload) as original:
        assert original.getexif().get_ifd(0x8825)  # the upload does carry GPS data
    upload.seek(0)
    idea = idea_post(resident, category=category, image=upload, image_description="A bench")
    with Image.open(idea.image.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert "exif" not in stored.info
        assert stored.size == (64, 48)
    assert not idea.image.name.endswith("photo.jpg")  # renamed: the name said nothing


def test_idea_create_refuses_half_a_map_point(resident, category):
    with pytest.raises(ValidationError) as error:
        idea_post(resident, category=category, latitude="64.14", longitude=None)
    assert "latitude" in error.value.message_dict


def test_idea_create_limits_ideas_per_day(resident, category, settings):
    settings.PROPOSALS_IDEAS_PER_DAY = 2
    idea_post(resident, title="One idea", category=category)
    idea_post(resident, title="Two ideas", category=category)
    with pytest.raises(ValidationError, match="most allowed"):
        idea_post(resident, title="Three ideas", category=category)


def test_idea_create_needs_verification_when_configured(resident, category, settings):
    settings.PROPOSALS_REQUIRE_VERIFIED = True
    with pytest.raises(PermissionDenied):
        idea_post(resident, category=category)
    idea_post(UserFactory(verified=True), category=category)


# --- Voting --------------------------------------------------------------------------------


def test_vote_support_change_and_withdraw_keep_counts(resident, other, category):
    idea = idea_post(resident, category=category)
    vote(other, idea, "support")
    vote(other, idea, "support")  # the same vote again changes nothing
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 0)
    vote(other, idea, "oppose")
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 1)
    assert IdeaVote.objects.get(idea=idea, user=other).value == "oppose"
    assert services.idea_vote_withdraw(user=other, idea=idea) is True
    assert services.idea_vote_withdraw(user=other, idea=idea) is False
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 0)
    assert not IdeaVote.objects.exists()


def test_vote_raises_trending_score(resident, other, category):
    idea = idea_post(resident, category=category)
    before = idea.trending_score
    for user in [other, *UserFactory.create_batch(9)]:
        vote(user, idea)
    idea.refresh_from_db()
    assert idea.trending_score == pytest.approx(before + 1, abs=1e-5)  # tenfold support


def test_vote_refused_on_archived_or_answered_idea(resident, other, category, moderator):
    idea = idea_post(resident, category=category)
    services.idea_status_set(actor=moderator, idea=idea, status="implemented", response="Done.")
    with pytest.raises(ValidationError, match="Voting on this idea has closed"):
        vote(other, idea)


def test_votes_past_the_rate_limit_are_refused_and_change_nothing(
    resident, other, category, settings
):
    settings.PROPOSALS_VOTE_RATE_LIMIT = 2
    settings.PROPOSALS_VOTE_RATE_WINDOW = 300
    idea = idea_post(resident, category=category)
    vote(other, idea, "support")
    vote(other, idea, "oppose")
    with pytest.raises(RateLimited, match="your vote has not changed") as refused:
        services.idea_vote_withdraw(user=other, idea=idea)
    assert 0 < refused.value.retry_after <= 300
    with pytest.raises(RateLimited):
        vote(other, idea, "support")
    assert IdeaVote.objects.get(idea=idea, user=other).value == "oppose"
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 1)
    vote(resident, idea, "support")  # another resident has an allowance of their own
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 1)


def test_a_vote_changed_in_between_by_another_request_is_read_again(
    resident, other, category, monkeypatch
):
    """The change is claimed by a write conditional on the value read; when another
    request of the resident changed the vote in between, the claim fails and the vote is
    read again, under its lock, instead of moving the counters from the wrong value."""
    idea = idea_post(resident, category=category)
    vote(other, idea, "support")
    reads = []
    read = votes_service._vote_read

    def read_then_another_request_lands(**kwargs):
        result = read(**kwargs)
        if not reads:  # the other request: the same resident opposes, counters and all
            IdeaVote.objects.filter(idea=idea, user=other).update(value="oppose")
            Idea.objects.filter(pk=idea.pk).update(support_count=0, oppose_count=1)
        reads.append(result)
        return result

    monkeypatch.setattr(votes_service, "_vote_read", read_then_another_request_lands)
    vote(other, idea, "oppose")
    assert len(reads) == 2
    services.idea_vote_withdraw(user=other, idea=idea)
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 0)
    assert not IdeaVote.objects.exists()


def test_a_vote_that_loses_every_race_is_refused_with_a_message_and_changes_nothing(
    resident, other, category, monkeypatch
):
    """Each lost race means another request of the resident committed; should they win
    every try, the vote is refused with a message (never the race's own error)."""
    idea = idea_post(resident, category=category)

    def another_request_inserted_first(**kwargs):
        raise votes_service._VoteMoved

    monkeypatch.setattr(votes_service, "_vote_insert", another_request_inserted_first)
    with pytest.raises(ValidationError) as error:
        vote(other, idea, "support")
    assert error.value.code == "busy"
    assert "at the same moment" in error.value.messages[0]
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (0, 0)
    assert not IdeaVote.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_one_residents_concurrent_changing_votes_count_once(category, settings):
    """Twenty threads of one resident voting at once, support and oppose alternating:
    first votes race on the unique constraint, changes on the conditional write."""
    settings.PROPOSALS_VOTE_RATE_LIMIT = 0
    author, voter = UserFactory(), UserFactory()
    idea = idea_post(author, category=category)
    barrier = threading.Barrier(20)
    errors: list[Exception] = []

    def cast(value: str) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                services.idea_vote(user=voter, idea=idea.pk, value=value)
        except Exception as error:  # the test reports whatever went wrong
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=cast, args=("support" if n % 2 else "oppose",)) for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    final = IdeaVote.objects.get(idea=idea, user=voter).value
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == ((1, 0) if final == "support" else (0, 1))
    expected = trending_score(support=idea.support_count, created_at=idea.created_at)
    assert idea.trending_score == pytest.approx(expected, abs=1e-5)


@pytest.mark.django_db(transaction=True)
def test_vote_racing_a_status_change_is_refused_and_rolled_back(category):
    """The vote reads the idea open, then its counter update waits for the council's
    change; once that commits, the update finds the idea closed and the vote is undone."""
    author, voter = UserFactory(), UserFactory()
    idea = idea_post(author, category=category)
    vote(voter, idea, "support")
    outcome: dict[str, Exception] = {}

    def vote_in_another_connection():
        try:
            services.idea_vote(user=voter, idea=idea.pk, value="oppose")
        except ValidationError as error:
            outcome["error"] = error
        finally:
            connection.close()

    with transaction.atomic():
        Idea.objects.select_for_update().filter(pk=idea.pk).update(
            status=IdeaStatus.IMPLEMENTED, official_response="Done."
        )
        thread = threading.Thread(target=vote_in_another_connection)
        thread.start()
        deadline = time.monotonic() + 10
        while not _someone_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _someone_waits_for_a_lock(), "the vote never reached the counter update"
    thread.join(timeout=10)
    assert "closed" in str(outcome["error"])
    assert IdeaVote.objects.get(idea=idea, user=voter).value == "support"
    idea.refresh_from_db()
    assert (idea.support_count, idea.oppose_count) == (1, 0)


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_trending_score_moved_by_votes_matches_the_formula(resident, category):
    idea = idea_post(resident, category=category)
    voters = UserFactory.create_batch(7)
    for user in voters:
        vote(user, idea, "support")
    services.idea_vote_withdraw(user=voters[0], idea=idea)
    vote(voters[1], idea, "oppose")
    idea.refresh_from_db()
    assert idea.support_count == 5
    expected = trending_score(support=5, created_at=idea.created_at)
    assert idea.trending_score == pytest.approx(expected, abs=1e-5)


def test_vote_refuses_an_unknown_value(resident, other, category):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError):
        vote(other, idea, "maybe")


# --- Points --------------------------------------------------------------------------------


def test_point_add_and_rate(resident, other, category):
    idea = idea_post(resident, category=category)
    point = point_post(other, idea, "against", "It would cost too much.")
    idea.refresh_from_db()
    assert (idea.points_for_count, idea.points_against_count) == (0, 1)
    services.point_rate(user=resident, point=point, value="helpful")
    services.point_rate(user=resident, point=point, value="helpful")
    point.refresh_from_db()
    assert (point.helpful_count, point.unhelpful_count) == (1, 0)
    services.point_rate(user=resident, point=point, value="unhelpful")
    point.refresh_from_db()
    assert (point.helpful_count, point.unhelpful_count) == (0, 1)
    assert PointRating.objects.count() == 1


def test_point_rate_refuses_own_point(resident, other, category):
    idea = idea_post(resident, category=category)
    point = point_post(other, idea)
    with pytest.raises(ValidationError, match="your own point"):
        services.point_rate(user=other, point=point, value="helpful")


def test_point_add_refuses_empty_text(resident, other, category):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError) as error:
        point_post(other, idea, "for", " ")
    assert error.value.message_dict["text"] == ["Write your point before adding it."]


# --- Council ---------------------------------------------------------------------------------


def test_status_change_notifies_each_supporter_opponent_and_follower_once(
    resident, other, category, moderator, django_capture_on_commit_callbacks
):
    idea = idea_post(resident, category=category)  # the author follows
    supporter, opponent, follower = UserFactory.create_batch(3)
    vote(supporter, idea, "support")
    vote(opponent, idea, "oppose")
    vote(resident, idea, "support")  # author votes and follows: still one recipient
    Follow.objects.create(
        user=follower, content_type=ContentType.objects.get_for_model(Idea), object_id=idea.pk
    )
    Follow.objects.create(
        user=supporter, content_type=ContentType.objects.get_for_model(Idea), object_id=idea.pk
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.idea_status_set(
            actor=moderator, idea=idea, status="accepted", response="We will build it in May."
        )
    assert callbacks  # deliveries are handed to workers only once the change commits
    event = Event.objects.get(kind="proposals.status_changed")
    assert event.context["params"]["response"] == "We will build it in May."
    per_recipient = (
        Delivery.objects.filter(event=event).values("recipient", "channel").annotate(n=Count("id"))
    )
    assert {row["n"] for row in per_recipient} == {1}
    assert {row["recipient"] for row in per_recipient} == {
        resident.pk,
        supporter.pk,
        opponent.pk,
        follower.pk,
    }
    assert other.pk not in {row["recipient"] for row in per_recipient}
    # Saving the same status and answer again notifies no one a second time.
    services.idea_status_set(
        actor=moderator, idea=idea, status="accepted", response="We will build it in May."
    )
    assert Event.objects.filter(kind="proposals.status_changed").count() == 1


def test_status_change_needs_a_response_and_staff(resident, other, category, moderator):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError) as error:
        services.idea_status_set(actor=moderator, idea=idea, status="not_accepted")
    assert "official_response" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.idea_status_set(actor=other, idea=idea, status="accepted", response="Yes")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_merge_waits_for_a_vote_in_flight_instead_of_deadlocking(category, moderator):
    """A vote holds its vote row, then updates its idea's counters; a merge must not take
    the idea first and then wait for that vote row (each would wait for the other)."""
    author, voter = UserFactory(), UserFactory()
    source = idea_post(author, title="Source", category=category)
    target = idea_post(author, title="Target", category=category)
    vote(voter, source, "support")
    outcome: dict[str, object] = {}

    def merge_in_another_connection():
        try:
            outcome["merged"] = services.idea_merge(actor=moderator, source=source, target=target)
        except Exception as error:  # the test reports whatever went wrong
            outcome["error"] = error
        finally:
            connection.close()

    with transaction.atomic():  # the vote in flight: its row first, its counters last
        IdeaVote.objects.filter(idea=source, user=voter).update(value="oppose")
        thread = threading.Thread(target=merge_in_another_connection)
        thread.start()
        deadline = time.monotonic() + 10
        while not _someone_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        Idea.objects.filter(pk=source.pk).update(
            support_count=F("support_count") - 1, oppose_count=F("oppose_count") + 1
        )
    thread.join(timeout=10)
    assert "error" not in outcome, outcome
    target.refresh_from_db()
    assert (target.support_count, target.oppose_count) == (0, 1)


def test_merge_moves_votes_and_followers_without_double_counting(resident, category, moderator):
    source = idea_post(resident, title="Bench by the pond", category=category)
    target = idea_post(UserFactory(), title="Benches around the pond", category=category)
    both, only_source, only_target, opposed_source = UserFactory.create_batch(4)
    vote(both, source, "support")
    vote(both, target, "support")
    vote(only_source, source, "support")
    vote(opposed_source, source, "oppose")
    vote(only_target, target, "support")
    point_post(only_source, source, "for", "Shade in summer.")

    services.idea_merge(actor=moderator, source=source, target=target)

    target.refresh_from_db()
    source.refresh_from_db()
    assert (target.support_count, target.oppose_count) == (3, 1)
    assert IdeaVote.objects.filter(idea=target).count() == 4
    assert IdeaVote.objects.filter(idea=target, user=both).count() == 1
    assert not IdeaVote.objects.filter(idea=source).exists()
    assert target.points_for_count == 1
    assert source.status == IdeaStatus.MERGED and source.merged_into == target
    assert (source.support_count, source.oppose_count) == (0, 0)
    assert resident.pk in _follows(target)  # the source's author followed it
    assert not _follows(source)
    assert Point.objects.get().idea == target


def test_merge_refuses_itself_and_residents(resident, other, category, moderator):
    idea = idea_post(resident, category=category)
    with pytest.raises(ValidationError):
        services.idea_merge(actor=moderator, source=idea, target=idea)
    target = idea_post(other, title="Another", category=category)
    with pytest.raises(PermissionDenied):
        services.idea_merge(actor=other, source=idea, target=target)


# --- Personal data ---------------------------------------------------------------------------


def test_personal_data_export_and_erase_keep_votes_counted(resident, other, category):
    idea = idea_post(resident, category=category, image=jpeg_with_gps(), image_description="Park")
    vote(other, idea, "support")
    point = point_post(other, idea, "for", "Good for children.")
    services.point_rate(user=resident, point=point, value="helpful")
    exported = services.proposals_personal_data_export(other)
    assert exported["votes"][0]["vote"] == "support"
    assert exported["points"][0]["text"] == "Good for children."
    assert services.proposals_personal_data_export(resident)["ideas"][0]["title"] == idea.title

    account_delete(user=other, confirmation=DEFAULT_PASSWORD)
    account_delete(user=resident, confirmation=DEFAULT_PASSWORD)

    idea.refresh_from_db()
    point.refresh_from_db()
    assert idea.author is None and idea.author_name == "Deleted resident"
    assert not idea.image
    assert idea.support_count == 1
    assert IdeaVote.objects.get(idea=idea).user is None
    assert point.author is None and point.helpful_count == 1
