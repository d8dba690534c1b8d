from rest_framework import serializers

from civicportal.accounts.models import Area, User


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "name", "slug", "description", "boundary"]


class ProfileSerializer(serializers.ModelSerializer):
    home_area = serializers.SlugRelatedField(
        slug_field="slug", queryset=Area.objects.all(), allow_null=True, required=False
    )
    is_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "email",
            "display_name",
            "preferred_language",
            "home_area",
            "is_verified",
            "date_joined",
        ]
        read_only_fields = ["email", "is_verified", "date_joined"]


class ApiTokenStatusSerializer(serializers.Serializer):
    """Whether the user has a token. The key itself is shown only when it is created."""

    exists = serializers.BooleanField()
    created = serializers.DateTimeField(allow_null=True)


class ApiTokenSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="Send it as `Authorization: Token <key>`. It is shown only this once."
    )
    created = serializers.DateTimeField()
