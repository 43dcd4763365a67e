"""The editorial pages, one module per subject. Every view needs login
(LoginRequiredMiddleware) and checks the user's role itself; htmx requests get
the named partial of the same template, and every form also works as a plain
POST with a redirect."""
