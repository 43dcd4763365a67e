"""The links between claims, as the claim page shows them: both ends of every
link the claim is part of, each with the other claim's current status (its
status then, in a view of the past)."""

from dataclasses import dataclass, replace

from django.db.models import Q

from claimtracker.claims.models import INVERSE_LABELS, Claim, Relation, RelationKind
from claimtracker.claims.moment import TODAY, Moment
from claimtracker.claims.queries.claims import claims_then, with_then

LINK_LIMIT = 50  # links shown on a claim page; the rest are counted
PARENT_LIMIT = 3  # claims this one refines whose sides are shown as context


@dataclass(frozen=True)
class Link:
    relation: Relation
    outgoing: bool  # read from this claim: "this claim refines the other"
    other: Claim

    @property
    def label(self) -> str:
        kind = RelationKind(self.relation.kind)
        return kind.label if self.outgoing else INVERSE_LABELS[kind]

    @property
    def refines_other(self) -> bool:
        return self.outgoing and self.relation.kind == RelationKind.REFINES


def links(claim: Claim, moment: Moment = TODAY) -> tuple[list[Link], int]:
    """Up to LINK_LIMIT links of the claim, outgoing first, then by kind and the
    other claim's id; and how many there are in all. Two queries (two more in a
    view of the past, for the other claims' statuses then); none for a claim
    read with ``linked`` false (claim_for_page)."""
    if getattr(claim, "linked", True) is False:
        return [], 0
    relations = Relation.objects.filter(Q(from_claim=claim) | Q(to_claim=claim))
    shown = (
        relations.select_related("from_claim__current_status", "to_claim__current_status")
        .defer("from_claim__context", "to_claim__context")
        .order_by("kind", "id")[:LINK_LIMIT]
    )
    found = [Link(r, True, r.to_claim) if r.from_claim_id == claim.pk else Link(r, False, r.from_claim) for r in shown]
    found.sort(key=lambda link: (not link.outgoing, link.relation.kind, link.other.pk))
    total = len(found) if len(found) < LINK_LIMIT else relations.count()
    return (_then(found, moment) if moment.past and found else found), total


def _then(found: list[Link], moment: Moment) -> list[Link]:
    """The links, each other claim read as it was in the view of the past
    (queries.claims.claims_then, as the list shows its claims)."""
    others = Claim.objects.filter(pk__in={link.other.pk for link in found}).defer("context")
    then = {claim.pk: claim for claim in claims_then(list(with_then(others, moment)))}
    return [replace(link, other=then[link.other.pk]) for link in found]


def refined(found: list[Link]) -> list[Claim]:
    """The claims this one refines (up to PARENT_LIMIT): their sides stand as context here."""
    return [link.other for link in found if link.refines_other][:PARENT_LIMIT]
