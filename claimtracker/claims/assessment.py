"""The status that the stances on a claim suggest.

The suggestion is advice for the editor proposing a status change, never
applied by itself; the rules are in docs/decisions.md.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    slug: str
    reason: str


MAX_AFFILIATION_DEPTH = 5


@dataclass(frozen=True)
class Voices:
    """The latest approved stance of each independent side on a claim, counted.
    Sides are affiliation roots (John Kirby -> White House -> US Government): two
    actors under one root are not independent, and a government's later stance
    (Pyongyang's vice foreign minister acknowledging) replaces its earlier one
    (its UN envoy denying). queries.voices counts them in SQL."""

    supporters: int
    opponents: int
    retracting_opponents: int  # opponents whose latest stance retracts
    definite_supporters: int  # supporters stating it definitely (not merely acknowledging)


def suggest(voices: Voices) -> Suggestion:
    if not voices.supporters and not voices.opponents:
        return Suggestion("unverified", "No actor has taken a side yet.")
    if voices.supporters and voices.opponents:
        return Suggestion(
            "disputed",
            f"{voices.supporters} independent side(s) support it and {voices.opponents} oppose it.",
        )
    if voices.opponents:
        if voices.retracting_opponents == voices.opponents:
            return Suggestion("retracted", "Those who made it have retracted it.")
        return Suggestion("disputed", "Only denials or disputes are recorded.")
    if voices.definite_supporters >= 2:
        return Suggestion("corroborated", f"{voices.definite_supporters} independent actors state it definitely.")
    return Suggestion("reported", "Supported, but not yet by two independent actors stating it definitely.")
