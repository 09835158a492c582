"""The demo's survey: "You and your data", in English, Spanish and Arabic, published in the
demo consultation so a person can answer it on a phone (`baraza demo`)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from baraza.audit.services import record_audit
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.participation.models import Participant
from baraza.settings import Settings
from surveys.definition import Choice, Definition, Group, Question, validated
from surveys.models import Survey, SurveyStatus

# What the demo's participants wrote: invented for the demo, in the words young people use.
DEMO_MESSAGES = {
    "es": [
        "Que nos pregunten antes de compartir nuestros datos con otras instituciones.",
        "Queremos saber quién ve nuestras respuestas y por cuánto tiempo las guardan.",
        "Que expliquen las cosas con palabras sencillas, no con contratos largos.",
        "Me preocupa que la policía pueda ver lo que contamos en el centro juvenil.",
        "Que podamos borrar nuestros datos cuando ya no queramos participar.",
    ],
    "ar": [
        "نريد أن نعرف من يرى بياناتنا ولماذا.",
        "يجب أن يسألونا قبل مشاركة معلوماتنا مع أي جهة أخرى.",
        "أخاف أن تصل بياناتي إلى أشخاص لا أعرفهم.",
        "اشرحوا لنا بكلمات بسيطة ماذا تفعلون بالمعلومات.",
    ],
    "en": ["Ask us first, and tell us what you did with what we said."],
}
DEMO_WORDS = {"es": ["preocupado", "inseguro", "curioso", "tranquilo"], "ar": ["قلق", "خائف", "مهتم", "مرتاح"], "en": ["worried"]}


def _t(en: str, es: str, ar: str) -> dict[str, str]:
    return {"en": en, "es": es, "ar": ar}


def _choices(*items: tuple[str, str, str, str]) -> list[Choice]:
    return [Choice(name=name, label=_t(en, es, ar)) for name, en, es, ar in items]


def demo_definition() -> Definition:
    about = Group(
        name="about_you",
        label=_t("About you", "Sobre ti", "عنك"),
        questions=[
            Question(
                name="age_group", kind="single_choice", required=True,
                label=_t("How old are you?", "¿Cuántos años tienes?", "كم عمرك؟"),
                choices=_choices(
                    ("a13_15", "13 to 15", "13 a 15", "من 13 إلى 15"),
                    ("a16_18", "16 to 18", "16 a 18", "من 16 إلى 18"),
                    ("a19_24", "19 to 24", "19 a 24", "من 19 إلى 24"),
                ),
            ),
            Question(
                name="phone", kind="single_choice", required=True,
                label=_t("Do you have your own phone?", "¿Tienes tu propio teléfono?", "هل لديك هاتف خاص بك؟"),
                choices=_choices(
                    ("own", "Yes, my own", "Sí, propio", "نعم، هاتفي الخاص"),
                    ("shared", "I share one with others", "Lo comparto con otras personas", "أشارك هاتفًا مع آخرين"),
                    ("none", "No", "No", "لا"),
                ),
            ),
        ],
    )
    data = Group(
        name="your_data",
        label=_t("Your data", "Tus datos", "بياناتك"),
        questions=[
            Question(
                name="trust", kind="scale", required=True, minimum=1, maximum=5, step=1,
                label=_t(
                    "How much do you trust organisations that collect data about you?",
                    "¿Cuánto confías en las organizaciones que recogen datos sobre ti?",
                    "إلى أي حد تثق بالمنظمات التي تجمع بيانات عنك؟",
                ),
                min_label=_t("Not at all", "Nada", "لا أثق أبدًا"),
                max_label=_t("Completely", "Totalmente", "أثق تمامًا"),
            ),
            Question(
                name="worries", kind="multiple_choice", max_choices=2,
                label=_t(
                    "What worries you most when organisations collect your data?",
                    "¿Qué es lo que más te preocupa cuando las organizaciones recogen tus datos?",
                    "ما الذي يقلقك أكثر عندما تجمع المنظمات بياناتك؟",
                ),
                hint=_t("Choose up to two.", "Elige hasta dos.", "اختر خيارين كحد أقصى."),
                choices=_choices(
                    ("sold", "That it is sold to companies", "Que se venda a empresas", "أن تُباع للشركات"),
                    ("leaked", "That it leaks or is hacked", "Que se filtre o la roben", "أن تتسرب أو تُخترق"),
                    ("authorities", "That it is shared with the police or authorities", "Que se comparta con la policía o las autoridades", "أن تُشارك مع الشرطة أو السلطات"),
                    ("family", "That my family sees it", "Que mi familia la vea", "أن تراها عائلتي"),
                    ("nothing", "Nothing worries me", "Nada me preocupa", "لا شيء يقلقني"),
                ),
            ),
            Question(
                name="worry_detail", kind="long_text", max_length=500,
                relevant="selected(${worries}, 'leaked')",
                label=_t(
                    "Has your data ever leaked, or do you know someone it happened to? Tell us what happened (no names).",
                    "¿Alguna vez se filtraron tus datos, o conoces a alguien a quien le pasó? Cuéntanos qué pasó (sin nombres).",
                    "هل تسربت بياناتك من قبل، أو تعرف شخصًا حدث له ذلك؟ أخبرنا بما حدث (بدون أسماء).",
                ),
            ),
        ],
    )
    priorities = Group(
        name="priorities",
        label=_t("What matters", "Lo que importa", "ما يهمك"),
        questions=[
            Question(
                name="first_steps", kind="ranking",
                label=_t(
                    "What should organisations do first? Put these in order, 1 is most important.",
                    "¿Qué deberían hacer primero las organizaciones? Ordénalas, 1 es lo más importante.",
                    "ما الذي يجب أن تفعله المنظمات أولًا؟ رتّبها، 1 هو الأهم.",
                ),
                choices=_choices(
                    ("ask", "Ask me before using my data", "Preguntarme antes de usar mis datos", "أن تسألني قبل استخدام بياناتي"),
                    ("explain", "Explain in simple words what they do", "Explicar con palabras sencillas lo que hacen", "أن تشرح بكلمات بسيطة ما تفعله"),
                    ("delete", "Let me delete my data", "Dejarme borrar mis datos", "أن تسمح لي بحذف بياناتي"),
                    ("protect", "Keep my data safe", "Mantener mis datos seguros", "أن تحافظ على بياناتي آمنة"),
                ),
            ),
            Question(
                name="hours_online", kind="number", minimum=0, maximum=24,
                label=_t("About how many hours a day are you online?", "¿Cuántas horas al día pasas en internet, más o menos?", "كم ساعة تقريبًا تقضي على الإنترنت يوميًا؟"),
                hint=_t("A whole number from 0 to 24.", "Un número entero de 0 a 24.", "رقم صحيح من 0 إلى 24."),
            ),
        ],
    )
    voice = Group(
        name="your_voice",
        label=_t("Your voice", "Tu voz", "صوتك"),
        questions=[
            Question(
                name="one_word", kind="short_text", max_length=40,
                label=_t("In one word, how do you feel about your data online?", "En una palabra, ¿cómo te sientes con tus datos en internet?", "بكلمة واحدة، ما شعورك تجاه بياناتك على الإنترنت؟"),
            ),
            Question(
                name="message", kind="long_text", max_length=1000,
                label=_t(
                    "What should the people who decide about data hear from young people?",
                    "¿Qué deberían escuchar de los jóvenes las personas que deciden sobre los datos?",
                    "ماذا يجب أن يسمع من الشباب الأشخاص الذين يقررون بشأن البيانات؟",
                ),
                hint=_t("Optional. Please do not write names.", "Opcional. Por favor, no escribas nombres.", "اختياري. من فضلك لا تكتب أسماء."),
            ),
            Question(
                name="thanks", kind="note",
                label=_t("Thank you! Press Send to finish.", "¡Gracias! Pulsa Enviar para terminar.", "شكرًا لك! اضغط إرسال للإنهاء."),
            ),
        ],
    )
    definition = Definition(
        languages=["en", "es", "ar"],
        title=_t("You and your data", "Tú y tus datos", "أنت وبياناتك"),
        groups=[about, data, priorities, voice],
        form_id="your_data_your_say",
        version="1",
    )
    return validated(definition, for_publishing=True)


def seed_demo_survey(session: Session, settings: Settings, organisation: Any, contexts: Any, users: dict[str, Any]) -> str | None:
    """The demo_seeders hook: a published three-language survey in the demo consultation, and
    the answers of the demo's participants who have already joined (so results have figures)."""
    from baraza import demo

    title = getattr(demo, "DEMO_CONSULTATION_TITLE", None)
    consultations = session.exec(select(Consultation).where(Consultation.organisation_id == organisation.id)).all()
    consultation = next((c for c in consultations if title and title in c.title.values()), None)
    if consultation is None:
        consultation = consultations[0] if consultations else None
    if consultation is None:
        return "Surveys: no demo consultation found, so no demo survey was added."
    facilitator = users.get("facilitator@demo.baraza.test")
    survey = Survey(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        definition=demo_definition().to_dict(),
        status=SurveyStatus.PUBLISHED.value,
        published_at=utcnow(),
        created_by_user_id=getattr(facilitator, "id", None),
    )
    session.add(survey)
    session.flush()
    record_audit(session, None, "system.demo_survey_seeded", [("surveys.survey", survey.id), ("consultation", consultation.id)])
    session.commit()
    _answer_as_demo_participants(session, settings, survey, consultation)
    return f"Surveys: '{demo_definition().title['en']}' is published; answer it at /surveys/{survey.id}/answer (join code {consultation.join_code})."


