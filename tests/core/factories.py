"""Participation factories: comments through the service, so their HTML is rendered.

comment_post(author, item, "text")              a top-level comment
comment_post(author, item, "text", parent=c)    a reply
residents(n)                                    n residents with verified email addresses
"""

from __future__ import annotations

from civicportal.core import services
from civicportal.core.models import Comment
from tests.accounts.factories import UserFactory


def comment_post(author, item, body: str = "A thoughtful comment.", parent=None) -> Comment:
    return services.comment_create(author=author, target=item, body=body, parent=parent)


def residents(count: int) -> list:
    return [UserFactory() for _ in range(count)]
