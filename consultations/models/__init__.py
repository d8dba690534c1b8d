"""The consultations app's models, by subdomain; import them from here.

- ``consultations``: a consultation and its documents;
- ``questions``: its questionnaire (questions, their choices, conditional display);
- ``responses``: residents' responses and their answers;
- ``drafts``: draft documents split into sections and paragraphs, and the response report.
"""

from consultations.models.consultations import Audience, Consultation, Document
from consultations.models.drafts import DraftDocument, Paragraph, ResponseReport, Section
from consultations.models.questions import Choice, Question
from consultations.models.responses import Answer, Response

__all__ = [
    "Answer",
    "Audience",
    "Choice",
    "Consultation",
    "Document",
    "DraftDocument",
    "Paragraph",
    "Question",
    "Response",
    "ResponseReport",
    "Section",
]
