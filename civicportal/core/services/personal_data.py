"""Deleting an account, and the participation core's part of it.

``account_delete`` runs every app's eraser (``civicportal.kernel.personal_data``) and then
deletes the user row, all in one transaction: either everything about the resident is
gone or anonymised, or nothing changed. What others rely on stays: comments (shown as by
"Deleted resident"), reports (they still count), votes (still counted, linked to no one).
Every foreign key to the user is SET_NULL (content, votes, reports, decisions) or CASCADE
(data that is only theirs); ``tests/core/test_personal_data.py`` checks all of them.
"""

from __future__ import annotations

from auditlog.context import disable_auditlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicportal.accounts.models import User
from civicportal.core.models import Comment, Flag, Follow, ModerationCase, ModerationDecision
from civicportal.kernel import personal_data


def core_personal_data_erase(user: User) -> None:
    """Comments and reports stay, without their author; follows go."""
    Comment.objects.filter(author=user).update(author=None)
    Flag.objects.filter(reporter=user).update(reporter=None)
    Follow.objects.filter(user=user).delete()
    ModerationCase.objects.filter(author=user).update(author=None)
    ModerationDecision.objects.filter(author=user).update(author=None)


@transaction.atomic
def account_delete(*, user: User, confirmation: str) -> None:
    """Delete ``user``'s account for good, once they confirmed it.

    ``confirmation`` is their password, or their email address for an account without
    one (signed up through a social login). An administrator account is refused: another
    administrator removes it, so the council never loses its last one by a click. Locks
    the user's row, so a second request waits and then finds nothing to delete.
    """
    user = User.objects.select_for_update().filter(pk=user.pk).first()
    if user is None:
        raise ValidationError(_("This account has already been deleted."))
    if user.has_usable_password():
        if not user.check_password(confirmation or ""):
            raise ValidationError({"confirmation": _("That is not your password.")})
    elif (confirmation or "").strip().casefold() != user.email.casefold():
        raise ValidationError({"confirmation": _("That is not your email address.")})
    if user.is_superuser:
        raise ValidationError(
            _(
                "An administrator account cannot be deleted here. Ask another administrator "
                "to remove it in the admin."
            )
        )
    for part in personal_data.parts():
        part.erase(user)
    # The deletion itself is not logged: the log entry would keep the personal data that
    # the erasers just removed.
    with disable_auditlog():
        user.delete()
