"""Roles (Viewer, Editor, Reviewer) and the permission helpers views use."""
