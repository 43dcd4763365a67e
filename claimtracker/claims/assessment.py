"""The status that the stances on a claim suggest.

The suggestion is advice for the editor proposing a status change, never
applied by itself; the rules are in docs/decisions.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from claimtracker.claims.models import Actor, Attribution, Certainty, Polarity, Stance


@dataclass(frozen=True)
class Suggestion:
    slug: str
    reason: str


MAX_AFFILIATION_DEPTH = 5


def _root(actor: Actor) -> int:
    """The top of an actor's affiliations: John Kirby -> White House -> US Government.
    Two actors under one root are not independent sources."""
    for _ in range(MAX_AFFILIATION_DEPTH):
        if actor.parent is None:
            break
        actor = actor.parent
    return actor.pk


def suggest(attributions: Iterable[Attribution]) -> Suggestion:
    """From approved stances: all of them, or each actor's latest (the result is the same)."""
    # One voice per root: a government's later stance (Pyongyang's vice foreign
    # minister acknowledging) replaces its earlier one (its UN envoy denying).
    latest_by_root: dict[int, Attribution] = {}
    for attribution in sorted(attributions, key=lambda a: (a.stated_on, a.pk)):
        latest_by_root[_root(attribution.actor)] = attribution
    supporters = [a for a in latest_by_root.values() if a.polarity == Polarity.SUPPORTS]
    opponents = [a for a in latest_by_root.values() if a.polarity == Polarity.OPPOSES]
    if not supporters and not opponents:
        return Suggestion("unverified", "No actor has taken a side yet.")
    if supporters and opponents:
        return Suggestion(
            "disputed", f"{len(supporters)} independent side(s) support it and {len(opponents)} oppose it."
        )
    if opponents:
        if all(a.stance == Stance.RETRACTS for a in opponents):
            return Suggestion("retracted", "Those who made it have retracted it.")
        return Suggestion("disputed", "Only denials or disputes are recorded.")
    definite = [a for a in supporters if a.stance != Stance.ACKNOWLEDGES and a.certainty == Certainty.DEFINITE]
    roots = {_root(a.actor) for a in definite}
    if len(roots) >= 2:
        return Suggestion("corroborated", f"{len(roots)} independent actors state it definitely.")
    return Suggestion("reported", "Supported, but not yet by two independent actors stating it definitely.")
