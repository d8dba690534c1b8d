"""Reads of the consultations app, by subdomain; import them from here.

- ``consultations``: the lists, a consultation's page, its questionnaire, the viewer's
  response and the published report;
- ``drafts``: draft documents with their sections and paragraphs (and comment counts);
- ``results``: counts per question in a constant number of queries, free-text answers;
- ``export``: the anonymised CSV export, streamed.
"""

from consultations.selectors.consultations import (
    PHASES,
    Kind,
    consultation_get,
    consultation_list,
    question_list,
    report_get_published,
    response_answers_as_input,
    response_get,
)
from consultations.selectors.drafts import draft_get, draft_list, paragraph_get
from consultations.selectors.export import results_csv_header, results_csv_rows
from consultations.selectors.results import (
    TEXT_SAMPLE_SIZE,
    QuestionResult,
    Results,
    Row,
    results_get,
    text_answer_list,
)

__all__ = [
    "PHASES",
    "TEXT_SAMPLE_SIZE",
    "Kind",
    "QuestionResult",
    "Results",
    "Row",
    "consultation_get",
    "consultation_list",
    "draft_get",
    "draft_list",
    "paragraph_get",
    "question_list",
    "report_get_published",
    "response_answers_as_input",
    "response_get",
    "results_csv_header",
    "results_csv_rows",
    "results_get",
    "text_answer_list",
]
