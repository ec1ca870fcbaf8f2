"""HTTP concerns shared by the API adapters: auth, JSON bodies, error shapes, OpenAPI."""
