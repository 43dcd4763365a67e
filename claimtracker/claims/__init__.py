"""The domain: actors, sources, claims, who said what about them, and the desk's
assessment of each claim over time."""
