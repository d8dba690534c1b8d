"""Models of social reach."""

from social.models.posts import Post, PostState

__all__ = ["Post", "PostState"]
