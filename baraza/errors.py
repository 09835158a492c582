"""Domain errors. Views and services raise these; the web layer turns them into friendly 4xx pages."""

from __future__ import annotations

from baraza.i18n import N_


class BarazaError(Exception):
    status_code = 400
    title = N_("Something is not right")

    def __init__(self, message: str = "", errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidInput(BarazaError):
    status_code = 400
    title = N_("Please check what you entered")


class NotFound(BarazaError):
    """Also what an out-of-scope record answers: the two are indistinguishable (SECURITY 1)."""

    status_code = 404
    title = N_("Not found")


class Forbidden(BarazaError):
    status_code = 403
    title = N_("Not allowed")


class Conflict(BarazaError):
    status_code = 409
    title = N_("This was already sent differently")


class TooManyRequests(BarazaError):
    status_code = 429
    title = N_("Too many attempts")


class LoginRequired(BarazaError):
    status_code = 401
    title = N_("Please sign in")


class ConsentRequired(Forbidden):
    """Nothing a participant contributes is stored without a valid consent record (SECURITY 18)."""

    title = N_("Consent needed first")


class ParticipantRequired(BarazaError):
    """A participant page was opened without the participant's cookie (or before consent):
    the web layer sends the browser to `location` (the join or home page of the consultation)."""

    status_code = 303
    title = N_("Join first")

    def __init__(self, location: str, message: str = "") -> None:
        super().__init__(message)
        self.location = location
