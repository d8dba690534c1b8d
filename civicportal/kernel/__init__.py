"""The platform's ground floor (STYLE.md §1): building blocks every other part stands on,
knowing nothing of accounts, notifications, participation or the modules above them.

Its parts move here from civicportal/core step by step (issue 19); tests/test_floors.py lists
the imports that still go up a floor until they do.
"""
