"""The stories API: public reads (published stories, campaigns) and residents' actions
(share a story, say thanks), through the same selectors and services as the pages; the
services' errors become 400s in the API's one exception handler."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicportal.accounts.models import Area
from community.models.stories import (
    PHOTO_DESCRIPTION_MAX_LENGTH,
    STORY_BODY_MAX_LENGTH,
    STORY_TITLE_MAX_LENGTH,
    Campaign,
    Story,
    StoryState,
)
from community.selectors import stories as selectors
from community.services import stories as services


class CampaignSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "slug", "name", "hashtag", "description", "is_active", "starts_on", "ends_on",
            "area", "url",
        ]  # fmt: skip


class StorySerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author_name = serializers.CharField(read_only=True)
    photo = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    state = serializers.ChoiceField(choices=StoryState.choices, read_only=True)

    class Meta:
        model = Story
        fields = [
            "id",
            "title",
            "body",
            "body_html",
            "area",
            "campaign",
            "author_name",
            "photo",
            "photo_description",
            "state",
            "published_at",
            "thanks_count",
            "url",
        ]

    def get_photo(self, story: Story) -> str | None:
        return story.photo.url if story.photo else None


class StoryCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=STORY_TITLE_MAX_LENGTH, allow_blank=True)
    body = serializers.CharField(max_length=STORY_BODY_MAX_LENGTH, allow_blank=True)
    area = serializers.SlugRelatedField(slug_field="slug", queryset=Area.objects.all())
    campaign = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Campaign.objects.all(),
        required=False,
        allow_null=True,
    )
    photo = serializers.FileField(required=False, allow_null=True)
    photo_description = serializers.CharField(
        max_length=PHOTO_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )


class ThanksSerializer(serializers.Serializer):
    thanked = serializers.BooleanField()
    added = serializers.BooleanField()
    thanks_count = serializers.IntegerField()


@extend_schema(tags=["stories"])
class StoryListApi(generics.ListAPIView):
    """Published stories, newest first; a resident shares a story with POST."""

    serializer_class = StorySerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database
            return Story.objects.none()
        params = self.request.query_params
        area = campaign = None
        if params.get("area"):
            area = Area.objects.filter(slug=params["area"]).first()
            if area is None:
                return Story.objects.none()
        if params.get("campaign"):
            campaign = Campaign.objects.filter(slug=params["campaign"]).first()
            if campaign is None:
                return Story.objects.none()
        return selectors.story_list_published(area=area, campaign=campaign)

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, description="An area slug."),
            OpenApiParameter("campaign", str, description="A campaign slug."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={
            "multipart/form-data": StoryCreateSerializer,
            "application/json": StoryCreateSerializer,
        },
        responses={201: StorySerializer},
        summary="Share a story (it waits for a moderator)",
    )
    def post(self, request):
        serializer = StoryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        story = services.story_submit(
            actor=request.user,
            title=data["title"],
            body=data["body"],
            area=data["area"],
            campaign=data.get("campaign"),
            photo=data.get("photo"),
            photo_description=data.get("photo_description", ""),
        )
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)


def _story(request, pk: int) -> Story:
    try:
        return selectors.story_get(viewer=request.user, pk=pk)
    except Story.DoesNotExist:
        raise Http404 from None


@extend_schema(tags=["stories"])
class StoryDetailApi(APIView):
    """A published story (or the viewer's own, whatever its state)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: StorySerializer}, summary="A story")
    def get(self, request, pk: int):
        return Response(StorySerializer(_story(request, pk)).data)


@extend_schema(tags=["stories"])
class StoryThankApi(APIView):
    """Say thanks for a published story; again changes nothing."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: ThanksSerializer}, summary="Say thanks")
    def post(self, request, pk: int):
        story, added = services.story_thank(actor=request.user, story=_story(request, pk))
        return Response({"thanked": True, "added": added, "thanks_count": story.thanks_count})


@extend_schema(tags=["stories"])
class CampaignListApi(generics.ListAPIView):
    serializer_class = CampaignSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.campaign_list()


@extend_schema(tags=["stories"])
class CampaignDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: CampaignSerializer}, summary="A campaign")
    def get(self, request, slug: str):
        try:
            campaign = selectors.campaign_get(slug=slug)
        except Campaign.DoesNotExist:
            raise Http404 from None
        return Response(CampaignSerializer(campaign).data)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class FeatureSerializer(serializers.Serializer):
    featured = serializers.BooleanField(default=True)


def _any_story(pk: int) -> Story:
    story = Story.objects.select_related("area", "campaign", "author").filter(pk=pk).first()
    if story is None:
        raise Http404
    return story


@extend_schema(tags=["stories"])
class StoryPendingListApi(generics.ListAPIView):
    """Moderators: the stories awaiting moderation, oldest first."""

    serializer_class = StorySerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Story.objects.none()
        if not self.request.user.has_perm("community.moderate_story"):
            raise exceptions.PermissionDenied
        return selectors.story_list_pending()


@extend_schema(tags=["stories"])
class StoryPublishApi(APIView):
    """Moderators: publish a story awaiting moderation (its author is told)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: StorySerializer}, summary="Publish a story")
    def post(self, request, pk: int):
        story = services.story_publish(actor=request.user, story=_any_story(pk))
        return Response(StorySerializer(story).data)


@extend_schema(tags=["stories"])
class StoryRejectApi(APIView):
    """Moderators: reject a story awaiting moderation, with the reason its author reads."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=RejectSerializer, responses={200: StorySerializer}, summary="Reject")
    def post(self, request, pk: int):
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        story = services.story_reject(
            actor=request.user, story=_any_story(pk), reason=serializer.validated_data["reason"]
        )
        return Response(StorySerializer(story).data)


@extend_schema(tags=["stories"])
class StoryFeatureApi(APIView):
    """Moderators: feature a published story on the home page (``featured: false`` ends it)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=FeatureSerializer, responses={200: StorySerializer}, summary="Feature")
    def post(self, request, pk: int):
        serializer = FeatureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        story = services.story_feature(
            actor=request.user,
            story=_any_story(pk),
            featured=serializer.validated_data["featured"],
        )
        return Response(StorySerializer(story).data)
