"""Draft documents: their sections and paragraphs, with the paragraphs' comment counts."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch
from django.http import Http404

from civicportal.core.models import Comment, ModerationState
from consultations.models import Consultation, DraftDocument, Paragraph, Section


def draft_list(*, consultation: Consultation) -> list[DraftDocument]:
    return list(consultation.drafts.all())


def draft_get(*, consultation: Consultation, draft_id: int) -> DraftDocument:
    """A draft with its sections and paragraphs; each paragraph gets ``comment_count``.

    Four queries, whatever the draft's length (the counts are one GROUP BY).
    """
    draft = (
        consultation.drafts.prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.prefetch_related(
                    Prefetch("paragraphs", queryset=Paragraph.objects.order_by("order", "id"))
                ).order_by("order", "id"),
            )
        )
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise Http404
    paragraph_ids = [p.pk for s in draft.sections.all() for p in s.paragraphs.all()]
    counts = dict(
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(Paragraph),
            object_id__in=paragraph_ids,
            moderation_state=ModerationState.VISIBLE,
            deleted_at__isnull=True,
        )
        .values_list("object_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for section in draft.sections.all():
        for paragraph in section.paragraphs.all():
            paragraph.comment_count = counts.get(paragraph.pk, 0)
    return draft


def paragraph_get(*, viewer, paragraph_id: int) -> Paragraph:
    paragraph = (
        Paragraph.objects.select_related("section__draft__consultation__area")
        .filter(pk=paragraph_id)
        .first()
    )
    if paragraph is None or not viewer.has_perm(
        "consultations.view_consultation", paragraph.section.draft.consultation
    ):
        raise Http404
    return paragraph
