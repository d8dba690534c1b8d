"""Consultation managers' screens: consultations and their documents, questionnaires,
draft documents, response reports, and the actions that publish results and make new
versions. Questions are frozen once a consultation has a response.

One module per admin area; importing them here registers them when the admin loads the app:

- ``consultations``: ``ConsultationAdmin`` with its documents and questionnaire inline;
- ``questions``: ``QuestionAdmin`` with its choices inline, and the question form;
- ``drafts``: draft documents, their sections and paragraphs, and response reports;
- ``common``: who may use the screens and the frozen-questionnaire check.
"""

from consultations.admin import consultations, drafts, questions  # noqa: F401  (registers them)
