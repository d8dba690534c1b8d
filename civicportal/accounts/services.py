"""Account writes: profiles, residency verification and census imports."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicportal.accounts.census import CensusFile, CensusRow, hash_identifier
from civicportal.accounts.models import Area, CensusEntry, CensusImport, ResidencyRequest, User
from civicportal.kernel.progress import NO_PROGRESS, Progress

_PROFILE_FIELDS = ("display_name", "preferred_language", "home_area")
_BULK_BATCH_SIZE = 1000


@transaction.atomic
def profile_update(*, user: User, **changes) -> User:
    """Change the resident's own profile fields (display name, language, home area).

    A verified resident's home area is the one staff (or the census) confirmed: they move
    by sending a new residency request, not by editing the profile.
    """
    unknown = set(changes) - set(_PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    if "preferred_language" in changes and changes["preferred_language"] not in dict(
        settings.LANGUAGES
    ):
        raise ValidationError({"preferred_language": _("Choose one of the offered languages.")})
    if (
        "home_area" in changes
        and changes["home_area"] is not None
        and not isinstance(changes["home_area"], Area)
    ):
        raise ValidationError({"home_area": _("Choose one of the council's areas.")})
    if (
        "home_area" in changes
        and user.is_verified
        and getattr(changes["home_area"], "pk", None) != user.home_area_id
    ):
        raise ValidationError(
            {
                "home_area": _(
                    "Your neighbourhood was confirmed when your residency was verified. "
                    "If you have moved, send a new residency request."
                )
            }
        )
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    return user


# --- Residency verification --------------------------------------------------------------


def _census_match(*, identifier_hash: str, area: Area) -> bool:
    """Whether the census lists this identifier, in this area (or with no area given)."""
    if not identifier_hash:
        return False
    return CensusEntry.objects.filter(
        Q(area__isnull=True) | Q(area=area), identifier_hash=identifier_hash
    ).exists()


def _verify(*, residency_request: ResidencyRequest, reviewed_by: User | None, now) -> None:
    """Mark a locked pending request approved and its resident verified in its area."""
    residency_request.status = ResidencyRequest.Status.APPROVED
    residency_request.reviewed_by = reviewed_by
    residency_request.reviewed_at = now
    residency_request.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "matched_census", "staff_reason"]
    )
    user = residency_request.user
    user.verified_at = now
    user.home_area = residency_request.area
    user.save(update_fields=["verified_at", "home_area"])


@transaction.atomic
def residency_request_create(
    *, user: User, area: Area, note: str = "", identifier: str = ""
) -> ResidencyRequest:
    """A resident asks to be verified as living in ``area``.

    The identifier (optional) is hashed at once and never stored. If the hash is on the
    imported census (for this area, or with no area) the request is approved immediately.
    Locks the user row so that two parallel submissions cannot both pass the one-pending
    check; the partial unique constraint backs it in the database.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to ask for residency verification."))
    note = (note or "").strip()
    identifier_hash = hash_identifier(identifier)
    if identifier and not identifier_hash:
        raise ValidationError(
            {"identifier": _("Enter your identity number, or leave the field empty.")}
        )
    if not note and not identifier_hash:
        raise ValidationError(
            {"note": _("Give your address, or your identity number, so that we can check it.")}
        )
    locked_user = User.objects.select_for_update().get(pk=user.pk)
    if ResidencyRequest.objects.filter(
        user=locked_user, status=ResidencyRequest.Status.PENDING
    ).exists():
        raise ValidationError(_("You already have a request waiting for review."))
    residency_request = ResidencyRequest(
        user=locked_user, area=area, note=note, identifier_hash=identifier_hash
    )
    residency_request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            residency_request.save()
    except IntegrityError as exc:  # the constraint, if the lock was somehow bypassed
        raise ValidationError(_("You already have a request waiting for review.")) from exc
    if _census_match(identifier_hash=identifier_hash, area=area):
        residency_request.matched_census = True
        _verify(residency_request=residency_request, reviewed_by=None, now=timezone.now())
    # The caller's user object should see the new status at once.
    user.verified_at = locked_user.verified_at
    user.home_area = locked_user.home_area
    return residency_request


