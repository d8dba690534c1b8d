"""Fixtures of community life's tests, one module per part."""

from tests.community.stories_fixtures import *  # noqa: F403  (the stories' fixtures)
