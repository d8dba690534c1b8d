"""What social reach plugs into the platform, part by part."""


def register() -> None:
    """Called once from ``SocialConfig.ready()``."""
