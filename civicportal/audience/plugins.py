"""What "who takes part" plugs into the platform."""


def register() -> None:
    """Called once from ``AudienceConfig.ready()``."""
