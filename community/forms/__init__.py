"""Community life's forms, one module per part."""
