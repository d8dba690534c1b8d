"""Who may do what in "who takes part" (django-rules), imported by ``plugins``.

The dashboard and the population figures are for administrators with the second factor:
even suppressed, the figures are about residents. Residents answer their own profile
questions. Role tests: tests/audience/test_rules.py.
"""

from __future__ import annotations

import rules

from civicportal.accounts.rules import is_active_resident, is_administrator

rules.add_perm("audience.view_dashboard", is_administrator)
rules.add_perm("audience.answer_profilequestion", is_active_resident)

# The admin: administrators keep the questions, their choices and the population figures;
# residents' answers and participations are not browsable one by one.
for _model in ("profilequestion", "profilechoice", "populationfigure"):
    for _verb in ("view", "add", "change", "delete"):
        rules.add_perm(f"audience.{_verb}_{_model}", is_administrator)
rules.add_perm("audience", is_administrator)
