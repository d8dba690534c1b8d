"""What social reach plugs into the platform, part by part."""


def register() -> None:
    """Called once from ``SocialConfig.ready()``."""
    from social import embed_plugins

    embed_plugins.register()
