"""Writing an instance and profile back to ``.pb`` text."""

from __future__ import annotations

import csv
import io

from budgeting.pabulib.elections import POINTS_VOTE_TYPES, Instance, Profile


def write(instance: Instance, profile: Profile) -> str:
    """Serialise back to ``.pb`` text; ``parse(write(i, p)) == (i, p)`` for parsed input.

    META keeps its order; ``budget``, ``vote_type``, ``num_projects`` and ``num_votes`` are
    rewritten from the data (and added at the end when missing).
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(instance.meta)
    meta["budget"] = str(instance.budget)
    meta["vote_type"] = profile.vote_type
    meta["num_projects"] = str(len(instance.projects))
    meta["num_votes"] = str(len(profile.ballots))
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())

    columns = list(instance.project_columns)
    for required in ("project_id", "cost"):
        if required not in columns:
            columns.insert(0 if required == "project_id" else 1, required)
    if "name" not in columns and any(p.name for p in instance.projects):
        columns.append("name")
    for project in instance.projects:
        columns.extend(key for key in project.extra if key not in columns)
    writer.writerow(["PROJECTS"])
    writer.writerow(columns)
    for project in instance.projects:
        values = {
            **project.extra,
            "project_id": project.project_id,
            "cost": str(project.cost),
            "name": project.name,
        }
        writer.writerow([values.get(column, "") for column in columns])

    columns = list(profile.vote_columns)
    for position, required in enumerate(("voter_id", "vote")):
        if required not in columns:
            columns.insert(position, required)
    if profile.vote_type in POINTS_VOTE_TYPES and "points" not in columns:
        columns.insert(columns.index("vote") + 1, "points")
    for ballot in profile.ballots:
        columns.extend(key for key in ballot.extra if key not in columns)
    writer.writerow(["VOTES"])
    writer.writerow(columns)
    for ballot in profile.ballots:
        values = {**ballot.extra, "voter_id": ballot.voter_id, "vote": ",".join(ballot.projects)}
        if ballot.points is not None:
            values["points"] = ",".join(str(p) for p in ballot.points)
        writer.writerow([values.get(column, "") for column in columns])
    return out.getvalue()
