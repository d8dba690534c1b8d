"""Reads of idea proposals. Each list does a constant number of queries whatever its length.

Hidden ideas and points (``Moderatable.visible()``) never appear; lists show the ideas
that are neither archived nor merged, unless asked for the archive.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramSimilarity
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When

from civicportal.accounts.models import Area
from proposals.models import (
    SHUFFLE_KEY_SPAN,
    Category,
    Idea,
    IdeaStatus,
    IdeaVote,
    Point,
    PointRating,
)

SORTS = {
    "random": "random",
    "top": "top",
    "newest": "newest",
    "trending": "trending",
    "debated": "debated",
}
DEFAULT_SORT = "random"
SIMILAR_LIMIT = 5
# Left in the database by the list page: a card shows none of them (its text is the
# idea's ``summary``).
LIST_DEFERRED = (
    "body",
    "body_html",
    "official_response",
    "official_response_html",
    "image_description",
    "area__boundary",
    "area__description",
    "category__description",
)
# Left in the database by the API's list: it shows the idea's own fields (the answer as
# written, not its HTML) and only the slugs of its category and area.
API_LIST_DEFERRED = (
    "official_response_html",
    "area__boundary",
    "area__description",
    "category__description",
)
SEARCH_CONFIG = "simple"  # no stemming: residents write in English and Icelandic alike


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def shuffle_start(seed: int) -> int:
    """Where the random order starts for ``seed``: a shuffle key drawn from its hash.

    Hashed, so that neighbouring seeds (an API client counting 1, 2, 3) start far apart.
    """
    digest = hashlib.sha256(str(seed).encode()).digest()
    return int.from_bytes(digest[:8], "big") % SHUFFLE_KEY_SPAN


def random_order(seed: int) -> list:
    """A stable random order of ideas for one visitor: the shuffle, started at their point.

    Every idea drew a random ``shuffle_key`` when it was posted; the order runs through the
    ideas by that key from ``shuffle_start(seed)`` to the end, then from the beginning. The
    same seed gives the same order on every page (paging works), another seed starts it
    elsewhere, and every idea is as likely as any other to come first. ``idea_page`` reads
    a page of it as two range scans of the shuffle index; this expression is the order
    itself, for every other reader.
    """
    return [
        Case(
            When(shuffle_key__gte=shuffle_start(seed), then=Value(0)),
            default=Value(1),
            output_field=models.IntegerField(),
        ).asc(),
        F("shuffle_key").asc(),
        F("id").asc(),
    ]


def _ordering(sort: str, seed: int) -> list:
    if sort == "top":
        return [F("support_count").desc(), F("id").desc()]
    if sort == "newest":
        return [F("created_at").desc(), F("id").desc()]
    if sort == "trending":
        return [F("trending_score").desc(), F("id").desc()]
    if sort == "debated":
        return [(F("points_for_count") + F("points_against_count")).desc(), F("id").desc()]
    return random_order(seed)


def idea_list(
    *,
    viewer=None,
    sort: str = DEFAULT_SORT,
    seed: int = 0,
    category: Category | None = None,
    area: Area | None = None,
    status: str = "",
    query: str = "",
    archived: bool = False,
    deferred: tuple[str, ...] = LIST_DEFERRED,
) -> models.QuerySet[Idea]:
    """Visible ideas, filtered and sorted; ``my_vote`` is the viewer's vote (or None).

    ``deferred`` are the fields left in the database: by default what a list card does not
    show; a caller showing more (the API) names fewer, else each row loads them one by one.

    ``sort``: random (stable for ``seed``), top, newest, trending, debated. ``query`` is a
    full-text search on PostgreSQL (title and description), a plain substring match
    elsewhere.
    """
    ideas = Idea.objects.visible().filter(merged_into__isnull=True)
    ideas = ideas.filter(archived_at__isnull=not archived)
    if category is not None:
        ideas = ideas.filter(category=category)
    if area is not None:
        ideas = ideas.filter(area=area)
    if status and status in IdeaStatus.values and status != IdeaStatus.MERGED:
        ideas = ideas.filter(status=status)
    query = (query or "").strip()[:200]
    if query:
        if _postgres():
            # The same expression as the GIN index of migration 0002, so the index serves it.
            vector = SearchVector("title", "body", config=SEARCH_CONFIG)
            search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
            ideas = ideas.annotate(search=vector).filter(search=search)
        else:
            ideas = ideas.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if viewer is not None and viewer.is_authenticated:
        ideas = ideas.annotate(
            my_vote=Subquery(
                IdeaVote.objects.filter(idea=OuterRef("pk"), user=viewer).values("value")[:1]
            )
        )
    else:
        ideas = ideas.annotate(my_vote=Value(None, output_field=models.CharField()))
    return (
        ideas.select_related("category", "area")
        # What the caller does not show stays in the database (a boundary can be large).
        .defer(*deferred)
        .order_by(*_ordering(sort if sort in SORTS else DEFAULT_SORT, seed))
    )


def idea_page(
    ideas: models.QuerySet[Idea], *, number, per_page: int, seed: int | None = None
) -> Page:
    """Page ``number`` of ``ideas`` in three queries at most whatever its size: count (often
    from the cache), ids, rows.

    The sort runs on ids alone (an index-only scan of the list's partial index), then the
    page's rows are fetched by id. ``seed`` says that ``ideas`` is in the random order of
    that seed (``random_order``): on PostgreSQL the page's ids then come from two range
    scans of the shuffle index, from the seed's start point on and from the beginning,
    each stopped after the page's last place, instead of sorting every idea.

    The count is the one query that reads every matching idea (about 6 ms for 100,000),
    and the pager needs no more than a recent figure: it is kept in the cache for
    ``PROPOSALS_LIST_COUNT_SECONDS``, keyed by the counting query itself, so each filter
    (never a viewer) has its own.
    """
    ids = ideas.values_list("pk", flat=True)
    paginator = Paginator(ids, per_page)
    paginator.count = _count(ids)
    page = paginator.get_page(number)
    if (
        seed is not None
        and page.paginator.count
        and connection.features.supports_slicing_ordering_in_compound
    ):
        ids = _shuffled_ids(ideas, seed=seed, start=page.start_index() - 1, stop=page.end_index())
    else:
        ids = list(page.object_list)
    rows = {idea.pk: idea for idea in ideas.filter(pk__in=ids).order_by()}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def _count(ids: models.QuerySet) -> int:
    seconds = settings.PROPOSALS_LIST_COUNT_SECONDS
    if seconds <= 0:
        return ids.count()
    sql, params = ids.order_by().query.sql_with_params()
    key = "proposals:list-count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    return cache.get_or_set(key, ids.count, timeout=seconds)


def _shuffled_ids(ideas: models.QuerySet[Idea], *, seed: int, start: int, stop: int) -> list[int]:
    """Ids at places ``start`` to ``stop`` (excluded) of ``ideas`` in ``seed``'s random order."""
    point = shuffle_start(seed)
    ids = ideas.order_by().values_list("pk", "shuffle_key")
    parts = [
        ids.filter(condition).annotate(part=Value(part)).order_by("shuffle_key", "pk")[:stop]
        for part, condition in enumerate((Q(shuffle_key__gte=point), Q(shuffle_key__lt=point)))
    ]
    both = parts[0].union(parts[1], all=True).order_by("part", "shuffle_key", "pk")
    return [pk for pk, *_order in both[start:stop]]


def idea_get(*, viewer=None, pk: int) -> Idea:
    """A visible idea (archived and merged ones too); raises ``Idea.DoesNotExist``."""
    return (
        Idea.objects.visible()
        .select_related("category", "area", "author", "merged_into", "responded_by")
        .get(pk=pk)
    )


def idea_vote_of(*, viewer, idea: Idea) -> str | None:
    if not (viewer and viewer.is_authenticated):
        return None
    return IdeaVote.objects.filter(idea=idea, user=viewer).values_list("value", flat=True).first()


@dataclass
class PointColumns:
    points_for: list[Point]
    points_against: list[Point]


def idea_points(*, viewer=None, idea: Idea) -> PointColumns:
    """The idea's visible points, for and against, most helpful first (one query).

    Each point carries ``my_rating`` (the viewer's rating, or None) and ``idea`` itself, so
    a point's links to its idea's page load nothing more.
    """
    points = (
        Point.objects.visible()
        .filter(idea=idea)
        .select_related("author")
        .annotate(helpfulness_rank=F("helpful_count") - F("unhelpful_count"))
        .order_by("-helpfulness_rank", "-helpful_count", "created_at", "id")
    )
    if viewer is not None and viewer.is_authenticated:
        points = points.annotate(
            my_rating=Subquery(
                PointRating.objects.filter(point=OuterRef("pk"), user=viewer).values("value")[:1]
            )
        )
    else:
        points = points.annotate(my_rating=Value(None, output_field=models.CharField()))
    columns = PointColumns(points_for=[], points_against=[])
    for point in points:
        point.idea = idea
        (columns.points_for if point.side == Point.Side.FOR else columns.points_against).append(
            point
        )
    return columns


def point_get(*, pk: int) -> Point:
    return Point.objects.visible().select_related("idea", "author").get(pk=pk)


def category_list() -> models.QuerySet[Category]:
    return Category.objects.order_by("order", "name")


def area_list() -> models.QuerySet[Area]:
    """Areas for the list's filter: names only (a boundary can weigh hundreds of kB)."""
    return Area.objects.only("id", "name", "slug").order_by("name")


def idea_similar(*, title: str, exclude: int | None = None) -> list[Idea]:
    """Up to ``SIMILAR_LIMIT`` visible ideas whose titles resemble ``title``.

    Trigram similarity on PostgreSQL (the ``%`` operator uses the title's trigram index);
    elsewhere, titles sharing a word of four letters or more.
    """
    title = " ".join((title or "").split())[:140]
    if len(title) < 4:
        return []
    ideas = Idea.objects.visible().filter(merged_into__isnull=True)
    if exclude:
        ideas = ideas.exclude(pk=exclude)
    if _postgres():
        ideas = (
            ideas.filter(TrigramSimilar(F("title"), Value(title)))
            .annotate(similarity=TrigramSimilarity("title", title))
            .order_by("-similarity", "-support_count")
        )
    else:
        words = [w for w in title.split() if len(w) >= 4][:8]
        if not words:
            return []
        match = Q()
        for word in words:
            match |= Q(title__icontains=word)
        ideas = ideas.filter(match).order_by("-support_count", "-id")
    return list(ideas.only("id", "title", "status", "support_count")[:SIMILAR_LIMIT])


@dataclass
class ForwardedSummary:
    ideas: list[Idea]
    answered: int
    waiting: int
    median_days: float | None


def forwarded_list() -> ForwardedSummary:
    """Every idea forwarded to the council, newest first, with how long answers took."""
    ideas = list(
        Idea.objects.visible()
        .filter(forwarded_at__isnull=False)
        .select_related("category", "area", "merged_into")
        .order_by("-forwarded_at", "-id")
    )
    days = [idea.response_days for idea in ideas if idea.response_days is not None]
    return ForwardedSummary(
        ideas=ideas,
        answered=len(days),
        waiting=len(ideas) - len(days),
        median_days=statistics.median(days) if days else None,
    )


def home_ideas(*, limit: int = 3) -> list[Idea]:
    """The most supported open ideas, for the home page."""
    return list(
        idea_list(sort="top").filter(status__in=[IdeaStatus.SUBMITTED, IdeaStatus.UNDER_REVIEW])[
            :limit
        ]
    )
