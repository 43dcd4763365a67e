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
        # Read already with the versions of a page the page cache keeps (claims.pagecache), or asked now.
        read = getattr(request, "nav_counts", {})
        shown = {"review": bool(context["user_can_review"]), "mine": editor is not None}
        if all(read.get(name, -1) >= 0 for name, wanted in shown.items() if wanted):
            pending, rejected = read.get("review", 0), read.get("mine", 0)
        else:
            pending, rejected = nav_counts(editor, review=shown["review"])  # type: ignore[arg-type]
        if context["user_can_review"]:
            context["pending_review_count"] = pending
        if editor is not None:
            context["my_rejected_count"] = rejected
    return context
