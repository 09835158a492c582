"""The data protection focal point's audit screen: who did what, and who touched a record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from baraza.accounts.access import list_users
from baraza.accounts.roles import ROLE_LABELS
from baraza.audit import services as audit
from baraza.errors import InvalidInput
from baraza.i18n import N_
from baraza.participation.access import participant_id_by_reference
from baraza.web import actor, db, query_int, render, state, view

# Who acted, when the entry names no staff member the focal point can see.
ACTOR_KINDS: dict[str, str] = {
    "user": N_("Staff member"),
    "participant": N_("Participant"),
    "system": N_("Baraza itself"),
    "anonymous": N_("Someone not signed in"),
}


def _date(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidInput(N_("'%(name)s' must be a date like 2026-01-31.", name=name)) from exc


@view(permission="audit.read")
def search(request: Request) -> Response:
    a = actor(request)
    session = db(request)
    users = list_users(session, a, "user.view")
    user_id = query_int(request, "user")
    start = _date(request, "from")
    end = _date(request, "to")
    # The record types are the registered kinds (an allow-list, SECURITY 5): the names the
    # code writes into the log, so a search always finds what was recorded (SECURITY 26).
    registry = state(request).registry
    record_types = {k.name: k.label for k in registry.kinds.values() if k.searchable}
    kind_labels = {name: k.label for k in registry.kinds.values() for name in (k.name, *k.aliases)}
    record_type = request.query_params.get("record_type", "")
    record_id = request.query_params.get("record_id", "").strip()[:64]
    kind = registry.kind_named(record_type) if record_type else None
    if record_type and (kind is None or not kind.searchable):
        raise InvalidInput("Choose a record type from the list.")
    entries = []
    mode = ""
    # A search that cannot find anything as typed says why beside the results, not "Nothing found".
    problem = ""
    if user_id is not None and start and end and start > end:
        problem = N_("The first date comes after the last one: nothing can be found between them.")
    elif user_id is None and kind is not None and record_id and not record_id.isdigit() and kind.name != "participant":
        problem = N_("A record number is made of digits only, as the record's page shows it.")
    if problem:
        pass
    elif user_id is not None:
        # Only users within the focal point's own scope can be searched.
        if user_id not in {u.id for u in users}:
            raise InvalidInput("Choose a user from the list.")
        entries = audit.do_search_audit_by_user(session, a, user_id, start, end + timedelta(days=1) if end else None)
        mode = "user"
    elif kind is not None and record_id:
        if kind.name == "participant" and not record_id.isdigit():
            # A young person's reference, as their "my data" shows it, stands for their number.
            found = participant_id_by_reference(session, a, "audit.read", record_id)
        else:
            found = None
        entries = audit.do_search_audit_by_record(session, a, kind.name, str(found) if found is not None else record_id, aliases=kind.aliases)
        mode = "record"
    refs = audit.refs_of(session, [e.seq for e in entries])
    names = {u.id: u.display_name for u in users}
    rows = [
        {"entry": e, "refs": refs.get(e.seq, []), "detail": json.loads(e.detail or "{}"), "who": names.get(e.actor_user_id or -1)}
        for e in entries
    ]
    return render(
        request,
        "audit/search.html",
        {
            "title": N_("Audit log"),
            "users": users,
            "rows": rows,
            "mode": mode,
            "record_types": record_types,
            "kind_labels": kind_labels,
            "actor_kinds": ACTOR_KINDS,
            "role_labels": ROLE_LABELS,
            "q": {"user": user_id, "from": request.query_params.get("from", ""), "to": request.query_params.get("to", ""), "record_type": record_type, "record_id": record_id},
            "problem": problem,
        },
        block="results",
        status=400 if problem else 200,
    )
