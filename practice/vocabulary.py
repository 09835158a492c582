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

from typing import Any

from baraza.i18n import N_

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
AGE_BANDS: tuple[str, ...] = ("13-15", "16-17", "18-20", "21-24")


def _v(en: str, es: str, fr: str, ar: str, pt: str, sw: str) -> dict[str, str]:
    return {"en": en, "es": es, "fr": fr, "ar": ar, "pt": pt, "sw": sw}


CARD_SORT_VOCABULARY: dict[str, list[dict[str, Any]]] = {
    "data_kinds": [
        {"key": "school_records", "label": _v("School records", "Registros escolares", "Dossiers scolaires", "السجلات المدرسية", "Registros escolares", "Rekodi za shule")},
        {"key": "location", "label": _v("Where I am (location)", "Dónde estoy (ubicación)", "Où je suis (localisation)", "مكان وجودي (الموقع)", "Onde estou (localização)", "Mahali nilipo")},
        {"key": "health", "label": _v("Health information", "Información de salud", "Informations de santé", "المعلومات الصحية", "Informações de saúde", "Taarifa za afya")},
        {"key": "online", "label": _v("What I do online", "Lo que hago en internet", "Ce que je fais en ligne", "ما أفعله على الإنترنت", "O que faço na internet", "Ninachofanya mtandaoni")},
        {"key": "identity", "label": _v("ID documents and fingerprints", "Documentos de identidad y huellas", "Papiers d'identité et empreintes", "وثائق الهوية والبصمات", "Documentos de identidade e impressões digitais", "Vitambulisho na alama za vidole")},
        {"key": "family", "label": _v("Information about my family", "Información sobre mi familia", "Informations sur ma famille", "معلومات عن عائلتي", "Informações sobre a minha família", "Taarifa kuhusu familia yangu")},
    ],
    "users": [
        {"key": "ministry", "label": _v("A government ministry", "Un ministerio del gobierno", "Un ministère", "وزارة حكومية", "Um ministério do governo", "Wizara ya serikali")},
        {"key": "tech_company", "label": _v("A tech company", "Una empresa de tecnología", "Une entreprise de technologie", "شركة تكنولوجيا", "Uma empresa de tecnologia", "Kampuni ya teknolojia")},
        {"key": "un_agency", "label": _v("A UN agency", "Una agencia de la ONU", "Une agence de l'ONU", "وكالة تابعة للأمم المتحدة", "Uma agência da ONU", "Shirika la Umoja wa Mataifa")},
        {"key": "school", "label": _v("My school", "Mi escuela", "Mon école", "مدرستي", "A minha escola", "Shule yangu")},
    ],
    "purposes": [
        {"key": "send_help", "label": _v("To send help", "Para enviar ayuda", "Pour envoyer de l'aide", "لإرسال المساعدة", "Para enviar ajuda", "Kutuma msaada")},
        {"key": "advertise", "label": _v("To advertise", "Para hacer publicidad", "Pour faire de la publicité", "للإعلان", "Para fazer publicidade", "Kutangaza biashara")},
        {"key": "research", "label": _v("To do research", "Para investigar", "Pour faire de la recherche", "لإجراء البحوث", "Para fazer pesquisa", "Kufanya utafiti")},
    ],
}


# The consultations' data categories, as kinds of data a practice may use.
DATA_CATEGORY_KINDS: list[dict[str, Any]] = [
    {"key": "answers", "label": _v("My answers to questions", "Mis respuestas a preguntas", "Mes réponses aux questions", "إجاباتي على الأسئلة", "As minhas respostas a perguntas", "Majibu yangu kwa maswali")},
    {"key": "free_text", "label": _v("What I write", "Lo que escribo", "Ce que j'écris", "ما أكتبه", "O que escrevo", "Ninachoandika")},
    {"key": "age_band", "label": _v("My age", "Mi edad", "Mon âge", "عمري", "A minha idade", "Umri wangu")},
    {"key": "gender", "label": _v("My gender", "Mi género", "Mon genre", "جنسي", "O meu género", "Jinsia yangu")},
]


def default_terms() -> list[tuple[str, str, dict[str, str]]]:
    """(kind, code, labels) of the starting vocabulary, in order."""
    out: list[tuple[str, str, dict[str, str]]] = []
    for part, kind in (("data_kinds", "data_kind"), ("users", "user"), ("purposes", "purpose")):
        for item in CARD_SORT_VOCABULARY[part]:
            out.append((kind, item["key"], dict(item["label"])))
    known = {code for kind, code, _l in out if kind == "data_kind"}
    out += [("data_kind", item["key"], dict(item["label"])) for item in DATA_CATEGORY_KINDS if item["key"] not in known]
    return out
