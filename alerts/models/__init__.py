"""Emergency alerts: the incident (``Alert``) and its CAP messages (``AlertMessage``), the
residents' ``AlertSubscription`` and their ``GroundReport`` from the scene.

An alert moves ``draft → pending → published → updated → cancelled | expired``; each of
its messages is one CAP 1.2 ``<alert>`` (msgType Alert, Update or Cancel) with its own
``draft → pending → published`` life. Only ``services.py`` changes states; the database
refuses what must never happen whatever the path: a message approved by its own author,
a published message without an approver, two messages of one alert waiting for approval,
two subscriptions of one resident.

By subdomain; import them from here:

- ``codes``: the CAP 1.2 code lists and the severity ranks;
- ``incidents``: ``Alert`` and ``AlertMessage``;
- ``residents``: ``AlertSubscription`` and ``GroundReport``;
- ``factchecks``: rumour control, ``FactCheck`` and ``FactCheckQuestion``;
- ``volunteers``: ``Skill``, ``VolunteerRegistration``, ``CallOut``, ``CallOutResponse``.
"""

# The import order is the models' registration order (Alert, AlertMessage,
# AlertSubscription, GroundReport), as when they shared one module.
from alerts.models.codes import (
    SEVERITY_RANK,
    CapStatus,
    Category,
    Certainty,
    MsgType,
    ResponseType,
    Severity,
    SeverityRank,
    Urgency,
)
from alerts.models.incidents import Alert, AlertMessage, AlertQuerySet
from alerts.models.residents import AlertSubscription, GroundReport
from alerts.models.volunteers import CallOut, CallOutResponse, Skill, VolunteerRegistration

# isort: split
# Rumour control's models come after the alerts' own (their registration order).
from alerts.models.factchecks import FactCheck, FactCheckQuestion, Verdict

__all__ = [
    "SEVERITY_RANK",
    "Alert",
    "AlertMessage",
    "AlertQuerySet",
    "AlertSubscription",
    "CallOut",
    "CallOutResponse",
    "CapStatus",
    "Category",
    "Certainty",
    "FactCheck",
    "FactCheckQuestion",
    "GroundReport",
    "MsgType",
    "ResponseType",
    "Severity",
    "SeverityRank",
    "Skill",
    "Urgency",
    "Verdict",
    "VolunteerRegistration",
]
