"""Models of who takes part: visit counters per source link, participations per source,
voluntary profile questions and answers, and the council's population figures."""

from civicportal.audience.models.counting import Participation, SourceVisit
from civicportal.audience.models.profile import (
    PopulationFigure,
    ProfileAnswer,
    ProfileChoice,
    ProfileQuestion,
    ProfileQuestionsAsked,
)

__all__ = [
    "Participation",
    "PopulationFigure",
    "ProfileAnswer",
    "ProfileChoice",
    "ProfileQuestion",
    "ProfileQuestionsAsked",
    "SourceVisit",
]
