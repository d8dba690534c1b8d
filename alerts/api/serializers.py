from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alerts import geometry
from alerts.models import (
    Alert,
    AlertMessage,
    CapStatus,
    Category,
    Certainty,
    ResponseType,
    Severity,
    Urgency,
)
from alerts.services import MessageContent, message_version
from alerts.validators import reject_control_characters
from civicportal.accounts.models import Area


def _max(name: str) -> int:
    return AlertMessage._meta.get_field(name).max_length


class TextGuardMixin:
    """Every text field (and every text item of a list) refuses control characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            target = getattr(field, "child", field)
            if isinstance(target, serializers.CharField):
                target.validators.append(reject_control_characters)


class MessageSerializer(serializers.ModelSerializer):
    areas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    cap_url = serializers.SerializerMethodField()

    class Meta:
        model = AlertMessage
        fields = [
            "identifier", "sender", "sent", "msg_type", "references", "note", "language",
            "category", "event", "response_type", "urgency", "severity", "certainty",
            "headline", "description", "instruction", "web", "contact", "onset", "expires",
            "second_language", "second_event", "second_headline", "second_description",
            "second_instruction", "areas", "area_description", "polygons", "circles", "cap_url",
        ]  # fmt: skip

    def get_cap_url(self, message: AlertMessage) -> str:
        request = self.context.get("request")
        url = message.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class AlertSerializer(serializers.ModelSerializer):
    messages = serializers.SerializerMethodField()
    in_force = serializers.BooleanField(source="is_in_force", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id", "status", "state", "headline", "severity", "first_published_at",
            "expires_at", "in_force", "messages",
        ]  # fmt: skip

    def get_messages(self, alert: Alert) -> list[dict]:
        timeline = getattr(alert, "timeline", None)
        if timeline is None:
            timeline = [m for m in alert.messages.all() if m.state == "published"]
        return MessageSerializer(timeline, many=True, context=self.context).data


class StaffMessageSerializer(MessageSerializer):
    """A message as staff see it, with its ``version``: what an approval names."""

    version = serializers.SerializerMethodField()

    class Meta(MessageSerializer.Meta):
        fields = [
            *MessageSerializer.Meta.fields, "id", "state", "author", "approver", "version",
        ]  # fmt: skip

    def get_version(self, message: AlertMessage) -> str:
        return message_version(message)


class StaffAlertSerializer(AlertSerializer):
    def get_messages(self, alert: Alert) -> list[dict]:
        return StaffMessageSerializer(alert.messages.all(), many=True, context=self.context).data


class MessageContentSerializer(TextGuardMixin, serializers.Serializer):
    """What an author writes; polygons and circles in CAP text form, one per list item."""

    headline = serializers.CharField(max_length=_max("headline"))
    event = serializers.CharField(max_length=_max("event"))
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    certainty = serializers.ChoiceField(choices=Certainty.choices)
    response_type = serializers.ChoiceField(choices=ResponseType.choices, default="Monitor")
    instruction = serializers.CharField(max_length=_max("instruction"))
    description = serializers.CharField(max_length=_max("description"))
    expires = serializers.DateTimeField()
    onset = serializers.DateTimeField(required=False, allow_null=True)
    web = serializers.URLField(required=False, allow_blank=True, default="")
    contact = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("contact")
    )
    areas = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Area.objects.all(), required=False
    )
    area_description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("area_description")
    )
    polygons = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    circles = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    second_language = serializers.ChoiceField(
        choices=[("", ""), *list(settings.LANGUAGES)], required=False, default=""
    )
    second_event = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("second_event")
    )
    second_headline = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("second_headline")
    )
    second_description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("second_description")
    )
    second_instruction = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("second_instruction")
    )

    def validate_polygons(self, value):
        return [list(map(list, r)) for r in geometry.polygons_parse("\n".join(value))]

    def validate_circles(self, value):
        return [list(c) for c in geometry.circles_parse("\n".join(value))]

    def content(self) -> MessageContent:
        data = dict(self.validated_data)
        data["areas"] = list(data.get("areas", []))
        return MessageContent(**data)


class DraftCreateSerializer(MessageContentSerializer):
    status = serializers.ChoiceField(choices=CapStatus.choices, default=CapStatus.ACTUAL)

    def content(self) -> MessageContent:
        data = dict(self.validated_data)
        data.pop("status")
        data["areas"] = list(data.get("areas", []))
        return MessageContent(**data)


class UpdateSerializer(MessageContentSerializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("note")
    )

    def content(self) -> MessageContent:
        data = dict(self.validated_data)
        data.pop("note")
        data["areas"] = list(data.get("areas", []))
        return MessageContent(**data)


class CancelSerializer(TextGuardMixin, serializers.Serializer):
    """The all-clear goes out at once in fixed words; ``note``, if given, waits for a second
    person's approval before it goes out as a further all-clear."""

    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=_max("note")
    )


class ApproveSerializer(serializers.Serializer):
    """The ``version`` of the message the approver reviewed (``StaffMessageSerializer``)."""

    version = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        error_messages={
            "invalid": _("Give the message's version as shown with it (64 hex digits)."),
            "required": _(
                "Say which version you reviewed: the message's version as shown with it."
            ),
        },
    )
