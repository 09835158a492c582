"""Domain errors. Views and services raise these; the web layer turns them into friendly 4xx pages."""

from __future__ import annotations

from typing import Self

from baraza.i18n import N_


class BarazaError(Exception):
    status_code = 400
    title = N_("Something is not right")
    # A refusal whose own record must survive it (the audit entry of a failed sign-in, a
    # throttle's count): whoever runs the use case commits before answering, instead of
    # rolling back. Set it with `.recorded()`; nothing else commits on a refusal.
    keep_changes = False

    def __init__(self, message: str = "", errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def recorded(self) -> Self:
        """Mark this refusal as one whose audit entry and counters are kept (see keep_changes)."""
        self.keep_changes = True
        return self


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
    """429. `retry_after` (seconds) is sent as the `Retry-After` header; without it the web
    layer sends the throttle window (`throttle_window_minutes`)."""

    status_code = 429
    title = N_("Too many attempts")

    def __init__(self, message: str = "", errors: dict[str, str] | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message, errors)
        self.retry_after = None if retry_after is None else max(1, int(retry_after))


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


# Starlette raises its own HTTPException for an address nothing answers (404), a method a route
# does not take (405), and a body it cannot read (400, 413): its `detail` is English and technical,
# so a person is shown these words instead, in their language. Each is a whole sentence.
_STATUS_WORDS: dict[int, tuple[str, str]] = {
    400: (N_("Something is not right"), N_("Your browser sent something Baraza could not read. Please go back and try again.")),
    401: (N_("Please sign in"), N_("Sign in to see this page.")),
    403: (N_("Not allowed"), N_("You cannot do this here.")),
    404: (N_("Not found"), ""),  # the error page adds that the page may have moved
    405: (N_("Not possible here"), N_("This address does not take that kind of request.")),
    406: (N_("Not possible here"), N_("Baraza cannot answer this request in a form your browser accepts.")),
    408: (N_("This took too long"), N_("What you sent took too long to arrive. Please try again.")),
    409: (N_("This was already sent differently"), N_("This changed in the meantime. Please reload the page and try again.")),
    410: (N_("Not found"), N_("This is no longer here.")),
    411: (N_("Not accepted"), N_("The form could not be read. Please send it again.")),
    413: (N_("Not accepted"), N_("The upload is too large.")),
    414: (N_("Not accepted"), N_("This address is too long. Please go back and try again.")),
    415: (N_("Not accepted"), N_("Baraza cannot read this kind of form or file.")),
    422: (N_("Please check what you entered"), N_("The form could not be read. Please send it again.")),
    429: (N_("Too many attempts"), N_("Please wait a few minutes, then try again.")),
}
_OTHER_CLIENT_ERROR = (N_("Something is not right"), N_("Baraza could not do what was asked. Please go back and try again."))
_SERVER_ERROR = (N_("Sorry"), N_("Something went wrong on our side. What you had saved is safe; please try again."))


def for_http_status(status_code: int) -> BarazaError:
    """The friendly error for a status raised outside Baraza's own code (by Starlette): a
    translated title and explanation for the status, never the exception's English detail."""
    if status_code >= 500:
        title, message = _SERVER_ERROR
    else:
        title, message = _STATUS_WORDS.get(status_code, _OTHER_CLIENT_ERROR)
    error = {404: NotFound, 429: TooManyRequests}.get(status_code, BarazaError)(message)
    error.status_code = status_code if 400 <= status_code <= 599 else 400
    error.title = title
    return error
