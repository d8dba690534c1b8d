"""Writes of the consultations app, by subdomain; import them from here.

- ``answers``: checking a questionnaire's answers (shared by the form, the API and the
  two-step page without JavaScript);
- ``responses``: sending or changing a response;
- ``publishing``: results, the response report, announcements, new versions.
"""

from consultations.services.answers import (
    ANSWER_FORMAT,
    answers_clean,
    questions_visible,
    ranking_error,
)
from consultations.services.publishing import (
    consultation_copy_as_version,
    consultations_announce_opened,
    report_publish,
    results_publish,
)
from consultations.services.responses import (
    anonymous_rate_limit_take,
    response_denial,
    response_submit,
)

__all__ = [
    "ANSWER_FORMAT",
    "anonymous_rate_limit_take",
    "answers_clean",
    "consultation_copy_as_version",
    "consultations_announce_opened",
    "questions_visible",
    "ranking_error",
    "report_publish",
    "response_denial",
    "response_submit",
    "results_publish",
]
