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

from collections import Counter
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Organisation
from baraza.consultations.models import Consultation
from baraza.db import registry_of
from baraza.jobs.worker import Worker
from baraza.settings import Settings
from insights.access import current_version
from insights.models import InsightRun, InsightText, RunStatus
from insights.services import do_create_recommendation, do_merge_themes, do_rename_theme, do_set_recommendation_status

MINISTRY = "Ministry of Digital Affairs (demo)"
COMPANY = "ConnectMobile (demo)"

# The names an analyst gives the themes, by the words their texts share (in the demo's three
# languages). A theme takes the name whose words most of its texts use; one that matches none
# keeps the model's key phrases.
THEME_NAMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("consent", "Ask us before sharing our records", ("ask", "asked", "pregunt", "consent", "سأل", "اسأل", "يسأل", "موافق", "الموافقة")),
    ("location", "Phones and apps that follow where we are", ("location", "gps", "ubicación", "localización", "الموقع", "موقعي")),
    ("biometrics", "Fingerprints and iris scans to get aid", ("fingerprint", "iris", "eye scan", "huella", "بصم", "العين")),
    ("online_safety", "Staying safe from strangers online", ("stranger", "fake account", "scam", "desconocid", "cuentas falsas", "estafa", "الغرباء", "المزيفة", "الاحتيال", "المسيئة", "hate comment", "odio")),
    ("delete", "Seeing and deleting what is kept about us", ("delete", "how long", "borrar", "cuánto tiempo", "حذف", "كم من الوقت")),
    ("plain_words", "Explain it in plain words", ("simple words", "terms and conditions", "privacy polic", "contract", "sencillas", "términos", "contratos", "بسيطة", "الشروط", "عقود", "سياسات")),
    ("selling", "Never sell data about young people", ("sold", "sell", "advertis", "vend", "anunci", "تباع", "تبيع", "المعلنين", "التسويق")),
    ("authorities", "Keep what we say away from police and authorities", ("police", "authorities", "policía", "autoridades", "الشرطة", "السلطات", "الأمن")),
    ("leaks", "Leaks and hacked accounts", ("leak", "hacked", "filtr", "hacke", "تسريب", "اختراق", "posted", "publicad")),
    ("feelings", "How data online makes us feel", ("worried", "watched", "curious", "calm", "confused", "annoyed", "tracked", "preocupado", "inseguro", "curioso", "tranquilo", "vigilado", "confundido", "molesto", "قلق", "حذر", "مهتم", "مرتاح", "مراق", "محتار", "غاضب")),
)


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


def topic_of(texts: list[str]) -> tuple[str, float]:
    """The topic whose words most of `texts` use, and the share of texts that use them."""
    votes: Counter[str] = Counter()
    for text in texts:
        low = text.casefold()
        for topic, _name, words in THEME_NAMES:
            if any(w in low for w in words):
                votes[topic] += 1
    if not votes:
        return "", 0.0
    topic, n = votes.most_common(1)[0]
    return topic, n / max(1, len(texts))


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
    from insights.services import do_start_run

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


def _name_themes(session: Session, actor: Any, run: InsightRun) -> dict[str, list[int]]:
    """Name each theme whose texts share a topic's words, merging the themes of one topic (one
    version per step, as an analyst's clicks make). Returns the theme key of each topic."""
    version = current_version(session, run)
    if version is None:
        return {}
    texts = dict(session.exec(select(InsightText.id, InsightText.masked_text).where(InsightText.run_id == run.id)).all())
    members: dict[int, list[str]] = {}
    for text_id, key in version.assignments.items():
        if int(text_id) in texts:
            members.setdefault(int(key), []).append(texts[int(text_id)])
    names = {topic: name for topic, name, _words in THEME_NAMES}
    by_topic: dict[str, list[int]] = {}
    for theme in sorted(version.themes, key=lambda t: -len(members.get(t["key"], []))):
        topic, share = topic_of(members.get(theme["key"], []))
        if topic and share >= 0.4:
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
