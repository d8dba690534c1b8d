"""The accessibility statement's facts, in one place (the page at /accessibility/).

The statement follows the EU's model (Commission Implementing Decision (EU) 2018/1523). Its
compliance status is written nowhere by hand: it follows from ``NON_ACCESSIBLE_CONTENT``,
so removing the last known problem from that list makes the page say "fully compliant".
Whoever changes the list, or checks the statement again, sets ``REVIEWED_ON``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Reason(enum.StrEnum):
    """Why content is listed, as the model statement sorts it."""

    NON_COMPLIANT = "non_compliant"  # it fails a WCAG 2.1 success criterion
    OUT_OF_SCOPE = "out_of_scope"  # the Directive exempts it (Article 1(4))


@dataclass(frozen=True)
class NonAccessibleContent:
    """Known content that is not accessible: what it is, the WCAG 2.1 success criterion it
    fails or the Directive's exemption that covers it (``requirement``), what a resident can
    do instead, and what the council is doing about it (no date it cannot keep)."""

    description: str | Promise
    requirement: str | Promise
    alternative: str | Promise
    plan: str | Promise = ""
    reason: Reason = Reason.NON_COMPLIANT


# The ballot's faded projects (success criterion 1.4.3), listed until 2026-12-07, are shown
# in full contrast with a note since then (tests/e2e/test_budget_pages.py runs axe-core on a
# ballot with projects that no longer fit), so no failure of WCAG 2.1 AA is known today.
NON_ACCESSIBLE_CONTENT: tuple[NonAccessibleContent, ...] = (
    NonAccessibleContent(
        description=_(
            "The maps (where an idea is, the areas an alert covers, the reports from the "
            "ground) are drawn as pictures: a screen reader cannot read what they show."
        ),
        requirement=_(
            "Online maps are exempt from the accessibility requirements, provided their "
            "essential information is given in an accessible way (Directive (EU) 2016/2102, "
            "Article 1(4)(g))."
        ),
        alternative=_(
            "Every page with a map says the same in text: an idea's place as coordinates you "
            "can type, an alert's areas and its confirmed reports as lists. A point on a map "
            "can be set with the keyboard (arrow keys, then Enter) or by typing it."
        ),
        reason=Reason.OUT_OF_SCOPE,
    ),
)

# ISO dates, as the model statement asks for the day it was prepared and last reviewed.
PREPARED_ON = date.fromisoformat("2026-12-07")
REVIEWED_ON = date.fromisoformat("2026-12-07")


class ComplianceStatus(enum.StrEnum):
    FULLY = "fully"
    PARTIALLY = "partially"


def compliance_status() -> ComplianceStatus:
    """Fully compliant with WCAG 2.1 AA only while no known non-accessible content is listed
    (the model statement's "partially compliant" covers exempted content too)."""
    return ComplianceStatus.PARTIALLY if NON_ACCESSIBLE_CONTENT else ComplianceStatus.FULLY


@dataclass(frozen=True)
class Statement:
    status: ComplianceStatus
    non_accessible_content: tuple[NonAccessibleContent, ...]
    prepared_on: date
    reviewed_on: date
    contact_email: str
    contact_phone: str
    response_days: int
    enforcement_body: str
    enforcement_url: str

    @property
    def fully_compliant(self) -> bool:
        return self.status is ComplianceStatus.FULLY

    @property
    def non_compliances(self) -> list[NonAccessibleContent]:
        return [c for c in self.non_accessible_content if c.reason is Reason.NON_COMPLIANT]

    @property
    def out_of_scope(self) -> list[NonAccessibleContent]:
        return [c for c in self.non_accessible_content if c.reason is Reason.OUT_OF_SCOPE]

    @property
    def contact_phone_uri(self) -> str:
        """The number as a tel: link wants it: digits and a leading +, no spaces."""
        return "tel:" + re.sub(r"[^\d+]", "", self.contact_phone)


def statement() -> Statement:
    """The statement as it stands now: this module's facts and the council's settings."""
    return Statement(
        status=compliance_status(),
        non_accessible_content=NON_ACCESSIBLE_CONTENT,
        prepared_on=PREPARED_ON,
        reviewed_on=REVIEWED_ON,
        # An address set but left empty still leaves residents somewhere to write.
        contact_email=settings.ACCESSIBILITY_CONTACT_EMAIL or settings.COUNCIL_CONTACT_EMAIL,
        contact_phone=settings.ACCESSIBILITY_CONTACT_PHONE.strip(),
        response_days=settings.ACCESSIBILITY_RESPONSE_DAYS,
        enforcement_body=settings.ACCESSIBILITY_ENFORCEMENT_BODY.strip(),
        enforcement_url=settings.ACCESSIBILITY_ENFORCEMENT_URL.strip(),
    )
