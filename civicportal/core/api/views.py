"""The participation pieces in the API: comments of an item, and reporting an item.

Items are named as on the pages: ``/api/v1/items/<type>/<id>/`` with ``type`` the
registered key (``proposals.idea``). Writes call the same services as the pages; hidden
items and comments are not found here either.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicportal.core import selectors, services, targets
from civicportal.core.api.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    FlagCreatedSerializer,
    FlagCreateSerializer,
)
from civicportal.core.models import Comment


def _item(request, key: str, object_id: int, feature: str):
    try:
        return targets.target_resolve(key, object_id, viewer=request.user, feature=feature)
    except ObjectDoesNotExist:
        raise Http404 from None


@extend_schema(tags=["comments"])
class CommentListApi(generics.ListAPIView):
    """The comments shown on an item, oldest first; replies carry their ``parent``."""

    serializer_class = CommentSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filter_backends: list = []

    def get_queryset(self):
        item = _item(self.request, self.kwargs["target"], self.kwargs["object_id"], "comments")
        return selectors.comment_list(target=item)

    @extend_schema(
        request=CommentCreateSerializer,
        responses={201: CommentSerializer},
        summary="Post a comment or a reply",
    )
    def post(self, request, target: str, object_id: int):
        item = _item(request, target, object_id, "comments")
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        if serializer.validated_data.get("parent"):
            parent = Comment.objects.filter(pk=serializer.validated_data["parent"]).first()
            if parent is None:
                raise serializers.ValidationError(
                    {"parent": [_("There is no such comment to reply to.")]}
                )
        comment = services.comment_create(
            author=request.user, target=item, body=serializer.validated_data["body"], parent=parent
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["comments"])
class FlagCreateApi(APIView):
    """Report an item or a comment (type ``core.comment``) to the moderators."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=FlagCreateSerializer,
        responses={201: FlagCreatedSerializer},
        summary="Report an item",
    )
    def post(self, request, target: str, object_id: int):
        item = _item(request, target, object_id, "flags")
        serializer = FlagCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.flag_create(
            reporter=request.user,
            target=item,
            reason=serializer.validated_data["reason"],
            details=serializer.validated_data.get("details", ""),
        )
        return Response(
            {"detail": _("Thank you. The moderators will review what you reported.")},
            status=status.HTTP_201_CREATED,
        )
