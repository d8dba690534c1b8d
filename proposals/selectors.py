"""Reads of idea proposals. Each list does a constant number of queries whatever its length.

Hidden ideas and points (``Moderatable.visible()``) never appear; lists show the ideas
that are neither archived nor merged, unless asked for the archive.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.db.models import ExpressionWrapper, F, OuterRef, Q, Subquery, Value

from civicportal.accounts.models import Area
from proposals.models import Category, Idea, IdeaStatus, IdeaVote, Point, PointRating

SORTS = {
    "random": "random",
    "top": "top",
    "newest": "newest",
    "trending": "trending",
    "debated": "debated",
}
DEFAULT_SORT = "random"
# A prime above any id we will see: the random order is a permutation of ids modulo it.
_PRIME = 2_147_483_647
SIMILAR_LIMIT = 5
LIST_DEFERRED = (
    "body_html",
    "official_response",
    "official_response_html",
    "image_description",
    "area__boundary",
    "area__description",
    "category__description",
)
SEARCH_CONFIG = "simple"  # no stemming: residents write in English and Icelandic alike


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def random_order(seed: int) -> models.Expression:
    """A stable pseudo-random order of ideas for one visitor: ``(id·a + b) mod p``.

    ``a`` and ``b`` come from the visitor's seed, so the same visitor sees the same order on
    every page (paging works), and each visitor a different one. Integer arithmetic on the
    row, no hashing function: cheap enough to sort the whole list.
    """
    digest = hashlib.sha256(str(seed).encode()).digest()
    multiplier = int.from_bytes(digest[:4], "big") % (_PRIME - 1) + 1
    offset = int.from_bytes(digest[4:8], "big") % _PRIME
    return ExpressionWrapper(
        (F("id") * Value(multiplier) + Value(offset)) % Value(_PRIME),
        output_field=models.BigIntegerField(),
    )


def _ordering(sort: str, seed: int) -> list:
    if sort == "top":
        return [F("support_count").desc(), F("id").desc()]
    if sort == "newest":
        return [F("created_at").desc(), F("id").desc()]
    if sort == "trending":
        return [F("trending_score").desc(), F("id").desc()]
    if sort == "debated":
        return [(F("points_for_count") + F("points_against_count")).desc(), F("id").desc()]
    return [random_order(seed).asc(), F("id").asc()]


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
) -> models.QuerySet[Idea]:
    """Visible ideas, filtered and sorted; ``my_vote`` is the viewer's vote (or None).

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
        # What a list card does not show stays in the database (a boundary can be large).
        .defer(*LIST_DEFERRED)
        .order_by(*_ordering(sort if sort in SORTS else DEFAULT_SORT, seed))
    )


def idea_page(ideas: models.QuerySet[Idea], *, number, per_page: int) -> Page:
    """Page ``number`` of ``ideas`` in three queries whatever its size: count, ids, rows.

    The sort runs on ids alone (an index-only scan of the list's partial index, even for
    the random order, which no index can hold), then the page's rows are fetched by id:
    sorting 100,000 narrow index entries is several times cheaper than sorting the rows.
    """
    page = Paginator(ideas.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {idea.pk: idea for idea in ideas.filter(pk__in=ids).order_by()}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


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

    Each point carries ``my_rating`` (the viewer's rating, or None).
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
        (columns.points_for if point.side == Point.Side.FOR else columns.points_against).append(
            point
        )
    return columns


def point_get(*, pk: int) -> Point:
    return Point.objects.visible().select_related("idea", "author").get(pk=pk)


def category_list() -> models.QuerySet[Category]:
    return Category.objects.order_by("order", "name")


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
