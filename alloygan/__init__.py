"""alloygan: inverse design of metallic glasses (the public Python API is filled in by the contract issue)."""
