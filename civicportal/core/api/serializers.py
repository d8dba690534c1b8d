from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from civicportal.core.models import Comment, Flag
from civicportal.core.models.comments import COMMENT_MAX_LENGTH


class CommentSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(read_only=True, help_text=_("Never an email address."))
    is_deleted = serializers.BooleanField(read_only=True)
    body_html = serializers.CharField(
        read_only=True, help_text=_("The Markdown rendered and sanitised; safe to insert.")
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "parent",
            "author_name",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "is_deleted",
        ]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text=_("Markdown."))
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("The comment to reply to; a reply to a reply joins its thread."),
    )


class FlagCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Flag.Reason.choices)
    details = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class FlagCreatedSerializer(serializers.Serializer):
    detail = serializers.CharField()
