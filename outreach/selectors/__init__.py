"""Reads of social reach, one module per part (``posts``: the council's composed posts)."""
