"""What community life plugs into the platform, part by part (events, stories)."""


def register() -> None:
    """Called once from ``CommunityConfig.ready()``."""
    from community import stories_plugins

    stories_plugins.register()
