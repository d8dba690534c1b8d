"""Forms of the budgeting pages and admin: parse input only; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from budgeting.models import Ballot, BudgetProcess, Project


class ProjectSubmitForm(forms.Form):
    ballot = forms.ModelChoiceField(
        label=_("Where is the project?"),
        queryset=Ballot.objects.none(),
        empty_label=None,
        help_text=_("A project for one district, or for the whole city."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What should be done, where, and who would benefit."),
    )
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Your best guess; council staff check it during the review."),
    )
    image = forms.ImageField(
        label=_("Image"), required=False, help_text=_("Optional. JPEG, PNG or WebP, up to 5 MB.")
    )
    image_description = forms.CharField(
        label=_("Image description"),
        max_length=250,
        required=False,
        help_text=_("What the image shows, for people who cannot see it."),
    )

    def __init__(self, *args, process: BudgetProcess, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ballot"].queryset = process.ballots.select_related("area").order_by(
            "order", "id"
        )
        self.fields["ballot"].label_from_instance = lambda ballot: ballot.display_name
        self.fields["estimated_cost"].label = _("Estimated cost (%(currency)s)") % {
            "currency": process.currency
        }


class BallotForm(forms.Form):
    """The projects of one ballot: tick boxes (approval, knapsack) or points (cumulative)."""

    def __init__(self, *args, ballot: Ballot, projects: list[Project], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ballot = ballot
        self.projects = projects
        if ballot.kind == Ballot.Kind.CUMULATIVE:
            limit = ballot.max_points_per_project or ballot.points_total
            for project in projects:
                self.fields[f"points_{project.pk}"] = forms.IntegerField(
                    label=project.title,
                    required=False,
                    min_value=0,
                    max_value=limit,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-points": ""}),
                )
        else:
            self.fields["projects"] = forms.MultipleChoiceField(
                label=_("Projects"),
                required=False,
                choices=[(str(p.pk), p.title) for p in projects],
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": _("One of the chosen projects is not on this ballot.")
                },
            )

    def selections(self) -> dict[int, int]:
        if self.ballot.kind == Ballot.Kind.CUMULATIVE:
            return {
                p.pk: self.cleaned_data.get(f"points_{p.pk}") or 0
                for p in self.projects
                if self.cleaned_data.get(f"points_{p.pk}")
            }
        return {int(pk): 1 for pk in self.cleaned_data.get("projects", [])}

    def rows(self):
        """(project, bound field or None, checked) per project, in the voter's order."""
        if self.ballot.kind == Ballot.Kind.CUMULATIVE:
            return [(p, self[f"points_{p.pk}"], False) for p in self.projects]
        chosen = {str(v) for v in (self["projects"].value() or [])}
        return [(p, None, str(p.pk) in chosen) for p in self.projects]


class ProjectReviewForm(forms.Form):
    feasibility = forms.ChoiceField(
        label=_("Feasibility"),
        choices=[
            (Project.Feasibility.FEASIBLE, Project.Feasibility.FEASIBLE.label),
            (Project.Feasibility.NOT_FEASIBLE, Project.Feasibility.NOT_FEASIBLE.label),
        ],
    )
    feasibility_reason = forms.CharField(
        label=_("Public reason"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    final_cost = forms.DecimalField(
        label=_("Final cost"), required=False, min_value=0, max_digits=14, decimal_places=2
    )


class PaperBallotForm(forms.Form):
    """Staff enter one paper ballot: the voter's identifier and the projects on it."""

    ballot = forms.ModelChoiceField(label=_("Ballot"), queryset=Ballot.objects.none())
    voter_identifier = forms.CharField(
        label=_("Voter's identity number"),
        max_length=64,
        help_text=_("Hashed at once with the census key; the number itself is not stored."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    selections = forms.CharField(
        label=_("Projects on the ballot"),
        help_text=_(
            "Project numbers separated by commas (1, 4, 7); for cumulative ballots "
            "number:points (1:3, 4:2)."
        ),
    )

    def __init__(self, *args, process: BudgetProcess, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ballot"].queryset = process.ballots.select_related("area").order_by(
            "order", "id"
        )
        self.fields["ballot"].label_from_instance = lambda ballot: ballot.display_name

    def clean_selections(self) -> dict[int, int]:
        result: dict[int, int] = {}
        for part in self.cleaned_data["selections"].replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            number, _sep, points = part.partition(":")
            try:
                pk = int(number.strip().lstrip("#"))
                value = int(points.strip()) if points.strip() else 1
            except ValueError:
                raise forms.ValidationError(
                    _("“%(part)s” is not a project number (or number:points).")
                    % {"part": part[:40]}
                ) from None
            if pk in result:
                raise forms.ValidationError(_("Project %(id)s is listed twice.") % {"id": pk})
            result[pk] = value
        return result


class PabulibImportForm(forms.Form):
    file = forms.FileField(label=_("Pabulib file (.pb)"))
    title = forms.CharField(
        label=_("Title"), required=False, max_length=200, help_text=_("Default: from the file.")
    )
