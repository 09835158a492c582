"""The demo consultation "Your data, your say": open, in English, Spanish and Arabic, in the
Bogotá and Zaatari contexts, with a signed-off impact assessment, notices in every language,
decisions in the log, and a few synthetic participants so the counts mean something."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from baraza.accounts.auth import actor_for_user
from baraza.accounts.models import Context, Organisation, ThrottleEvent, User
from baraza.accounts.roles import ANONYMOUS
from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation
from baraza.consultations.services import ConsultationFields, do_create_consultation, do_open_consultation
from baraza.governance.services import DPIA_KEYS, do_save_impact_assessment, do_sign_off_impact_assessment
from baraza.participation.services import do_join_consultation, do_publish_notice, latest_notice
from baraza.safeguarding.services import do_set_referral_contact
from baraza.settings import Settings

DEMO_CONSULTATION_TITLE = "Your data, your say"
DEMO_JOIN_CODE = "DATA26"

TITLES = {"en": DEMO_CONSULTATION_TITLE, "es": "Tus datos, tu voz", "ar": "بياناتك، رأيك"}
DESCRIPTIONS = {
    "en": "Organisations keep data about young people. Tell us what they may do with it, and what they must never do.",
    "es": "Las organizaciones guardan datos sobre jóvenes. Dinos qué pueden hacer con ellos y qué no deben hacer nunca.",
    "ar": "تحتفظ المنظمات ببيانات عن الشباب. أخبرنا ماذا يمكنها أن تفعل بها، وما الذي يجب ألا تفعله أبدًا.",
}
NOTICES: dict[str, dict[str, str]] = {
    "en": {
        "what_collected": "We save your answers, what you write in your own words, and your age group. We never ask your name or address. If you want a message when there is news about what was done, you can give a phone number or an e-mail address. Only that message uses it; the team never sees it; it is deleted when you remove it, say no to news, or leave.",
        "why": "To find out what young people want done with data about them, and to write advice for governments and companies.",
        "who_sees": "Only the small team at Youth Data Futures running this. Results are shown as totals of at least 5 people, so nobody can tell what you said.",
        "how_long": "We keep your answers for 1 year and what you write for 6 months. Then we delete them.",
        "if_no": "That is fine. Nothing is saved and nothing bad happens. You can stop at any time.",
        "your_rights": "Open \"My data\" at any time: see what you told us, download it, change or delete an answer, or leave. Keep your secret words: they bring you back, even on another phone.",
        "contact": "Ask the person running the session, or write to the data protection focal point of Youth Data Futures.",
    },
    "es": {
        "what_collected": "Guardamos tus respuestas, lo que escribes con tus palabras y tu grupo de edad. Nunca pedimos tu nombre ni tu dirección. Si quieres un mensaje cuando haya novedades sobre lo que se hizo, puedes dar un número de teléfono o un correo electrónico. Solo se usa para ese mensaje; el equipo nunca lo ve; se borra cuando lo quitas, dices que no quieres novedades o te vas.",
        "why": "Para saber qué quieren los jóvenes que se haga con los datos sobre ellos, y escribir consejos para gobiernos y empresas.",
        "who_sees": "Solo el pequeño equipo de Youth Data Futures que hace esta consulta. Los resultados se muestran como totales de al menos 5 personas, así nadie sabe lo que dijiste.",
        "how_long": "Guardamos tus respuestas 1 año y lo que escribes 6 meses. Después las borramos.",
        "if_no": "Está bien. No se guarda nada y no pasa nada malo. Puedes parar cuando quieras.",
        "your_rights": "Abre \"Mis datos\" cuando quieras: mira lo que nos dijiste, descárgalo, cambia o borra una respuesta, o sal. Guarda tus palabras secretas: te traen de vuelta, incluso en otro teléfono.",
        "contact": "Pregunta a la persona que dirige la sesión, o escribe a la persona de protección de datos de Youth Data Futures.",
    },
    "ar": {
        "what_collected": "نحفظ إجاباتك، وما تكتبه بكلماتك، وفئتك العمرية. لا نسأل أبدًا عن اسمك أو عنوانك. إذا أردت رسالة عندما تكون هناك أخبار عمّا تمّ، يمكنك أن تعطي رقم هاتف أو بريدًا إلكترونيًا. لا يُستخدم إلا لتلك الرسالة، ولا يراه الفريق أبدًا، ويُحذف عندما تزيله أو ترفض الأخبار أو تغادر.",
        "why": "لنعرف ماذا يريد الشباب أن يحدث للبيانات التي تخصهم، ولنكتب نصائح للحكومات والشركات.",
        "who_sees": "فقط الفريق الصغير في Youth Data Futures الذي يدير هذا. تظهر النتائج كمجموع لخمسة أشخاص على الأقل، فلا يعرف أحد ماذا قلت.",
        "how_long": "نحتفظ بإجاباتك سنة واحدة، وبما تكتبه ستة أشهر. ثم نحذفها.",
        "if_no": "لا بأس. لا يُحفظ شيء ولا يحدث شيء سيئ. يمكنك التوقف في أي وقت.",
        "your_rights": "افتح \"بياناتي\" في أي وقت: شاهد ما قلته لنا، نزّله، غيّر إجابة أو احذفها، أو غادر. احتفظ بكلماتك السرية: فهي تعيدك، حتى على هاتف آخر.",
        "contact": "اسأل الشخص الذي يدير الجلسة، أو اكتب إلى مسؤول حماية البيانات في Youth Data Futures.",
    },
}
DPIA_ANSWERS = {
    "purpose": "Learn what young people in Bogotá and Zaatari want organisations to do, and never do, with data about them; the guidance cannot be written without hearing them.",
    "minimisation": "Answers, free text and an age band only. No names, contacts, exact ages or locations: age bands are enough to compare younger and older participants.",
    "legal_basis": "Consent, and under the age of consent (14 in Colombia, 18 in Jordan) the young person's assent with a guardian's consent attested by the facilitator.",
    "collection_method": "Join codes and QR codes in facilitated sessions; notices in plain Spanish and Arabic read aloud by facilitators; nothing is stored before the young person agrees.",
    "children": "Assent is never pre-ticked; guardians are present in Zaatari sessions and the facilitator records their consent; participants can leave at any time.",
    "security": "Pseudonymous participants, encrypted corrections, role and scope checks in every query, audit log of every access, hosted by the organisation.",
    "retention": "Answers 1 year, free text 6 months (screened and summarised by then), participation records 1 year; purged automatically.",
    "sharing": "Only with the Ministry of Digital Affairs, and only once a signed agreement is recorded on the Data sharing page (none yet): answers only, pseudonymised. No free text is shared.",
    "analysis": "Counts suppress groups smaller than 5; free text is screened for names, phones and places before analysts see it.",
    "use": "A guidance toolkit and recommendations; participants see what we heard and can contest it.",
    "rights": "My data page: see, download, correct, delete, withdraw; facilitators can help with the secret words.",
    "risks": "In Zaatari, answers about services could expose families if linked to a person; small groups could be singled out.",
    "mitigations": "No names or locations, k=5 suppression, facilitators trained on safeguarding, withdrawal at any time, short retention.",
    "benefit": "Young people shape rules about their own data; the risk after mitigation is low and the benefit is direct.",
}
assert set(DPIA_ANSWERS) == set(DPIA_KEYS)
# Referral contacts for the safeguarding queue: invented for the demo, no real service or number.
REFERRAL_CONTACTS = {
    "Bogotá youth centres": "DEMO ONLY, fictional: Línea Joven (child protection helpline), 01 8000 000 000, every day 7:00-22:00",
    "Zaatari camp": "DEMO ONLY, fictional: Child protection desk, District 5 community centre, +962 0 000 0000, Sunday to Thursday",
}


def demo_consultation(session: Session) -> Consultation | None:
    return session.exec(select(Consultation).where(Consultation.join_code == DEMO_JOIN_CODE)).first()


def seed_demo_consultation(session: Session, settings: Settings, org: Organisation, contexts: Sequence[Context], users: Mapping[str, User]) -> str:
    """Create and open the demo consultation through the real use cases (so every step is
    audited and gated like a real one). Returns the note `baraza demo` prints."""
    admin = actor_for_user(session, users["admin@demo.baraza.test"])
    dpo = actor_for_user(session, users["dpo@demo.baraza.test"])
    by_name = {c.name: c for c in contexts}
    bogota, zaatari = by_name["Bogotá youth centres"], by_name["Zaatari camp"]
    fields = ConsultationFields(
        titles=TITLES,
        descriptions=DESCRIPTIONS,
        languages=["en", "es", "ar"],
        default_language="en",
        purposes=[
            "Find out what young people want organisations to do, and never do, with data about them",
            "Write guidance for governments and companies, and track whether they adopt it",
        ],
        context_ids=[bogota.id, zaatari.id],  # type: ignore[list-item]
        categories={"participation": 365, "answers": 365, "free_text": 180, "age_band": 365},
        k_threshold=5,
        guardian_modes=["attested", "paper"],
        erase_after_withdrawal_days=7,
        age_min=13,
        age_max=24,
    )
    consultation = do_create_consultation(
        session, admin, org.id, fields,  # type: ignore[arg-type]
        reason="Answers and free text are the consultation; age bands show whether younger people see it differently.",
        alternatives="Exact ages (refused: more identifying); no demographics at all (refused: we could not see who is missing).",
    )
    consultation.join_code = DEMO_JOIN_CODE
    session.add(consultation)
    session.commit()
    for lang, texts in NOTICES.items():
        do_publish_notice(session, admin, consultation.id, lang, texts)  # type: ignore[arg-type]
    do_save_impact_assessment(session, admin, consultation.id, DPIA_ANSWERS, allows_no_guardian=False)  # type: ignore[arg-type]
    do_sign_off_impact_assessment(session, dpo, consultation.id)  # type: ignore[arg-type]
    # Whom the focal point calls about a disclosure in each context (fictional: demo only).
    for context in (bogota, zaatari):
        do_set_referral_contact(session, dpo, context.id, REFERRAL_CONTACTS[context.name])  # type: ignore[arg-type]
    do_open_consultation(session, admin, consultation.id)  # type: ignore[arg-type]
    # Synthetic adults who already took part, so the facilitator's counts are above k.
    for context, lang, n in ((zaatari, "ar", 34), (bogota, "es", 28)):
        notice = latest_notice(session, consultation.id, lang)  # type: ignore[arg-type]
        for i in range(n):
            do_join_consultation(
                session, ANONYMOUS, settings, consultation, context_id=context.id, language=lang, notice_id=notice.id if notice else None,
                age_band="18-20" if i % 2 else "21-24", agree=True, analysis=True, quoting=i % 3 != 0, follow_up=i % 2 == 0,
            )
    # The demo's own joins must not use up the join-code rate limit of a real session.
    session.exec(delete(ThrottleEvent).where(col(ThrottleEvent.key).startswith("join-code:")))  # type: ignore[call-overload]
    record_audit(session, None, "system.demo_consultation_seeded", [("consultation", consultation.id)])
    session.commit()
    return demo_note()


def demo_note() -> str:
    return (
        f"\nDemo consultation \"{DEMO_CONSULTATION_TITLE}\" is open: join code {DEMO_JOIN_CODE}\n"
        f"  on a phone: /join (type {DEMO_JOIN_CODE}) or /join/{DEMO_JOIN_CODE}; come back with the secret words at /join/recover"
    )
