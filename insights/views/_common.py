"""What the insights views share: ids from the path, the consultation and what the reader may do
and see there, and labels."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from baraza.accounts.roles import Actor
from baraza.consultations.access import access_consultation, permissions_on
from baraza.consultations.models import Consultation
from baraza.errors import NotFound
from baraza.i18n import N_
from baraza.web import actor, db
from insights.access import visible_context_ids

MAX_ID = 2**31 - 1

RUN_STATUS_LABELS = {
    "queued": N_("Waiting to start"),
    "running": N_("Running"),
    "done": N_("Finished"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}
RECOMMENDATION_STATUS_LABELS = {
    "draft": N_("Draft"),
    "review": N_("Shared with young people for review"),
    "final": N_("Final"),
}
ORGANISATION_KIND_LABELS = {
    "un_agency": N_("UN agencies"),
    "ngo": N_("NGOs"),
    "government": N_("Government units"),
    "tech_company": N_("Tech companies"),
    "youth_group": N_("Youth groups"),
}
ACTION_LABELS = {
    "model": N_("Themes found by the model"),
    "carry_over": N_("Analysts' decisions carried over from the previous run"),
    "rename": N_("Renamed a theme"),
    "merge": N_("Merged themes"),
    "split": N_("Split a theme"),
    "move": N_("Moved texts"),
    "noise": N_("Marked texts as noise"),
    "restore": N_("Restored an earlier version"),
}
CHANGE_LABELS = {
    "created": N_("created"),
    "title": N_("title"),
    "body": N_("text"),
    "addressed_kinds": N_("kinds of organisation"),
    "addressed_organisation_ids": N_("organisations"),
    "themes": N_("themes"),
    "quotes": N_("quotes"),
    "status": N_("status"),
}


def path_id(request: Request, name: str) -> int:
    value = int(request.path_params[name])
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


@dataclass
class Place:
    """The consultation a page is about, what the reader may do there and which contexts'
    texts and figures they may see."""

    consultation: Consultation
    may: frozenset[str]
    visible: set[int]


def place_of(request: Request, consultation_id: int, permission: str = "insights.view") -> Place:
    session = db(request)
    a: Actor = actor(request)
    consultation = access_consultation(session, a, consultation_id, permission)
    return Place(consultation, permissions_on(session, a, consultation_id), visible_context_ids(session, a, consultation))
SUMMARY_LABELS = {
    "read": N_("Texts read"),
    "kept": N_("Texts analysed"),
    "masked": N_("Texts with personal data masked"),
    "no_consent": N_("Left out: no consent to analysis"),
    "anonymous": N_("Left out: written by nobody known (paper notes)"),
    "held_safeguarding": N_("Left out: held by safeguarding"),
    "concerns_raised": N_("Safeguarding concerns raised"),
    "carried_kept": N_("Unchanged texts that kept the analysts' theme"),
    "carried_new": N_("New texts"),
    "carried_changed": N_("Texts corrected since the last run"),
    "carried_gone": N_("Texts of the last run no longer there"),
    "carried_to_existing": N_("New or corrected texts placed in an existing theme"),
    "carried_to_new": N_("New or corrected texts in new themes"),
    "carried_new_themes": N_("New themes"),
    "carried_to_other": N_("New or corrected texts in other"),
}
