"""The consultations API's representations."""

from __future__ import annotations

from rest_framework import serializers

from civicportal.core.rendering import markdown_render
from consultations.models import Choice, Consultation, Document, Question, Response
from consultations.services import ANSWER_FORMAT


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["title", "kind", "size", "url"]

    def get_url(self, obj: Document) -> str:
        return obj.file.url


class ConsultationSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    summary_html = serializers.SerializerMethodField()
    phase = serializers.CharField(read_only=True)
    results_published = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "slug",
            "title",
            "summary",
            "summary_html",
            "area",
            "opens_at",
            "closes_at",
            "phase",
            "audience",
            "results_public_after_close",
            "results_published",
            "url",
        ]

    def get_summary_html(self, obj: Consultation) -> str:
        return markdown_render(obj.summary)

    def get_results_published(self, obj: Consultation) -> bool:
        return obj.results_are_public


class ConsultationDetailSerializer(ConsultationSerializer):
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta(ConsultationSerializer.Meta):
        fields = [*ConsultationSerializer.Meta.fields, "documents"]


class ChoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Choice
        fields = ["id", "label"]


class QuestionSerializer(serializers.ModelSerializer):
    choices = ChoiceSerializer(many=True, read_only=True)
    depends_on_choices = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    answer_format = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "order",
            "text",
            "help_text",
            "kind",
            "required",
            "choices",
            "allow_other",
            "allow_comment",
            "max_length",
            "rating_min",
            "rating_max",
            "rating_min_label",
            "rating_max_label",
            "depends_on",
            "depends_on_choices",
            "depends_on_answer",
            "answer_format",
        ]

    def get_answer_format(self, obj: Question) -> str:
        return ANSWER_FORMAT[obj.kind]


class ResponseSubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.DictField(),
        help_text=(
            'Answers by question id, e.g. {"12": {"choice": 40}, "13": {"text": "..."}}; '
            "see each question's answer_format."
        ),
    )


class ResponseSerializer(serializers.ModelSerializer):
    answers = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = ["created_at", "updated_at", "revision", "answers"]

    def get_answers(self, obj: Response) -> dict:
        from consultations.selectors import question_list, response_answers_as_input

        questions = self.context.get("questions") or question_list(consultation=obj.consultation)
        return {str(k): v for k, v in response_answers_as_input(obj, questions).items()}


class ResultRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.FloatField()
    average_rank = serializers.CharField(source="extra")


class QuestionResultSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    text = serializers.CharField(source="question.text")
    kind = serializers.CharField(source="question.kind")
    answered = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    rows = ResultRowSerializer(many=True)


class ResultsSerializer(serializers.Serializer):
    responses = serializers.IntegerField()
    questions = QuestionResultSerializer(many=True)
