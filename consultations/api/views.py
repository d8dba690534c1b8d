"""The consultations API: public reads, published results, and the resident's response
through the same service (and the same checks) as the questionnaire page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civicportal.accounts.models import Area
from consultations import selectors, services
from consultations.api.serializers import (
    ConsultationDetailSerializer,
    ConsultationSerializer,
    QuestionSerializer,
    ResponseSerializer,
    ResponseSubmitSerializer,
    ResultsSerializer,
)
from consultations.models import Consultation


class ConsultationApiMixin:
    def get_consultation(self) -> Consultation:
        if not hasattr(self, "_consultation"):
            self._consultation = selectors.consultation_get(
                viewer=self.request.user, slug=self.kwargs["slug"]
            )
        return self._consultation


@extend_schema(
    tags=["consultations"],
    parameters=[
        OpenApiParameter("phase", str, enum=["open", "upcoming", "closed"]),
        OpenApiParameter("area", str, description="An area's slug."),
    ],
)
class ConsultationListApi(generics.ListAPIView):
    """Published consultations; ``?phase=open|upcoming|closed`` and ``?area=<slug>``."""

    serializer_class = ConsultationSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        phase = self.request.query_params.get("phase", "")
        area = None
        if self.request.query_params.get("area"):
            area = Area.objects.filter(slug=self.request.query_params["area"]).first()
        queryset = selectors.consultation_list(viewer=self.request.user, phase=phase, area=area)
        if phase not in Consultation.Phase.values:
            queryset = queryset.order_by("-opens_at", "-id")
        return queryset


@extend_schema(tags=["consultations"])
class ConsultationDetailApi(ConsultationApiMixin, generics.RetrieveAPIView):
    serializer_class = ConsultationDetailSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        return self.get_consultation()


@extend_schema(tags=["consultations"])
class QuestionListApi(ConsultationApiMixin, generics.ListAPIView):
    """The questionnaire, in order, with choices, conditions and each answer's format."""

    serializer_class = QuestionSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.question_list(consultation=self.get_consultation())


@extend_schema(tags=["consultations"])
class ResultsApi(ConsultationApiMixin, APIView):
    """Counts per question, once the council has published them (staff: live)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: ResultsSerializer})
    def get(self, request, slug: str):
        consultation = self.get_consultation()
        if not request.user.has_perm("consultations.view_results", consultation):
            raise exceptions.PermissionDenied(
                _("The results of this consultation are not published yet.")
            )
        results = selectors.results_get(consultation=consultation, samples=False)
        return Response(ResultsSerializer(results).data)


@extend_schema(tags=["consultations"])
class ResponseApi(ConsultationApiMixin, APIView):
    """The signed-in resident's own response: read it, send it, or replace it."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ResponseSerializer}, summary="My response")
    def get(self, request, slug: str):
        response = selectors.response_get(consultation=self.get_consultation(), user=request.user)
        if response is None:
            raise Http404
        return Response(ResponseSerializer(response).data)

    @extend_schema(
        request=ResponseSubmitSerializer,
        responses={201: ResponseSerializer, 200: ResponseSerializer},
        summary="Send or replace my response",
    )
    def post(self, request, slug: str):
        serializer = ResponseSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            response = services.response_submit(
                consultation=self.get_consultation(),
                user=request.user,
                answers=serializer.validated_data["answers"],
            )
        except PermissionDenied as error:
            # The reason (closed, not in the audience...) is the resident's answer.
            raise exceptions.PermissionDenied(str(error)) from None
        code = status.HTTP_201_CREATED if response.revision == 1 else status.HTTP_200_OK
        return Response(ResponseSerializer(response).data, status=code)

    @extend_schema(
        request=ResponseSubmitSerializer,
        responses={200: ResponseSerializer},
        summary="Replace my response",
    )
    def put(self, request, slug: str):
        return self.post(request, slug)
