from django.http import HttpRequest

from claimtracker.accounts.roles import can_edit, can_review


def roles(request: HttpRequest) -> dict[str, object]:
    """What the navigation needs: the user's abilities and, for reviewers, the queue length."""
    user = request.user
    context: dict[str, object] = {"user_can_edit": can_edit(user), "user_can_review": can_review(user)}
    if context["user_can_review"]:
        from claimtracker.claims.queries import pending_count

        context["pending_review_count"] = pending_count()
    return context
