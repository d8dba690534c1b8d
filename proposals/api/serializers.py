"""Serializers of the ideas API: output shapes, and input parsing for the services."""

from __future__ import annotations

from rest_framework import serializers

from proposals.models import (
    BODY_MAX_LENGTH,
    POINT_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Idea,
    IdeaStatus,
    IdeaVote,
    Point,
    PointRating,
)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description"]


class IdeaSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()
    my_vote = serializers.CharField(read_only=True, allow_null=True, default=None)
    image = serializers.SerializerMethodField()

    class Meta:
        model = Idea
        fields = [
            "id",
            "url",
            "title",
            "body",
            "body_html",
            "category",
            "area",
            "latitude",
            "longitude",
            "image",
            "image_description",
            "status",
            "official_response",
            "responded_at",
            "forwarded_at",
            "archived_at",
            "merged_into",
            "support_count",
            "oppose_count",
            "points_for_count",
            "points_against_count",
            "created_at",
            "my_vote",
        ]
        read_only_fields = fields

    def get_url(self, idea: Idea) -> str:
        return idea.get_absolute_url()

    def get_image(self, idea: Idea) -> str | None:
        return idea.image.url if idea.image else None


class PointSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(read_only=True)

    class Meta:
        model = Point
        fields = [
            "id",
            "side",
            "text",
            "author_name",
            "helpful_count",
            "unhelpful_count",
            "created_at",
        ]
        read_only_fields = fields


class IdeaDetailSerializer(IdeaSerializer):
    author_name = serializers.CharField(read_only=True)
    points_for = PointSerializer(many=True, read_only=True)
    points_against = PointSerializer(many=True, read_only=True)

    class Meta(IdeaSerializer.Meta):
        fields = [*IdeaSerializer.Meta.fields, "author_name", "points_for", "points_against"]
        read_only_fields = fields


class IdeaCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, allow_blank=True)
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, allow_blank=True)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    area = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Idea._meta.get_field("area").related_model.objects.all(),
        required=False,
        allow_null=True,
    )
    latitude = serializers.DecimalField(
        max_digits=8, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    image = serializers.FileField(required=False, allow_null=True)
    image_description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VoteSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=IdeaVote.Value.choices)


class VoteStateSerializer(serializers.Serializer):
    my_vote = serializers.CharField(allow_null=True)
    support_count = serializers.IntegerField()
    oppose_count = serializers.IntegerField()


class PointCreateSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Point.Side.choices)
    text = serializers.CharField(max_length=POINT_MAX_LENGTH, allow_blank=True)


class PointRateSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=PointRating.Value.choices)


class StatusSetSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(IdeaStatus.choices))
    official_response = serializers.CharField(
        max_length=RESPONSE_MAX_LENGTH, required=False, allow_blank=True
    )
    merged_into = serializers.IntegerField(required=False, allow_null=True)
