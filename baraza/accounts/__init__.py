"""Organisations, contexts, staff users, roles and scopes, sign-in."""
