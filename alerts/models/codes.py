"""CAP 1.2 code lists, and the severity ranks residents subscribe by."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# --- CAP 1.2 code lists ------------------------------------------------------------------


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", _("Actual")
    EXERCISE = "Exercise", _("Exercise")
    TEST = "Test", _("Test")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel / all clear")


class Category(models.TextChoices):
    GEO = "Geo", _("Geophysical (landslide, earthquake)")
    MET = "Met", _("Weather (storm, flood)")
    SAFETY = "Safety", _("General public safety")
    SECURITY = "Security", _("Law enforcement, security")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Health")
    ENV = "Env", _("Environment, pollution")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Utilities and infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear, explosive")
    OTHER = "Other", _("Other")


class ResponseType(models.TextChoices):
    SHELTER = "Shelter", _("Shelter in place")
    EVACUATE = "Evacuate", _("Evacuate")
    PREPARE = "Prepare", _("Prepare")
    EXECUTE = "Execute", _("Execute the pre-planned action")
    AVOID = "Avoid", _("Avoid the area")
    MONITOR = "Monitor", _("Monitor for updates")
    ASSESS = "Assess", _("Assess the situation")
    ALL_CLEAR = "AllClear", _("All clear")
    NONE = "None", _("No action")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate: act now")
    EXPECTED = "Expected", _("Expected: act within the hour")
    FUTURE = "Future", _("Future: act in the near future")
    PAST = "Past", _("Past: no longer needed")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme: threat to life")
    SEVERE = "Severe", _("Severe: significant threat to life or property")
    MODERATE = "Moderate", _("Moderate: possible threat to life or property")
    MINOR = "Minor", _("Minor: little or no threat")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed: it is happening")
    LIKELY = "Likely", _("Likely (more than 50 %)")
    POSSIBLE = "Possible", _("Possible (less than 50 %)")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class SeverityRank(models.IntegerChoices):
    """A subscription's minimum severity; a message reaches ranks up to its own."""

    MINOR = 1, _("Minor and above (every alert)")
    MODERATE = 2, _("Moderate and above")
    SEVERE = 3, _("Severe and above")
    EXTREME = 4, _("Extreme only")


# Unknown severity counts as Minor: it reaches everyone who wants every alert.
SEVERITY_RANK = {
    Severity.UNKNOWN: 1,
    Severity.MINOR: 1,
    Severity.MODERATE: 2,
    Severity.SEVERE: 3,
    Severity.EXTREME: 4,
}
