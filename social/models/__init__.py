"""Models of social reach."""
