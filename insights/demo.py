"""The insights part of the demo (after the surveys and workshops parts): the analyst's run of
the demo consultation's free text, themes named the way an analyst names them, and
recommendations drafted from them, some shared with youth and some final (final ones are
addressed to the demo ministry and the demo tech company: the tracker hears of them through
`recommendation.finalised`, as it does of any).

Every step goes through the use cases an analyst's pages call (`do_start_run`, the job the
worker runs, `do_rename_theme`, `do_create_recommendation`, `do_set_recommendation_status`),
as the analyst: audited, scoped, screened. The run is the background job a person starts,
run here at once by a worker of this process.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Organisation
from baraza.consultations.models import Consultation
from baraza.db import registry_of
from baraza.jobs.worker import Worker
from baraza.settings import Settings
from insights.access import current_version
from insights.models import InsightRun, InsightText, RunStatus, ThemeVersion
from insights.services import (
    do_create_recommendation,
    do_merge_themes,
    do_rename_theme,
    do_set_recommendation_status,
    do_split_theme,
)

MINISTRY = "Ministry of Digital Affairs (demo)"
COMPANY = "ConnectMobile (demo)"

# The names an analyst gives the themes, by the words their texts use (in the demo's three
# languages: each of the demo's remark templates, surveys/demo.py, has a word of its topic here;
# an app never imports another, so they are copied). A theme takes the name of the topic most of
# its texts speak of (`theme_topic`); one whose texts speak of none, or of two topics about as
# much, keeps the model's key phrases, as an analyst would leave a mixed theme unnamed.
THEME_NAMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("consent", "Ask us before sharing our records", (
        "ask", "asked", "no one told", "found out", "pregunt", "me avisó", "me enteré", "consent",
        "سأل", "اسأل", "يسأل", "الموافقة", "وافقنا", "لم يخبرني",
    )),
    ("location", "Phones and apps that follow where we are", (
        "location", "gps", "where i am", "ubicación", "localización", "dónde estoy", "الموقع", "موقعي", "مكاني",
    )),
    ("biometrics", "Fingerprints and iris scans to get aid", (
        "fingerprint", "iris", "eye scan", "huella", "بصم", "العين",
    )),
    ("online_safety", "Staying safe from strangers online", (
        "stranger", "fake account", "scam", "hate comment", "private on", "safety settings", "public by default", "protect young people",
        "desconocid", "cuentas falsas", "estafa", "odio", "mantener privado", "configuración de seguridad", "público por defecto", "proteger a los jóvenes",
        "الغرباء", "المزيفة", "الاحتيال", "المسيئة", "إعدادات الأمان", "علمونا كيف", "تحمي", "بدون إذن",
    )),
    ("delete", "Seeing and deleting what is kept about us", (
        "delete", "how long", "borrar", "cuánto tiempo", "حذف", "كم من الوقت",
    )),
    ("plain_words", "Explain it in plain words", (
        "simple words", "terms and conditions", "privacy polic", "contract", "legal words", "clicked accept", "our language",
        "sencillas", "términos", "contratos", "abogados", "le di aceptar", "qué pasa con lo que compartimos",
        "بسيطة", "الشروط", "عقود", "سياسات", "كلمات قانونية", "ضغطت موافق", "بلغتنا",
    )),
    ("selling", "Never sell data about young people", (
        "sold", "sell", "advertis", "data broker", "vend", "anunciantes", "publicidad", "تباع", "تبيع", "المعلنين", "التسويق", "للإعلانات",
    )),
    ("authorities", "Keep what we say away from police and authorities", (
        "police", "authorities", "security office", "immigration", "policía", "autoridades", "migración", "الشرطة", "السلطات", "الأمن",
    )),
    ("leaks", "Leaks and hacked accounts", (
        "leak", "hacked", "posted", "published", "everyone saw", "someone shared", "filtr", "hacke", "publicad", "todos los vieron",
        "تسريب", "اختراق", "ورآها الجميع",
    )),
    ("feelings", "How data online makes us feel", (
        "worried", "watched", "curious", "calm", "confused", "annoyed", "tracked", "preocupado", "inseguro", "curioso", "tranquilo",
        "vigilado", "confundido", "molesto", "قلق", "حذر", "مهتم", "مرتاح", "مراق", "محتار", "غاضب",
    )),
)
# A theme is mixed when its second topic is spoken of at least this much of its first.
MIXED = 0.5
# A theme of three or four topics is split at most this many times.
MAX_SPLITS = 3

# The same names for the consultation's Spanish and Arabic readers (the young people reviewing
# their remarks, the guidance, the dashboards), as an analyst gives them on the theme's page.
THEME_NAMES_IN: dict[str, dict[str, str]] = {
    "consent": {"es": "Pregúntennos antes de compartir nuestros datos", "ar": "اسألونا قبل مشاركة سجلاتنا"},
    "location": {"es": "Teléfonos y aplicaciones que siguen dónde estamos", "ar": "هواتف وتطبيقات تتبع أماكننا"},
    "biometrics": {"es": "Huellas y escaneo del iris para recibir ayuda", "ar": "بصمات الأصابع ومسح العين للحصول على المساعدة"},
    "online_safety": {"es": "Protegernos de desconocidos en internet", "ar": "الأمان من الغرباء على الإنترنت"},
    "delete": {"es": "Ver y borrar lo que se guarda sobre nosotros", "ar": "رؤية ما يُحفظ عنا وحذفه"},
    "plain_words": {"es": "Explíquenlo con palabras sencillas", "ar": "اشرحوا لنا بكلمات بسيطة"},
    "selling": {"es": "Nunca vender datos de jóvenes", "ar": "لا تبيعوا أبداً بيانات الشباب"},
    "authorities": {"es": "Que lo que decimos no llegue a la policía ni a las autoridades", "ar": "أبعدوا ما نقوله عن الشرطة والسلطات"},
    "leaks": {"es": "Filtraciones y cuentas hackeadas", "ar": "التسريبات والحسابات المخترقة"},
    "feelings": {"es": "Cómo nos hacen sentir los datos en internet", "ar": "كيف تجعلنا البيانات على الإنترنت نشعر"},
}


def _t(en: str, es: str, ar: str) -> dict[str, str]:
    return {"en": en, "es": es, "ar": ar}


# (topic of the themes behind it, title, body, addressed kinds, addressed organisations, status)
RECOMMENDATIONS: tuple[tuple[str, dict[str, str], dict[str, str], tuple[str, ...], tuple[str, ...], str], ...] = (
    (
        "consent",
        _t("Ask young people before their school and health records are shared",
           "Preguntar a los jóvenes antes de compartir sus registros escolares y de salud",
           "اسألوا الشباب قبل مشاركة سجلاتهم المدرسية والصحية"),
        _t("Records about young people leave schools and clinics only after the young person (or, under the age of consent, their guardian) has been asked in plain words and has said yes.",
           "Los registros sobre jóvenes salen de colegios y centros de salud solo después de preguntarle a la persona joven (o, por debajo de la edad de consentimiento, a quien la cuida) con palabras sencillas, y de que diga que sí.",
           "لا تخرج السجلات المتعلقة بالشباب من المدارس والعيادات إلا بعد سؤال الشاب أو الشابة (أو ولي الأمر دون سن الموافقة) بكلمات بسيطة وموافقته."),
        ("government",), (MINISTRY,), "final",
    ),
    (
        "location",
        _t("Keep young people's phone location off by default",
           "Mantener apagada por defecto la ubicación del celular de los jóvenes",
           "إبقاء موقع هواتف الشباب مطفأً بشكل تلقائي"),
        _t("Apps and phone services turn location off for accounts of people under 18 unless the young person turns it on for a reason they understand, and never use it for advertising.",
           "Las aplicaciones y los servicios de telefonía apagan la ubicación en las cuentas de menores de 18 años, salvo que la persona joven la active por una razón que entienda, y nunca la usan para publicidad.",
           "تطفئ التطبيقات وخدمات الهاتف الموقع في حسابات من هم دون 18 عامًا إلا إذا شغّله الشاب لسبب يفهمه، ولا تستخدمه أبدًا للإعلانات."),
        ("tech_company",), (COMPANY,), "final",
    ),
    (
        "delete",
        _t("Let young people see and delete the data kept about them",
           "Dejar que los jóvenes vean y borren los datos que se guardan sobre ellos",
           "السماح للشباب برؤية البيانات المحفوظة عنهم وحذفها"),
        _t("Every service that keeps data about young people offers one simple page to see it, download it and ask for it to be deleted, and says how long it keeps it.",
           "Todo servicio que guarda datos de jóvenes ofrece una página sencilla para verlos, descargarlos y pedir que se borren, y dice cuánto tiempo los guarda.",
           "كل خدمة تحتفظ ببيانات عن الشباب توفر صفحة بسيطة لرؤيتها وتنزيلها وطلب حذفها، وتقول كم من الوقت تحتفظ بها."),
        ("government", "tech_company"), (MINISTRY, COMPANY), "final",
    ),
    (
        "biometrics",
        _t("Make fingerprints and iris scans optional for aid registration",
           "Que las huellas y el escaneo del iris sean opcionales para registrarse a la ayuda",
           "جعل البصمات ومسح العين اختياريًا للتسجيل في المساعدات"),
        _t("No young person or family loses aid for refusing a biometric scan; an alternative is offered and explained, and scans are kept only as long as the aid lasts.",
           "Ninguna persona joven ni familia pierde la ayuda por negarse a un escaneo biométrico; se ofrece y explica una alternativa, y los escaneos se guardan solo mientras dura la ayuda.",
           "لا يخسر أي شاب أو عائلة المساعدة بسبب رفض المسح البيومتري؛ يُعرض بديل ويُشرح، ولا يُحتفظ بالمسح إلا طوال مدة المساعدة."),
        ("un_agency", "ngo"), (), "review",
    ),
    (
        "selling",
        _t("Never sell data about young people", "Nunca vender datos sobre jóvenes", "عدم بيع بيانات الشباب أبدًا"),
        _t("", "", ""),
        ("tech_company",), (), "draft",
    ),
)
QUOTES_PER_RECOMMENDATION = 3


def _demo_consultation(session: Session, organisation: Any) -> Consultation | None:
    from baraza import demo

    title = getattr(demo, "DEMO_CONSULTATION_TITLE", None)
    consultations = session.exec(select(Consultation).where(Consultation.organisation_id == organisation.id)).all()
    return next((c for c in consultations if title and title in c.title.values()), None)


def _plain(text: str) -> str:
    """Casefolded, without Arabic short vowels and elongation (تُباع is تباع): the words above
    are written without them, as young people often do."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text.casefold()) if not ("\u064b" <= ch <= "\u065f" or ch == "\u0640"))


