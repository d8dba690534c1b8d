"""Models of who takes part."""
