"""Fixtures of community life's tests, one module per part."""

from tests.community.hashtag_fixtures import *  # noqa: F403  (campaign posts' fixtures)
from tests.community.stories_fixtures import *  # noqa: F403  (the stories' fixtures)
