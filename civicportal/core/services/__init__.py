"""Writes of the platform and the participation core, by subdomain; import them from here.

- ``platform``: housekeeping and the worker ping;
- ``comments``: posting, editing and deleting comments (with the posting rate limit);
- ``moderation``: reports, automatic hiding at the threshold, moderators' decisions;
- ``follows``: following and unfollowing items;
- ``personal_data``: the core's part of a resident's data, and deleting an account.
"""

from civicportal.core.services.comments import (
    comment_create,
    comment_delete,
    comment_update,
)
from civicportal.core.services.follows import follow_set
from civicportal.core.services.moderation import flag_create, moderation_decide
from civicportal.core.services.personal_data import account_delete, core_personal_data_erase
from civicportal.core.services.platform import (
    PING_CACHE_PREFIX,
    PING_CACHE_TIMEOUT,
    ping_answer,
    ping_record,
    session_clear_expired,
)

__all__ = [
    "PING_CACHE_PREFIX",
    "PING_CACHE_TIMEOUT",
    "account_delete",
    "comment_create",
    "comment_delete",
    "comment_update",
    "core_personal_data_erase",
    "flag_create",
    "follow_set",
    "moderation_decide",
    "ping_answer",
    "ping_record",
    "session_clear_expired",
]
