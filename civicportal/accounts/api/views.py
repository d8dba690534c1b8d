from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions

from civicportal.accounts import services
from civicportal.accounts.api.serializers import AreaSerializer, ProfileSerializer
from civicportal.accounts.models import Area


class AreaListApi(generics.ListAPIView):
    """The council's areas (neighbourhoods and districts)."""

    queryset = Area.objects.all()
    serializer_class = AreaSerializer
    permission_classes = [permissions.AllowAny]
    search_fields = ["name"]
    ordering_fields = ["name"]


class AreaDetailApi(generics.RetrieveAPIView):
    queryset = Area.objects.all()
    serializer_class = AreaSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"


@extend_schema(tags=["profile"])
class ProfileApi(generics.RetrieveUpdateAPIView):
    """The signed-in user's own profile."""

    serializer_class = ProfileSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        services.profile_update(user=self.request.user, **serializer.validated_data)
