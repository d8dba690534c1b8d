from django.utils.translation import gettext_lazy as _
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
    """Whether the user has a token that works. The key itself is shown only when it is
    created."""

    exists = serializers.BooleanField()
    created = serializers.DateTimeField(allow_null=True)
    expiry = serializers.DateTimeField(
        allow_null=True, help_text=_("When the token stops working; then create a new one.")
    )
    second_factor = serializers.BooleanField(
        allow_null=True,
        help_text=_(
            "Whether the token was created from a sign-in that passed two-factor "
            "authentication: staff actions through the API need it."
        ),
    )


class ApiTokenSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text=_("Send it as `Authorization: Token <key>`. It is shown only this once.")
    )
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(
        help_text=_(
            "When the token stops working (API_TOKEN_TTL_RESIDENT_DAYS after its creation, "
            "API_TOKEN_TTL_STAFF_HOURS for staff). It also stops working when the account's "
            "password, two-factor authentication or roles change."
        )
    )
    second_factor = serializers.BooleanField(
        help_text=_(
            "Whether the token was created from a sign-in that passed two-factor "
            "authentication: staff actions through the API need it."
        )
    )
