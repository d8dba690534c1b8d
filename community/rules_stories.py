"""Who may do what with stories (django-rules), imported by ``community.plugins``.

Residents (any signed-in, active account) submit stories and thank published ones;
moderators (the platform's Moderator role, or an administrator, each with the second
factor) publish, reject and feature them, and keep the campaigns; anyone reads published
stories, and an author also reads their own story while it waits or after a refusal.
Staff code publishing an event's outcome as a story needs a staff account
(``community.publish_story``). Each rule has a role test in tests/community/test_stories_rules.py.
"""

from __future__ import annotations

import rules

from civicportal.accounts.rules import (
    is_active_resident,
    is_administrator,
    is_moderator,
    is_staff_with_second_factor,
)

is_story_moderator = is_moderator | is_administrator


@rules.predicate
def story_is_published(user, story) -> bool:
    return story is not None and story.state == "published"


@rules.predicate
def is_story_author(user, story) -> bool:
    return story is not None and bool(user and user.is_authenticated) and story.author_id == user.pk


rules.add_perm("community.view_story", story_is_published | is_story_author | is_story_moderator)
rules.add_perm("community.submit_story", is_active_resident)
rules.add_perm("community.thank_story", is_active_resident & story_is_published & ~is_story_author)
rules.add_perm("community.moderate_story", is_story_moderator)
rules.add_perm("community.feature_story", is_story_moderator)
rules.add_perm("community.publish_story", is_staff_with_second_factor)

# The admin: moderators see the stories and keep the campaigns.
rules.add_perm("community.change_story", is_story_moderator)
rules.add_perm("community.view_campaign", is_story_moderator)
rules.add_perm("community.add_campaign", is_story_moderator)
rules.add_perm("community.change_campaign", is_story_moderator)

# The admin shows the app to whoever may act in one of its parts; events add their own
# staff to this permission from their rules (whichever part registers first creates it).
if rules.perm_exists("community"):
    rules.set_perm("community", rules.permissions.permissions["community"] | is_story_moderator)
else:
    rules.add_perm("community", is_story_moderator)

# Campaign posts brought in from Mastodon and Bluesky: the story moderators decide on them
# (the queue and the admin's read-only list).
rules.add_perm("community.moderate_hashtag_post", is_story_moderator)
rules.add_perm("community.view_hashtagpost", is_story_moderator)
