"""Reading a request's form once.

A browser's form POST is parsed by the CSRF middleware (baraza/security.py), which needs the
`csrf_token` field before anything else runs. It hands that parse on in the request's scope;
`read_form` gives it to the view instead of parsing the same body a second time, and parses
the body itself only when the middleware did not (htmx requests carry their token in a header,
so the middleware never parses their body). Either way the view's limits on fields and files
are applied exactly as the parser applies them, with the parser's own error, so a view cannot
tell which path its form took. The middleware owns the parse it made and closes its files once
the response is sent.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Scope

PARSED_FORM_KEY = "baraza.parsed_form"


def keep_parsed_form(scope: Scope, form: FormData) -> None:
    """Called by the CSRF middleware: this request's body, parsed with the parser's defaults."""
    scope[PARSED_FORM_KEY] = form


def parsed_form(scope: Scope) -> FormData | None:
    form = scope.get(PARSED_FORM_KEY)
    return form if isinstance(form, FormData) else None


async def read_form(request: Request, *, max_files: int, max_fields: int) -> FormData:
    """The request's form: the one the CSRF middleware already parsed, else parsed now.

    Raises starlette's HTTPException(400) with the parser's own message when the form has more
    files or fields than the view takes (the middleware parsed with the parser's defaults,
    which are at least as wide as any view's)."""
    form = parsed_form(request.scope)
    if form is None:
        return await request.form(max_files=max_files, max_fields=max_fields)
    files = sum(1 for _name, value in form.multi_items() if isinstance(value, UploadFile))
    if files > max_files:
        raise HTTPException(status_code=400, detail=f"Too many files. Maximum number of files is {max_files}.")
    if len(form.multi_items()) - files > max_fields:
        raise HTTPException(status_code=400, detail=f"Too many fields. Maximum number of fields is {max_fields}.")
    return form
