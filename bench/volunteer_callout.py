"""Benchmark: an alert author calls volunteers out during an incident; the call-out matches
5,000 of 20,000 registered volunteers (by area and skill) and reaches each on the channels
they chose for call-outs (email, web push, SMS) through the real service, the fan-out task,
the notification engine's urgent path and the worker layout of docker-compose.yml.

    .venv/bin/python bench/volunteer_callout.py [--volunteers 20000] [--matching 5000]

It creates a fresh PostgreSQL database (``--database``, dropped first), migrates it, bulk-
creates the volunteers with their register entries (a quarter of them in the call-out's
area with its skill; the rest miss one or both), each matching volunteer choosing email
(60 %), web push with one browser (30 %) or SMS with a verified number (10 %) for the
call-out topic in their notification preferences (the in-app inbox stays on, the topic's
default). It starts an SMTP sink, a push endpoint and an SMS gateway on loopback (the
stand-ins of bench/alert_fanout.py) and the workers of docker-compose.yml, posts the
call-out and measures from its commit to the first and the last message at the sinks,
checks that every matching volunteer got exactly one message per channel they chose (and
nobody else any), and prints a table.

Targets (issue 20): first delivery under 2 s, last under 30 s, exactly one message per
volunteer and channel. The last line is ``RESULT first_delivery_s=.. last_delivery_s=..
duplicates=..``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from alert_fanout import far_sides_start, workers_start  # noqa: E402
from support import (  # noqa: E402
    WorkerWatch,
    database_create,
    database_migrate,
    loadavg,
    worker_stop,
)

TASK = "Sandbag crew at Quay Street"


def channel_of(i: int) -> str:
    """Of every 100 matching volunteers in a row: 60 by email, 30 by push, 10 by SMS."""
    place = i % 100
    if place < 60:
        return "email"
    return "push" if place < 90 else "sms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=20_000)
    parser.add_argument("--matching", type=int, default=5_000)
    parser.add_argument("--database", default="cp_bench_volunteers")
    parser.add_argument("--postgres", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--fanout-batch", type=int, default=2000)
    parser.add_argument("--sms-rate", type=int, default=100, help="the SMS gateway's texts/s")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    n, m = args.volunteers, args.matching
    if m > n:
        raise SystemExit("--matching is at most --volunteers")

    print(f"load average at start: {loadavg()}", flush=True)
    database_url = database_create(args.postgres, args.database)
    smtp, push, sms, browser = far_sides_start(args, database_url, match=TASK.encode())
    p256dh, auth = browser
    print(f"migrated {args.database} in {database_migrate():.1f} s", flush=True)

    import django

    django.setup()
    import redis
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from alerts import services
    from alerts.models import CallOut, CapStatus, Skill, VolunteerRegistration
    from alerts.roles import ALERT_APPROVER, ALERT_AUTHOR
    from alerts.services import volunteers
    from civicportal.accounts import roles
    from civicportal.accounts.models import Area, User
    from civicportal.notifications.models import (
        Delivery,
        NotificationPreference,
        PhoneNumber,
        PushSubscription,
    )

    redis.Redis.from_url(args.redis).flushdb()  # the bench's own Redis database
    started = time.perf_counter()
    password = make_password(None)
    verified = timezone.now()
    harbour = Area.objects.create(name="Harbourside", slug="harbourside")
    hill = Area.objects.create(name="Hilltop", slug="hilltop")
    first_aid = Skill.objects.create(name="First aid")
    driving = Skill.objects.create(name="Driving")
    # Exactly ``m`` volunteers, spread evenly, match (area and skill); of the others, a
    # third have the area without the skill, a third the skill elsewhere, a third neither.

    def matches(i: int) -> bool:
        return i * m // n != (i + 1) * m // n

    matching_index = 0
    chosen: dict[str, int] = {"email": 0, "push": 0, "sms": 0}
    topic = volunteers.CALLOUT_TOPIC
    skills_through = VolunteerRegistration.skills.through
    areas_through = VolunteerRegistration.areas.through
    for offset in range(0, n, 5_000):
        users = User.objects.bulk_create(
            [
                User(email=f"volunteer{i}@example.org", display_name=f"V {i}", password=password)
                for i in range(offset, min(n, offset + 5_000))
            ],
            batch_size=2000,
        )
        numbered = list(zip(range(offset, offset + len(users)), users, strict=True))
        entries = VolunteerRegistration.objects.bulk_create(
            [VolunteerRegistration(user=u, consent=True) for _i, u in numbered],
            batch_size=2000,
        )
        skill_rows, area_rows, preferences, pushes, phones = [], [], [], [], []
        for (i, user), entry in zip(numbered, entries, strict=True):
            if matches(i):
                skill_rows.append(skills_through(volunteerregistration=entry, skill=first_aid))
                area_rows.append(areas_through(volunteerregistration=entry, area=harbour))
                channel = channel_of(matching_index)
                matching_index += 1
                chosen[channel] += 1
                if channel != "email":
                    preferences += [
                        NotificationPreference(user=user, topic=topic, channel="email", enabled=False),
                        NotificationPreference(user=user, topic=topic, channel=channel, enabled=True),
                    ]  # fmt: skip
                if channel == "push":
                    pushes.append(
                        PushSubscription(
                            user=user, endpoint=f"{push.url}/push/{user.pk}", p256dh=p256dh,
                            auth=auth,
                        )
                    )  # fmt: skip
                elif channel == "sms":
                    phones.append(
                        PhoneNumber(user=user, number=f"+3548{i:06d}", verified_at=verified)
                    )
            else:
                kind = i % 3
                skill_rows.append(
                    skills_through(
                        volunteerregistration=entry, skill=first_aid if kind == 1 else driving
                    )
                )
                area_rows.append(
                    areas_through(volunteerregistration=entry, area=harbour if kind == 0 else hill)
                )
        skills_through.objects.bulk_create(skill_rows, batch_size=5000)
        areas_through.objects.bulk_create(area_rows, batch_size=5000)
        NotificationPreference.objects.bulk_create(preferences, batch_size=5000)
        PushSubscription.objects.bulk_create(pushes, batch_size=2000)
        PhoneNumber.objects.bulk_create(phones, batch_size=2000)
    roles.ensure_role_groups()
    author = User.objects.create(email="author@council.example", is_staff=True, password=password)
    approver = User.objects.create(
        email="approver@council.example", is_staff=True, password=password
    )
    author.groups.add(Group.objects.get(name=ALERT_AUTHOR))
    approver.groups.add(Group.objects.get(name=ALERT_APPROVER))
    alert = services.alert_draft_create(
        actor=author,
        status=CapStatus.ACTUAL,
        content=services.MessageContent(
            category="Met", event="Flood", urgency="Immediate", severity="Severe",
            certainty="Observed", response_type="Avoid",
            headline="Flooding on Quay Street",
            description="The river has burst its banks at the marina.",
            instruction="Stay away from the riverside.",
            expires=timezone.now() + timedelta(hours=6), areas=[harbour],
        ),
    )  # fmt: skip
    message = alert.messages.get()
    services.alert_submit_for_approval(actor=author, message=message)
    services.alert_approve(
        actor=approver, message=message, version=services.message_version(message)
    )
    alert.refresh_from_db()
    print(
        f"created {n:,} volunteers ({matching_index:,} matching) in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    if matching_index != m:
        raise SystemExit(f"{matching_index} volunteers match, not {m}")

    log_dir = ROOT / "var"
    log_dir.mkdir(exist_ok=True)
    workers = workers_start(log_dir)
    print(f"workers: {', '.join(workers)} (docker-compose.yml)", flush=True)
    expected = {"email": (smtp, chosen["email"]), "push": (push, chosen["push"]),
                "sms": (sms, chosen["sms"])}  # fmt: skip
    try:
        watch = WorkerWatch([process.pid for process, _log in workers.values()])
        watch.start()
        # Whatever the alert's own fan-out sent (nobody subscribed to alerts) is over.
        time.sleep(2)
        baseline = {channel: sink.count.value for channel, (sink, _n) in expected.items()}
        marks: dict[str, float] = {}
        with transaction.atomic():
            transaction.on_commit(lambda: marks.setdefault("posted", time.time()))
            callout = volunteers.callout_create(
                actor=author,
                alert=alert,
                content=volunteers.CallOutContent(
                    task=TASK,
                    place="Quay Street car park",
                    starts_at=timezone.now() + timedelta(minutes=30),
                    ends_at=timezone.now() + timedelta(hours=4),
                    needed=40,
                    skills=(first_aid,),
                    areas=(harbour,),
                ),
            )
        deadline = time.monotonic() + args.timeout
        while any(sink.count.value - baseline[c] < want for c, (sink, want) in expected.items()):
            stopped = [name for name, (p, _log) in workers.items() if p.poll() is not None]
            if time.monotonic() > deadline or stopped:
                raise SystemExit(
                    "only "
                    + ", ".join(f"{s.count.value:,} {c}" for c, (s, _n) in expected.items())
                    + f" arrived (stopped workers: {stopped or 'none'}); see {log_dir}"
                )
            time.sleep(0.1)
        watch.stopping.set()
        watch.join()
        time.sleep(2)  # anything beyond one per volunteer would arrive now
        deliveries = Delivery.objects.filter(
            event__source_content_type=ContentType.objects.get_for_model(CallOut),
            event__source_object_id=str(callout.pk),
        )
        statuses = {
            (channel, status): count
            for channel, status, count in deliveries.values_list("channel", "status")
            .annotate(count=Count("id"))
            .values_list("channel", "status", "count")
        }
        per_recipient = (
            deliveries.values("recipient_id", "channel")
            .annotate(count=Count("id"))
            .filter(count__gt=1)
            .count()
        )
        reached = set(volunteers.volunteers_for(callout).values_list("user_id", flat=True))
        if len(reached) != m:
            raise SystemExit(f"the call-out matches {len(reached)} volunteers, not {m}")
        outsiders = len(set(deliveries.values_list("recipient_id", flat=True)) - reached)
        arrived = {c: sink.count.value - baseline[c] for c, (sink, _n) in expected.items()}
        duplicates = (
            per_recipient
            + outsiders
            + sum(arrived[c] - want for c, (_sink, want) in expected.items())
        )
        inbox = statuses.get(("inbox", "sent"), 0)
    finally:
        for process, _log in workers.values():
            worker_stop(process)
        smtp.stop()
        push.stop()
        sms.stop()

    t0 = marks["posted"]
    times = {c: (sink.first.value - t0, sink.last.value - t0) for c, (sink, _n) in expected.items()}
    sent = {c: statuses.get((c, "sent"), 0) for c in expected}
    unsent = {key: count for key, count in statuses.items() if key[1] != "sent"}
    first = min(first for first, _last in times.values())
    last = max(last for _first, last in times.values())
    print()
    print(f"{'':<36} {'email':>10} {'web push':>10} {'SMS':>10}")
    print(f"{'matching volunteers who chose it':<36} " + " ".join(
        f"{chosen[c]:>10,}" for c in expected))  # fmt: skip
    print(f"{'arrived at the sink':<36} " + " ".join(f"{arrived[c]:>10,}" for c in expected))
    print(f"{'sent (database)':<36} " + " ".join(f"{sent[c]:>10,}" for c in expected))
    print(f"{'call-out to first delivery (s)':<36} " + " ".join(
        f"{times[c][0]:>10.2f}" for c in expected))  # fmt: skip
    print(f"{'call-out to last delivery (s)':<36} " + " ".join(
        f"{times[c][1]:>10.2f}" for c in expected))  # fmt: skip
    print(f"{'in-app inbox copies':<36} {inbox:>10,}")
    print(f"{'deliveries not sent':<36} {unsent or 'none'}")
    print(f"{'workers peak RSS (MB)':<36} {watch.peak_total_kb / 1024:>10.1f}")
    print(f"{'messages beyond one per volunteer':<36} {duplicates:>10}")
    print(f"load average at end: {loadavg()}")
    print(f"RESULT first_delivery_s={first:.2f} last_delivery_s={last:.2f} duplicates={duplicates}")
    if duplicates or unsent:
        raise SystemExit("not exactly one delivery per volunteer and channel")


if __name__ == "__main__":
    main()