def _lock_pending_for_review(*, residency_request: ResidencyRequest, actor: User):
    if not actor.has_perm("accounts.approve_residencyrequest"):
        raise PermissionDenied(_("Only an administrator can review residency requests."))
    locked = (
        ResidencyRequest.objects.select_for_update()
        .select_related("user", "area")
        .get(pk=residency_request.pk)
    )
    if not locked.is_pending:
        raise ValidationError(
            _("This request was already reviewed (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def residency_request_approve(
    *, residency_request: ResidencyRequest, actor: User, reason: str = ""
) -> ResidencyRequest:
    """Staff approve a pending request: the resident is verified and their home area set.

    Locks the request row (select_for_update) so a request is reviewed only once.
    """
    locked = _lock_pending_for_review(residency_request=residency_request, actor=actor)
    locked.staff_reason = (reason or "").strip()
    _verify(residency_request=locked, reviewed_by=actor, now=timezone.now())
    return locked


@transaction.atomic
def residency_request_reject(
    *, residency_request: ResidencyRequest, actor: User, reason: str
) -> ResidencyRequest:
    """Staff reject a pending request, with a reason the resident will read.

    Locks the request row (select_for_update) so a request is reviewed only once.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Tell the resident why: the reason is shown on their page.")}
        )
    locked = _lock_pending_for_review(residency_request=residency_request, actor=actor)
    locked.status = ResidencyRequest.Status.REJECTED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.staff_reason = reason
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "staff_reason"])
    return locked


@transaction.atomic
def census_import(
    *,
    file: IO,
    actor: User | None,
    file_name: str = "",
    progress: Progress = NO_PROGRESS,
) -> CensusImport:
    """Import a hashed census file, all or nothing, and verify the residents it matches.

    ``actor`` is the staff member uploading in the admin (through a background job, which
    acts as them); ``None`` means the command line, whose operator already has the server.
    Any bad line raises ValidationError naming it, and nothing is written: rows are stored
    in batches as the file is read, and a bad line anywhere rolls them all back. Identifiers
    already on the census are updated (area, import). Pending requests whose identifier
    hash is now listed (in their area, or with no area) are approved; they are locked
    (select_for_update) before being changed.

    ``progress`` (``civicportal.kernel.progress``) counts the file's lines after the header
    as they are checked and stored; a background job's progress may raise JobCancelled,
    which rolls the whole import back.
    """
    if actor is not None and not actor.has_perm("accounts.import_census"):
        raise PermissionDenied(_("Only an administrator can import the census."))
    progress.advance(0, message=_("Reading the file"))
    areas = dict(Area.objects.values_list("slug", "pk"))
    census = CensusFile(file, known_area_slugs=areas)
    progress.total(census.line_count)
    progress.advance(0, message=_("Checking and storing the lines"))
    now = timezone.now()
    batch = CensusImport.objects.create(
        imported_by=actor,
        imported_at=now,
        file_name=(file_name or getattr(file, "name", "") or "census.csv")[-255:],
    )
    reported = 0
    pending: list[CensusRow] = []

    def store() -> None:
        nonlocal reported
        if pending and not census.errors:  # once a line is bad nothing will be kept
            _census_entries_store(pending, batch=batch, areas=areas)
        pending.clear()
        progress.advance(census.lines_read - reported)
        reported = census.lines_read

    for row in census.rows():
        pending.append(row)
        if len(pending) >= _BULK_BATCH_SIZE:
            store()
    store()
    census.raise_errors()
    progress.advance(0, message=_("Verifying the waiting residents who match"))
    listed = CensusEntry.objects.filter(
        Q(area__isnull=True) | Q(area=OuterRef("area")),
        census_import=batch,
        identifier_hash=OuterRef("identifier_hash"),
    )
    matches = (
        ResidencyRequest.objects.select_for_update(of=("self", "user"))
        .filter(Exists(listed), status=ResidencyRequest.Status.PENDING)
        .exclude(identifier_hash="")
        .select_related("user", "area")
        .order_by("pk")
    )
    matched = 0
    for residency_request in matches:
        residency_request.matched_census = True
        _verify(residency_request=residency_request, reviewed_by=None, now=now)
        matched += 1
    batch.row_count = census.row_count
    batch.matched_count = matched
    batch.save(update_fields=["row_count", "matched_count"])
    return batch


def _census_entries_store(rows: list[CensusRow], *, batch: CensusImport, areas: dict) -> None:
    CensusEntry.objects.bulk_create(
        [
            CensusEntry(
                identifier_hash=row.identifier_hash,
                area_id=areas.get(row.area_slug),
                census_import=batch,
            )
            for row in rows
        ],
        batch_size=_BULK_BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["identifier_hash"],
        update_fields=["area", "census_import"],
    )
