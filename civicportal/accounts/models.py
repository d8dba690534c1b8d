"""Residents and staff (one custom user model, email is the login), the council's areas and
residency verification (requests reviewed by staff, and the imported census of hashed
identifiers)."""

from __future__ import annotations

import rules
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_geojson_boundary(value: object) -> None:
    """Accept a GeoJSON Polygon or MultiPolygon (or a Feature wrapping one)."""
    if value in (None, ""):
        return
    geometry = value
    if isinstance(value, dict) and value.get("type") == "Feature":
        geometry = value.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    polygons = (
        [geometry.get("coordinates")]
        if geometry["type"] == "Polygon"
        else geometry.get("coordinates")
    )
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("The boundary has no coordinates."))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("Each polygon needs at least one ring of coordinates."))
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValidationError(_("Each ring needs at least four positions."))
            for position in ring:
                if (
                    not isinstance(position, list | tuple)
                    or len(position) < 2
                    or not all(isinstance(c, int | float) for c in position[:2])
                ):
                    raise ValidationError(_("Each position must be [longitude, latitude]."))
                lon, lat = position[0], position[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValidationError(
                        _("Position %(position)s is outside the globe.") % {"position": position}
                    )
            if list(ring[0][:2]) != list(ring[-1][:2]):
                raise ValidationError(
                    _("Each ring must be closed: first and last positions equal.")
                )


class Area(models.Model):
    """A neighbourhood or district of the council, used for targeting and filtering."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    boundary = models.JSONField(
        _("boundary (GeoJSON)"),
        null=True,
        blank=True,
        validators=[validate_geojson_boundary],
        help_text=_("Optional GeoJSON Polygon or MultiPolygon, coordinates as [lon, lat]."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name


class UserManager(DjangoUserManager):
    """Django's manager, with email as the identifier instead of a username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True or extra_fields.get("is_superuser") is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A resident or a member of staff. The email address is the login."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("Shown next to what you post. Leave empty to appear as 'Resident'."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    home_area = models.ForeignKey(
        Area,
        verbose_name=_("home area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    verified_at = models.DateTimeField(
        _("residency verified at"),
        null=True,
        blank=True,
        help_text=_("Set when staff approve a residency request or a census import matches."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Staff can sign in to the admin (after setting up two-factor authentication)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def public_name(self) -> str:
        """The name shown beside content: never the email address."""
        return self.display_name or str(_("Resident"))

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    # docs/specification.md §10: no staff power without a verified second factor. The staff
    # roles' rules refuse it themselves; for a request that did not pass the second factor,
    # only the rules decide: not the superuser's blanket grant, nor permissions given in the
    # admin (ModelBackend).
    def has_perm(self, perm, obj=None) -> bool:
        from civicportal.kernel.second_factor import lacks_second_factor

        if lacks_second_factor(self):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        from civicportal.kernel.second_factor import lacks_second_factor

        if lacks_second_factor(self):
            return self.is_active and rules.has_perm(app_label, self)
        return super().has_module_perms(app_label)


class ResidencyRequest(models.Model):
    """A resident asks to be recognised as living in an area.

    Staff approve or reject it, or it is approved at once when the identifier the resident
    gave matches the imported census. The identifier itself is never stored: only its
    HMAC-SHA256 under ``settings.CENSUS_HASH_KEY`` (see ``accounts.census``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="residency_requests",
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("home area"),
        on_delete=models.PROTECT,
        related_name="residency_requests",
    )
    note = models.TextField(
        _("address or note"),
        blank=True,
        max_length=2000,
        help_text=_("The resident's address, or anything else that helps staff confirm it."),
    )
    identifier_hash = models.CharField(
        _("identifier hash"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("HMAC-SHA256 of the identifier the resident gave; the identifier is not kept."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    matched_census = models.BooleanField(
        _("matched the census"),
        default=False,
        help_text=_("Approved automatically because the identifier is on the imported census."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    staff_reason = models.TextField(
        _("reason given to the resident"),
        blank=True,
        max_length=2000,
        help_text=_("Shown to the resident on their verification page."),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("residency request")
        verbose_name_plural = _("residency requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="accounts_residencyrequest_one_pending_per_user",
                violation_error_message=_("You already have a request waiting for review."),
            ),
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(reviewed_at__isnull=True))
                | (~Q(status="pending") & Q(reviewed_at__isnull=False)),
                name="accounts_residencyrequest_reviewed_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return _("%(user)s in %(area)s (%(status)s)") % {
            "user": self.user,
            "area": self.area,
            "status": self.get_status_display(),
        }

    def get_absolute_url(self) -> str:
        return reverse("accounts:verification")

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class CensusImport(models.Model):
    """One upload of the census list: who imported which file, and what it matched."""

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when imported from the command line."),
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    matched_count = models.PositiveIntegerField(
        _("residents verified"),
        default=0,
        help_text=_("Residents whose pending request matched an entry of this file."),
    )

    class Meta:
        verbose_name = _("census import")
        verbose_name_plural = _("census imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return _("%(file)s (%(rows)s rows)") % {"file": self.file_name, "rows": self.row_count}


class CensusEntry(models.Model):
    """One resident on the census, known only by the hash of their identifier."""

    identifier_hash = models.CharField(_("identifier hash"), max_length=64, unique=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="census_entries",
    )
    census_import = models.ForeignKey(
        CensusImport,
        verbose_name=_("import"),
        on_delete=models.CASCADE,
        related_name="entries",
        help_text=_("The latest import that listed this identifier."),
    )

    class Meta:
        verbose_name = _("census entry")
        verbose_name_plural = _("census entries")

    def __str__(self) -> str:
        return self.identifier_hash[:12] + "…"


# Staff actions on accounts leave an audit trail (who changed a role, who verified whom).
auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})
auditlog.register(Area)
auditlog.register(ResidencyRequest, exclude_fields=["identifier_hash"])
auditlog.register(CensusImport)
