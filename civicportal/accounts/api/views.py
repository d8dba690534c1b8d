from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicportal.accounts import services
from civicportal.accounts.api.serializers import (
    ApiTokenSerializer,
    ApiTokenStatusSerializer,
    AreaSerializer,
    ProfileSerializer,
)
from civicportal.accounts.models import Area
from civicportal.kernel.api.authentication import request_second_factor
from civicportal.kernel.models import ApiToken
from civicportal.kernel.services import api_token_get, api_token_revoke, api_token_rotate


@extend_schema(tags=["areas"])
class AreaListApi(generics.ListAPIView):
    """The council's areas (neighbourhoods and districts)."""

    queryset = Area.objects.all()
    serializer_class = AreaSerializer
    permission_classes = [permissions.AllowAny]
    search_fields = ["name"]
    ordering_fields = ["name"]


@extend_schema(tags=["areas"])
class AreaDetailApi(generics.RetrieveAPIView):
    """One area, with its GeoJSON boundary when the council has drawn one."""

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


@extend_schema(tags=["profile"])
class ApiTokenApi(APIView):
    """The signed-in user's personal API token: see whether one works, rotate or revoke it.

    Tokens expire (90 days for residents, 12 hours for staff, by default) and stop working
    when the account's password, two-factor authentication or roles change. Staff actions
    need a token created from a sign-in that passed two-factor authentication.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ApiTokenStatusSerializer, summary="Whether you have an API token")
    def get(self, request):
        token = api_token_get(user=request.user)
        data = {
            "exists": token is not None,
            "created": token.created_at if token else None,
            "expiry": token.expires_at if token else None,
            "second_factor": token.second_factor if token else None,
        }
        return Response(ApiTokenStatusSerializer(data).data)

    @extend_schema(
        request=None,
        responses={201: ApiTokenSerializer},
        summary="Create or rotate your API token",
        description=(
            "Creates a new token; any previous token stops working at once. Asked with a "
            "token, the new one expires no later than the one used."
        ),
    )
    def post(self, request):
        used = request.auth if isinstance(request.auth, ApiToken) else None
        token, key = api_token_rotate(
            user=request.user,
            second_factor=request_second_factor(request),
            expires_by=used.expires_at if used else None,
        )
        data = ApiTokenSerializer(
            {
                "key": key,
                "created": token.created_at,
                "expiry": token.expires_at,
                "second_factor": token.second_factor,
            }
        ).data
        # The key is a password: no cache between here and the client may keep it.
        return Response(data, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The token no longer works.")},
        summary="Revoke your API token",
    )
    def delete(self, request):
        api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
