"""The words for data practices that young people judge: which data, who uses it, for what.

One vocabulary for every app: the workshops' data preference card sort starts from it, and
the practice check describes a planned practice in the same words, so that what young people
said about a card is what a stakeholder's practice is checked against. Keys are stable codes;
labels are in the six languages Baraza speaks (apps may change an activity's own copy).
"""

from __future__ import annotations

from typing import Any


def _v(en: str, es: str, fr: str, ar: str, pt: str, sw: str) -> dict[str, str]:
    return {"en": en, "es": es, "fr": fr, "ar": ar, "pt": pt, "sw": sw}


DATA_PRACTICE_VOCABULARY: dict[str, list[dict[str, Any]]] = {
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
DATA_CATEGORY_PRACTICE_KINDS: list[dict[str, Any]] = [
    {"key": "answers", "label": _v("My answers to questions", "Mis respuestas a preguntas", "Mes réponses aux questions", "إجاباتي على الأسئلة", "As minhas respostas a perguntas", "Majibu yangu kwa maswali")},
    {"key": "free_text", "label": _v("What I write", "Lo que escribo", "Ce que j'écris", "ما أكتبه", "O que escrevo", "Ninachoandika")},
    {"key": "age_band", "label": _v("My age", "Mi edad", "Mon âge", "عمري", "A minha idade", "Umri wangu")},
    {"key": "gender", "label": _v("My gender", "Mi género", "Mon genre", "جنسي", "O meu género", "Jinsia yangu")},
]
