"""Residents and staff (one custom user model, email is the login) and the council's areas."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
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
