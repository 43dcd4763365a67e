from django.http import HttpRequest

from claimtracker.accounts.roles import can_edit, can_review


def roles(request: HttpRequest) -> dict[str, object]:
    """What the navigation needs: the user's abilities, for reviewers the queue
    length, and for editors how many of their entries were sent back."""
    user = request.user
    context: dict[str, object] = {"user_can_edit": can_edit(user), "user_can_review": can_review(user)}
    if context["user_can_review"] or context["user_can_edit"]:
        from claimtracker.claims.queries import nav_counts

        editor = user if context["user_can_edit"] else None
        pending, rejected = nav_counts(editor, review=bool(context["user_can_review"]))  # type: ignore[arg-type]
        if context["user_can_review"]:
            context["pending_review_count"] = pending
        if editor is not None:
            context["my_rejected_count"] = rejected
    return context
