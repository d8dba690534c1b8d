"""The platform's ground floor (STYLE.md §1): building blocks every other part stands on,
knowing nothing of accounts, notifications, participation or the modules above them.

Most of it moved here from civicportal/core (issue 19); tests/test_floors.py fails on any
import that goes up a floor. The account model it points at is ``settings.AUTH_USER_MODEL``,
and the permissions it asks for are granted in ``civicportal.accounts.rules``.
"""
