from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from budgeting.models import (
    Ballot,
    BallotSubmission,
    BudgetProcess,
    Project,
    TallyProjectResult,
    TallyResult,
)
from budgeting.reasons import reason_text


class BallotSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Ballot
        fields = [
            "id",
            "name",
            "area",
            "kind",
            "budget",
            "max_choices",
            "min_choices",
            "points_total",
            "max_points_per_project",
        ]


class ProcessSerializer(serializers.ModelSerializer):
    ballots = BallotSerializer(many=True, read_only=True)
    phase = serializers.ChoiceField(
        source="state", choices=BudgetProcess.State.choices, read_only=True
    )
    voting_open = serializers.SerializerMethodField()

    class Meta:
        model = BudgetProcess
        fields = [
            "slug",
            "title",
            "description",
            "phase",
            "submission_opens",
            "review_opens",
            "voting_opens",
            "voting_closes",
            "results_on",
            "implementation_from",
            "tally_rule",
            "currency",
            "voting_open",
            "ballots",
        ]

    def get_voting_open(self, obj: BudgetProcess) -> bool:
        return obj.is_voting_open()


class ProjectSerializer(serializers.ModelSerializer):
    process = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "process",
            "ballot",
            "title",
            "description",
            "image",
            "image_description",
            "estimated_cost",
            "final_cost",
            "cost",
            "feasibility",
            "feasibility_reason",
            "submitted_at",
        ]


class TallyRowSerializer(serializers.ModelSerializer):
    reason = serializers.SerializerMethodField()
    title = serializers.CharField(source="project.title", read_only=True)

    class Meta:
        model = TallyProjectResult
        fields = ["project", "title", "selected", "votes", "cost", "position", "reason"]

    def get_reason(self, obj: TallyProjectResult) -> str:
        return reason_text(obj, self.context.get("currency", ""))


class TallyResultSerializer(serializers.ModelSerializer):
    rows = TallyRowSerializer(many=True, read_only=True)
    # Plain text: the schema has the enum once, on the process's tally_rule.
    rule = serializers.CharField(read_only=True, help_text="greedy, mes or mes-add1")

    class Meta:
        model = TallyResult
        fields = [
            "ballot",
            "rule",
            "checksum",
            "budget",
            "budget_used",
            "voter_count",
            "voter_budget_increment",
            "computed_at",
            "rows",
        ]


class SelectionInputSerializer(serializers.Serializer):
    project = serializers.IntegerField(min_value=1)
    points = serializers.IntegerField(min_value=0, default=1)


class BallotCastSerializer(serializers.Serializer):
    selections = SelectionInputSerializer(many=True, allow_empty=True)

    def validate_selections(self, value):
        seen = set()
        for item in value:
            if item["project"] in seen:
                raise serializers.ValidationError(
                    _("Project %(id)s is listed twice.") % {"id": item["project"]}
                )
            seen.add(item["project"])
        return value


class SubmissionSerializer(serializers.ModelSerializer):
    selections = serializers.SerializerMethodField()

    class Meta:
        model = BallotSubmission
        fields = [
            "id",
            "ballot",
            "channel",
            "counted",
            "submitted_at",
            "replaced_at",
            "revision",
            "selections",
        ]

    def get_selections(self, obj: BallotSubmission) -> list[dict]:
        return [{"project": s.project_id, "points": s.points} for s in obj.selections.all()]
