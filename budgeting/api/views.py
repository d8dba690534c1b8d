"""The budgeting API: public reads, and the resident's ballot through the same service."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from budgeting import selectors, services
from budgeting.api.serializers import (
    BallotCastSerializer,
    ProcessSerializer,
    ProjectSerializer,
    SubmissionSerializer,
    TallyResultSerializer,
)
from budgeting.models import Project


class RulesPermission(permissions.BasePermission):
    """django-rules behind DRF: the view names its ``permission_required`` and the object."""

    def has_permission(self, request, view) -> bool:
        perm = getattr(view, "permission_required", None)
        if perm is None:
            return True
        obj = view.get_permission_object()
        return request.user.has_perm(perm, obj)


@extend_schema(tags=["budgeting"])
class ProcessListApi(generics.ListAPIView):
    """Budget processes (drafts are not listed)."""

    serializer_class = ProcessSerializer
    permission_classes = [permissions.AllowAny]
    search_fields = ["title"]
    ordering_fields = ["created_at", "title"]
    filterset_fields = {"state": ["exact"]}

    def get_queryset(self):
        return selectors.process_list(viewer=self.request.user).prefetch_related("ballots__area")


@extend_schema(tags=["budgeting"])
class ProcessDetailApi(generics.RetrieveAPIView):
    serializer_class = ProcessSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        return selectors.process_get(viewer=self.request.user, slug=self.kwargs["slug"])


@extend_schema(tags=["budgeting"])
class ProjectListApi(generics.ListAPIView):
    """The projects of a process; filter with ?ballot=ID and ?feasibility=feasible."""

    serializer_class = ProjectSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        process = selectors.process_get(viewer=self.request.user, slug=self.kwargs["slug"])
        ballot = None
        ballot_id = self.request.query_params.get("ballot", "")
        if ballot_id.isdigit():
            ballot = selectors.ballot_get(process=process, ballot_id=int(ballot_id))
        feasibility = self.request.query_params.get("feasibility", "")
        if feasibility and feasibility not in Project.Feasibility.values:
            feasibility = ""
        return selectors.project_list(
            viewer=self.request.user, process=process, ballot=ballot, feasibility=feasibility
        )


@extend_schema(tags=["budgeting"])
class ProjectDetailApi(generics.RetrieveAPIView):
    serializer_class = ProjectSerializer
    permission_classes = [permissions.AllowAny]

    def get_object(self):
        process = selectors.process_get(viewer=self.request.user, slug=self.kwargs["slug"])
        return selectors.project_get(
            viewer=self.request.user, process=process, pk=self.kwargs["pk"]
        )


@extend_schema(tags=["budgeting"], responses=TallyResultSerializer(many=True))
class ResultsApi(APIView):
    """Stored results of every ballot under every rule, once published."""

    permission_classes = [RulesPermission]
    permission_required = "budgeting.view_results"

    def get_permission_object(self):
        self.process = selectors.process_get(viewer=self.request.user, slug=self.kwargs["slug"])
        return self.process

    def get(self, request, slug: str):
        tallies = [
            tally
            for result in selectors.results_for_process(process=self.process)
            for tally in result.by_rule.values()
        ]
        serializer = TallyResultSerializer(
            tallies, many=True, context={"currency": self.process.currency}
        )
        return Response(serializer.data)


@extend_schema(tags=["budgeting"])
class BallotCastApi(APIView):
    """Cast or replace your ballot (verified residents, while voting is open); GET shows it."""

    permission_classes = [permissions.IsAuthenticated, RulesPermission]
    permission_required = "budgeting.vote_ballot"

    def get_permission_object(self):
        process = selectors.process_get(viewer=self.request.user, slug=self.kwargs["slug"])
        self.ballot = selectors.ballot_get(process=process, ballot_id=self.kwargs["ballot_id"])
        return self.ballot

    @extend_schema(responses=SubmissionSerializer)
    def get(self, request, slug: str, ballot_id: int):
        submission = selectors.submission_get(ballot=self.ballot, voter=request.user)
        if submission is None:
            raise Http404("You have not voted on this ballot.")
        return Response(SubmissionSerializer(submission).data)

    @extend_schema(request=BallotCastSerializer, responses={201: SubmissionSerializer})
    def post(self, request, slug: str, ballot_id: int):
        serializer = BallotCastSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        selections = {s["project"]: s["points"] for s in serializer.validated_data["selections"]}
        submission = services.ballot_cast(
            actor=request.user, ballot=self.ballot, selections=selections
        )
        submission = selectors.submission_get(ballot=self.ballot, voter=request.user)
        code = status.HTTP_201_CREATED if submission.revision == 1 else status.HTTP_200_OK
        return Response(SubmissionSerializer(submission).data, status=code)
