"""Community life's models, one module per part."""
