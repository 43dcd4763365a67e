"""Claim Tracker: records who asserted, confirmed or denied each claim, and when."""
