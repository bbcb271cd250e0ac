"""Live events: the hub that fans them out to open pages, and presence."""