def _answer_as_demo_participants(session: Session, settings: Settings, survey: Survey, consultation: Consultation) -> None:
    """Every participant already in the demo consultation answers the survey, through the same
    use case a phone's screens go through (consent checked, audited, idempotent)."""
    from baraza.participation.api import participant_actor
    from surveys.services import do_save_screen

    participants = session.exec(
        select(Participant).where(Participant.consultation_id == consultation.id).order_by(Participant.id)  # type: ignore[arg-type]
    ).all()
    for i, participant in enumerate(participants):
        # Mostly even answers, and a few people without a phone of their own: fewer than 5,
        # so the demo shows a hidden number, and a filtered view hiding its partners.
        lang = participant.language if participant.language in DEMO_MESSAGES else "en"
        worries = [["leaked", "authorities"], ["sold"], ["authorities", "family"], ["leaked"], ["sold", "leaked"]][i % 5]
        screens = {
            "about_you": {"q.age_group": ["a19_24" if i % 3 else "a16_18"], "q.phone": ["none" if i % 16 == 3 else ["own", "shared", "own"][i % 3]]},
            "your_data": {"q.trust": [str(1 + (i * 7) % 4)], "q.worries": worries}
            | ({"q.worry_detail": [DEMO_MESSAGES[lang][(i + 1) % len(DEMO_MESSAGES[lang])]]} if "leaked" in worries else {}),
            "priorities": {"q.first_steps": [["ask protect explain delete", "protect ask delete explain", "explain ask protect delete"][i % 3]],
                           "q.hours_online": [str(2 + i % 6)]},
            "your_voice": {"q.one_word": [DEMO_WORDS[lang][i % len(DEMO_WORDS[lang])]],
                           "q.message": [DEMO_MESSAGES[lang][i % len(DEMO_MESSAGES[lang])]]},
        }
        for screen, form in screens.items():
            do_save_screen(
                session, participant_actor(participant), settings, consultation, participant, survey,
                screen=screen, form=form, submission_id=f"demo-{participant.id}-{screen}", language=lang,
            )
