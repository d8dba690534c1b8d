"""Models of social reach."""

from outreach.models.posts import Post, PostState

__all__ = ["Post", "PostState"]
