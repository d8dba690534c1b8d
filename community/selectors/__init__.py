"""Community life's reads, one module per part."""
