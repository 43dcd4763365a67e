"""Claim timelines out of the app: CSV (streamed), JSON, and ClaimReview JSON-LD."""