_PLAIN_WORDS = tuple((topic, tuple(_plain(w) for w in words)) for topic, _name, words in THEME_NAMES)


def topics_of(text: str) -> list[str]:
    """The demo topics whose words `text` uses."""
    low = _plain(text)
    return [topic for topic, words in _PLAIN_WORDS if any(w in low for w in words)]


def topic_of(texts: list[str]) -> tuple[str, float]:
    """The topic most of `texts` speak of, and the share of texts that speak of it."""
    ranked = _votes(texts)
    if not ranked:
        return "", 0.0
    topic, n = ranked[0]
    return topic, n / max(1, len(texts))


def _votes(texts: Iterable[str]) -> list[tuple[str, float]]:
    """Topics by how much `texts` speak of them, most first. A text that speaks of several
    topics counts for each a part (a remark on location ads is half location, half selling);
    texts that speak of none (a card's one-word reason) leave the others to decide."""
    votes: dict[str, float] = {}
    for text in texts:
        found = topics_of(text)
        for topic in found:
            votes[topic] = votes.get(topic, 0.0) + 1 / len(found)
    return sorted(votes.items(), key=lambda item: -item[1])


def theme_topic(texts: list[str]) -> str:
    """The topic a theme is named after: the one most of its texts speak of, whatever its share,
    unless a second topic is spoken of about as much (a mixed theme) or none is ("")."""
    ranked = _votes(texts)
    if not ranked or (len(ranked) > 1 and ranked[1][1] >= MIXED * ranked[0][1]):
        return ""
    return ranked[0][0]


