"""The practice check's vocabulary: the words a practice is described in and young people's
views are read in. Each organisation's consultation team manages its own (practice_term);
it starts from the workshops' card sort codes and the consultations' data categories, so
card sorts answered with the default cards are understood at once.

The codes are copied here, not imported (an app never imports another): the card sort's
default vocabulary (workshops/activities.py, DEFAULT_VOCABULARY) and the data categories a
consultation may declare (baraza/consultations/models.py, DATA_CATEGORIES) other than
`participation`. A code the card sort uses that is missing here is added by "Add the codes
the card sorts use" on the vocabulary page.
"""

from __future__ import annotations

from baraza.i18n import N_
from baraza.vocabulary import DATA_CATEGORY_PRACTICE_KINDS, DATA_PRACTICE_VOCABULARY

KINDS: tuple[str, ...] = ("data_kind", "user", "purpose")
KIND_LABELS: dict[str, str] = {"data_kind": N_("Kinds of data"), "user": N_("Who receives it"), "purpose": N_("Purposes")}
SAFEGUARD_LABELS: dict[str, str] = {
    "consent": N_("Young people are asked for consent"),
    "anonymised": N_("The data is anonymised"),
    "agreement": N_("Shared only under a data sharing agreement"),
    "deleted_after_use": N_("Deleted after use"),
}
SAFEGUARD_CHANGES: dict[str, str] = {
    "consent": N_("Ask young people for their consent"),
    "anonymised": N_("Anonymise the data"),
    "agreement": N_("Share it only under a data sharing agreement"),
    "deleted_after_use": N_("Delete it after use"),
}
RETENTION_LABELS: dict[str, str] = {"1m": N_("1 month"), "1y": N_("1 year"), "5y": N_("5 years"), "unlimited": N_("With no time limit")}
# Age bands are not a list of the practice check's own: they are the keys the core gives
# participants when they join ("15-17", "25+": baraza/participation/services/joining.py,
# which draws them from each context's age of consent), and the check offers those its
# consultation's young people are in (services.age_bands_of), labelled by the core
# (baraza.participation.api.age_band_label).

# The card sort's words, as the core holds them for every app.
CARD_SORT_VOCABULARY = DATA_PRACTICE_VOCABULARY


# The consultations' data categories, as kinds of data a practice may use (the core's words).
DATA_CATEGORY_KINDS = DATA_CATEGORY_PRACTICE_KINDS


def default_terms() -> list[tuple[str, str, dict[str, str]]]:
    """(kind, code, labels) of the starting vocabulary, in order."""
    out: list[tuple[str, str, dict[str, str]]] = []
    for part, kind in (("data_kinds", "data_kind"), ("users", "user"), ("purposes", "purpose")):
        for item in CARD_SORT_VOCABULARY[part]:
            out.append((kind, item["key"], dict(item["label"])))
    known = {code for kind, code, _l in out if kind == "data_kind"}
    out += [("data_kind", item["key"], dict(item["label"])) for item in DATA_CATEGORY_KINDS if item["key"] not in known]
    return out
