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