def split_of(texts: Mapping[int, str]) -> tuple[str, list[int]] | None:
    """For a mixed theme (text id -> text), the second topic and the ids of its texts that do not
    speak of the first: what an analyst moves out into a theme of its own. None for a theme
    that is not mixed, or when the move would empty it."""
    ranked = _votes(texts.values())
    if len(ranked) < 2 or ranked[1][1] < MIXED * ranked[0][1]:
        return None
    first, second = ranked[0][0], ranked[1][0]
    chosen = [i for i, text in texts.items() if second in (found := topics_of(text)) and first not in found]
    return (second, chosen) if chosen and len(chosen) < len(texts) else None


def seed_demo_insights(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The demo_seeders hook: run, name, recommend (see the module's docstring). Under
    BARAZA_ENV=test it is left out: the many browser tests that seed the demo only for its
    accounts stay fast (tests/test_demo_loop.py seeds the whole demo, this part included)."""
    if settings.environment == "test":
        return None
    consultation = _demo_consultation(session, organisation)
    analyst = users.get("analyst@demo.baraza.test")
    if consultation is None or analyst is None:
        return "Insights: no demo consultation or analyst found, so no analysis was added."
    actor = actor_for_user(session, analyst)
    from insights.services import do_publish_version, do_start_run

    run = do_start_run(session, actor, consultation.id)  # type: ignore[arg-type]
    run_id = run.id
    session.commit()
    # The job a person's click queues, run here by a worker of this process until none is left.
    Worker(session.get_bind(), settings, registry_of(session), name="demo").run_until_idle(schedules=False)  # type: ignore[arg-type]
    session.expire_all()
    run = session.exec(select(InsightRun).where(InsightRun.id == run_id)).one()
    if run.status != RunStatus.DONE.value:
        return f"Insights: the demo run did not finish ({run.status}); start one as the analyst."
    by_topic = _name_themes(session, actor, run)
    named = current_version(session, run)
    if named is not None:
        # The analyst publishes the named themes: the dashboards, the brief, the guidance and
        # young people's "What we heard" show them (a new run waits for its own publication).
        do_publish_version(session, actor, run.id, named.number)  # type: ignore[arg-type]
    made = _recommend(session, actor, consultation, run, by_topic)
    version = current_version(session, run)
    themes = len(version.themes) if version else 0
    # The youth review's demo part (young people contest a coding, endorse a recommendation
    # shared for review) is seeded by its own seeder after this one.
    return (
        f"Insights: the analyst's run of the demo's free text found {themes} themes (named by the analyst); "
        f"{made} recommendations drafted, shared with youth or final: /insights/consultations/{consultation.id}. "
        "The disclosure it met waits for the focal point at /safeguarding/."
    )


def _members(session: Session, run: InsightRun, version: ThemeVersion) -> dict[int, dict[int, str]]:
    """Each theme's texts (text id -> masked text) in `version`."""
    texts = dict(session.exec(select(InsightText.id, InsightText.masked_text).where(InsightText.run_id == run.id)).all())
    members: dict[int, dict[int, str]] = {}
    for text_id, key in version.assignments.items():
        if int(text_id) in texts:
            members.setdefault(int(key), {})[int(text_id)] = texts[int(text_id)]
    return members


def _name_themes(session: Session, actor: Any, run: InsightRun) -> dict[str, list[int]]:
    """Curate the themes as an analyst does, one version per step: a mixed theme's texts about a
    second topic move out into a theme of their own (a split), then each theme is named after
    the topic most of its texts speak of, the themes of one topic merged into one. The run's
    seed is drawn at random, so the model's themes differ from one demo to the next: naming by
    the topic most texts speak of, whatever its share, names most of them every time. Returns
    the theme key of each topic."""
    version = current_version(session, run)
    if version is None:
        return {}
    names = {topic: name for topic, name, _words in THEME_NAMES}
    members = _members(session, run, version)
    for key in sorted(members, key=lambda k: -len(members[k])):
        own = members[key]
        for _ in range(MAX_SPLITS):
            split = split_of(own)
            if split is None:
                break
            topic, text_ids = split
            version = do_split_theme(session, actor, run.id, key, text_ids, names[topic], based_on=version.number)  # type: ignore[arg-type]
            own = {i: text for i, text in own.items() if i not in set(text_ids)}
    members = _members(session, run, version)
    by_topic: dict[str, list[int]] = {}
    for theme in sorted(version.themes, key=lambda t: -len(members.get(t["key"], {}))):
        topic = theme_topic(list(members.get(theme["key"], {}).values()))
        if topic:
            by_topic.setdefault(topic, []).append(theme["key"])
    for topic, keys in by_topic.items():
        latest = current_version(session, run)
        based_on = latest.number if latest else None
        if len(keys) > 1:
            # Themes saying the same thing (often in different languages) become one, named.
            based_on = do_merge_themes(session, actor, run.id, keys, names[topic], based_on=based_on).number  # type: ignore[arg-type]
        do_rename_theme(session, actor, run.id, keys[0], names[topic], names=THEME_NAMES_IN[topic], based_on=based_on)  # type: ignore[arg-type]
        by_topic[topic] = keys[:1]  # a merge keeps the first theme's key
    return by_topic


def _recommend(session: Session, actor: Any, consultation: Consultation, run: InsightRun, by_topic: dict[str, list[int]]) -> int:
    organisations = {o.name: o.id for o in session.exec(select(Organisation)).all()}
    version = current_version(session, run)
    assignments = version.assignments if version else {}
    made = 0
    for topic, title, body, kinds, names, status in RECOMMENDATIONS:
        keys = by_topic.get(topic, [])
        themes = [f"{run.id}:{key}" for key in keys]
        text_ids = [int(t) for t, k in assignments.items() if k in keys]
        quotes = [
            str(ref)
            for ref in session.exec(
                select(col(InsightText.source_ref))
                .where(InsightText.run_id == run.id, col(InsightText.id).in_(text_ids), col(InsightText.held).is_(False))
                .order_by(col(InsightText.id))
                .limit(QUOTES_PER_RECOMMENDATION)
            ).all()
        ] if text_ids else []
        recommendation = do_create_recommendation(
            session, actor, consultation.id,  # type: ignore[arg-type]
            title=title, body={k: v for k, v in body.items() if v}, addressed_kinds=kinds,
            addressed_organisation_ids=[int(organisations[n] or 0) for n in names if n in organisations], themes=themes, quotes=quotes,
        )
        if status in ("review", "final"):
            do_set_recommendation_status(session, actor, recommendation, "review")
        if status == "final":
            # Emits recommendation.finalised: the tracker addresses it to the named organisations.
            do_set_recommendation_status(session, actor, recommendation, "final")
        made += 1
    return made
