"""The ideas API: public reads, residents' actions and staff's status change, through the
same selectors and services as the pages (service errors become 400s in one handler)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicportal.accounts.models import Area
from proposals import selectors, services
from proposals.api.serializers import (
    CategorySerializer,
    IdeaCreateSerializer,
    IdeaDetailSerializer,
    IdeaSerializer,
    PointCreateSerializer,
    PointRateSerializer,
    PointSerializer,
    StatusSetSerializer,
    VoteSerializer,
    VoteStateSerializer,
)
from proposals.models import Category, Idea, IdeaStatus, Point


def _idea(request, pk: int) -> Idea:
    try:
        return selectors.idea_get(viewer=request.user, pk=pk)
    except Idea.DoesNotExist:
        raise Http404 from None


LIST_PARAMETERS = [
    OpenApiParameter("sort", str, enum=list(selectors.SORTS), description="Default: random."),
    OpenApiParameter("seed", int, description="The random order's seed; keep it while paging."),
    OpenApiParameter("category", str, description="A category slug."),
    OpenApiParameter("area", str, description="An area slug."),
    OpenApiParameter("status", str, enum=[s for s in IdeaStatus.values if s != "merged"]),
    OpenApiParameter("q", str, description="Full-text search in titles and descriptions."),
]


@extend_schema(tags=["ideas"])
class IdeaListApi(generics.ListAPIView):
    """Ideas shown on the list (not hidden, archived or merged), filtered and sorted."""

    serializer_class = IdeaSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database
            return Idea.objects.none()
        params = self.request.query_params
        category_slug, area_slug = params.get("category", ""), params.get("area", "")
        category = Category.objects.filter(slug=category_slug).first() if category_slug else None
        area = Area.objects.filter(slug=area_slug).first() if area_slug else None
        seed = params.get("seed", "")
        return selectors.idea_list(
            viewer=self.request.user,
            sort=params.get("sort", selectors.DEFAULT_SORT),
            seed=int(seed) if seed.isdigit() else 0,
            category=category,
            area=area,
            status=params.get("status", ""),
            query=params.get("q", ""),
            deferred=selectors.API_LIST_DEFERRED,
        )

    @extend_schema(parameters=LIST_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={
            "multipart/form-data": IdeaCreateSerializer,
            "application/json": IdeaCreateSerializer,
        },
        responses={201: IdeaSerializer},
        summary="Post an idea",
    )
    def post(self, request):
        serializer = IdeaCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        idea = services.idea_create(
            author=request.user,
            title=data["title"],
            body=data["body"],
            category=data["category"],
            area=data.get("area"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            image=data.get("image"),
            image_description=data.get("image_description", ""),
        )
        return Response(IdeaSerializer(idea).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["ideas"])
class IdeaDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: IdeaDetailSerializer}, summary="An idea with its points")
    def get(self, request, pk: int):
        idea = _idea(request, pk)
        columns = selectors.idea_points(viewer=request.user, idea=idea)
        idea.points_for, idea.points_against = columns.points_for, columns.points_against
        idea.my_vote = selectors.idea_vote_of(viewer=request.user, idea=idea)
        return Response(IdeaDetailSerializer(idea).data)


@extend_schema(tags=["ideas"])
class IdeaVoteApi(APIView):
    """Support or oppose (again to change the vote); DELETE withdraws it."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=VoteSerializer, responses={200: VoteStateSerializer}, summary="Vote")
    def post(self, request, pk: int):
        idea = _idea(request, pk)
        serializer = VoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vote = services.idea_vote(
            user=request.user, idea=idea, value=serializer.validated_data["value"]
        )
        return Response(_vote_state(idea, vote.value))

    @extend_schema(request=None, responses={200: VoteStateSerializer}, summary="Withdraw a vote")
    def delete(self, request, pk: int):
        idea = _idea(request, pk)
        services.idea_vote_withdraw(user=request.user, idea=idea)
        return Response(_vote_state(idea, None))


def _vote_state(idea: Idea, value: str | None) -> dict:
    return {
        "my_vote": value,
        "support_count": idea.support_count,
        "oppose_count": idea.oppose_count,
    }


@extend_schema(tags=["ideas"])
class PointCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PointCreateSerializer, responses={201: PointSerializer}, summary="Add a point"
    )
    def post(self, request, pk: int):
        idea = _idea(request, pk)
        serializer = PointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        point = services.point_add(author=request.user, idea=idea, **serializer.validated_data)
        return Response(PointSerializer(point).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["ideas"])
class PointRateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PointRateSerializer, responses={200: PointSerializer}, summary="Rate a point"
    )
    def post(self, request, pk: int):
        try:
            point = selectors.point_get(pk=pk)
        except Point.DoesNotExist:
            raise Http404 from None
        serializer = PointRateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.point_rate(
            user=request.user, point=point, value=serializer.validated_data["value"]
        )
        return Response(PointSerializer(point).data)


@extend_schema(tags=["ideas"])
class IdeaStatusApi(APIView):
    """Staff: set the status with the official response (``merged`` needs ``merged_into``)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=StatusSetSerializer, responses={200: IdeaSerializer}, summary="Set the status"
    )
    def post(self, request, pk: int):
        idea = _idea(request, pk)
        serializer = StatusSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["status"] == IdeaStatus.MERGED:
            target = data.get("merged_into")
            if not target:
                raise ValidationError({"merged_into": _("Name the idea to merge this one into.")})
            services.idea_merge(
                actor=request.user,
                source=idea,
                target=_idea(request, target),
                response=data.get("official_response", ""),
            )
        else:
            services.idea_status_set(
                actor=request.user,
                idea=idea,
                status=data["status"],
                response=data.get("official_response", ""),
            )
        idea.refresh_from_db()
        return Response(IdeaSerializer(idea).data)


@extend_schema(tags=["ideas"])
class CategoryListApi(generics.ListAPIView):
    serializer_class = CategorySerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return selectors.category_list()
