"""The vote register: one stored ballot per voter and ballot, online, on paper or imported."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgeting.models.ballots import Ballot
from budgeting.models.projects import Project


class BallotSubmission(models.Model):
    """A voter's filled-in ballot.

    Online ballots belong to an account (``voter``); paper ballots to the HMAC of the voter's
    identifier (``voter_key``, the census hash: never the identifier itself); imported ones
    to the voter id of the Pabulib file. An online ballot also carries the voter's key when
    their residency was verified with an identifier, which is how a resident who voted both
    online and on paper is found. Of two such ballots one is counted (the process's
    precedence decides) and the other is kept, not counted, with ``superseded_by`` naming
    the one that stands: the admin lists them as conflicts.
    """

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper or in person")
        IMPORTED = "imported", _("Imported")

    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="submissions"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_ballots",
    )
    voter_key = models.CharField(
        _("voter identifier hash"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("HMAC-SHA256 of the voter's identifier; the identifier is not kept."),
    )
    import_voter_id = models.CharField(
        _("voter id in the imported file"), max_length=64, blank=True
    )
    counted = models.BooleanField(_("counted"), default=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The member of staff who entered a paper ballot."),
    )
    submitted_at = models.DateTimeField(_("first submitted at"), default=timezone.now)
    replaced_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    # 0 while the row is being created by ballot_cast, then 1, 2, ... per change.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # Other VOTES columns of an imported Pabulib file (age, sex, ...), written back on export.
    pabulib_extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ballot submission")
        verbose_name_plural = _("ballot submissions")
        ordering = ["ballot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "voter"],
                condition=Q(voter__isnull=False),
                name="budgeting_submission_one_per_voter",
                violation_error_message=_("This resident has already voted on this ballot."),
            ),
            models.UniqueConstraint(
                fields=["ballot", "voter_key"],
                condition=Q(channel="paper"),
                name="budgeting_submission_one_paper_per_voter_key",
                violation_error_message=_("A paper ballot of this voter is already entered."),
            ),
            models.UniqueConstraint(
                fields=["ballot", "voter_key"],
                condition=Q(counted=True) & ~Q(voter_key=""),
                name="budgeting_submission_one_counted_per_voter_key",
                violation_error_message=_("Only one ballot of a voter can be counted."),
            ),
            models.UniqueConstraint(
                fields=["ballot", "import_voter_id"],
                condition=Q(channel="imported"),
                name="budgeting_submission_one_per_imported_voter",
            ),
            models.CheckConstraint(
                condition=(Q(channel="online") & Q(voter__isnull=False))
                | (Q(channel="paper") & ~Q(voter_key="") & Q(voter__isnull=True))
                | (Q(channel="imported") & ~Q(import_voter_id="") & Q(voter__isnull=True))
                # An online ballot outlives its voter's account (SET_NULL): it still counts.
                | (Q(channel="online") & Q(voter__isnull=True) & Q(revision__gte=1)),
                name="budgeting_submission_channel_identity",
            ),
            models.CheckConstraint(
                condition=Q(counted=True) | Q(superseded_by__isnull=False),
                name="budgeting_submission_uncounted_names_winner",
            ),
            models.CheckConstraint(
                condition=~Q(superseded_by=F("id")), name="budgeting_submission_not_own_winner"
            ),
        ]

    def __str__(self) -> str:
        return _("%(channel)s ballot #%(id)s on %(ballot)s") % {
            "channel": self.get_channel_display(),
            "id": self.pk,
            "ballot": self.ballot.display_name,
        }


class BallotSelection(models.Model):
    """One project on a submitted ballot, with its points (1 on approval and knapsack).

    Online and paper ballots never store 0 points; an imported file may (it is kept as is).
    """

    submission = models.ForeignKey(
        BallotSubmission,
        verbose_name=_("ballot submission"),
        on_delete=models.CASCADE,
        related_name="selections",
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="selections"
    )
    points = models.PositiveIntegerField(_("points"), default=1)
    # Position in the voter's list (Pabulib files keep the order they were given in).
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        ordering = ["submission", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "project"],
                name="budgeting_selection_one_per_project",
                violation_error_message=_("A ballot lists each project at most once."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} ({self.points})"
