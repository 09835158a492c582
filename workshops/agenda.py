"""Agendas as data: the RD4C Studio template, and the JSON file an agenda is exported to and
imported from. Pure functions: the use cases in workshops.services turn an `AgendaSpec` into
rows.

The file holds the agenda only (titles, steps, activities and their settings), never a
contribution, a vote, a state or an id: it can be shared between organisations like a lesson
plan.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from baraza.i18n import N_
from workshops.activities import (
    HIDDEN_UNTIL_REVEAL_BY_DEFAULT,
    KINDS,
    MAX_TEXT,
    SENSITIVE_BY_DEFAULT,
    ConfigError,
    Problem,
    Texts,
    check_config,
    clean_texts,
    default_config,
)
from workshops.models import Moderation, Reveal

FORMAT = "baraza-workshop-agenda"
VERSION = 1
MAX_FILE_BYTES = 256 * 1024
MAX_STEPS = 20
MAX_ACTIVITIES = 80
MAX_TITLE = 120
MAX_MINUTES = 600
TEMPLATE_LANGUAGES = ("en", "es", "ar")


@dataclass
class ActivitySpec:
    kind: str
    prompt: Texts
    config: dict[str, Any] = field(default_factory=dict)
    reveal: str = Reveal.LIVE.value
    sensitive: bool = False
    moderation: str = Moderation.POST.value

    @classmethod
    def of(cls, kind: str, prompt: Texts, config: dict[str, Any] | None = None, **settings: Any) -> ActivitySpec:
        """With the kind's defaults: sensitive polls and card sorts, reflections hidden until revealed."""
        settings.setdefault("sensitive", kind in SENSITIVE_BY_DEFAULT)
        settings.setdefault("reveal", Reveal.ON_REVEAL.value if kind in HIDDEN_UNTIL_REVEAL_BY_DEFAULT else Reveal.LIVE.value)
        return cls(kind=kind, prompt=prompt, config={**default_config(kind), **copy.deepcopy(config or {})}, **settings)


@dataclass
class StepSpec:
    title: Texts
    planned_minutes: int = 0
    activities: list[ActivitySpec] = field(default_factory=list)


@dataclass
class AgendaSpec:
    title: Texts
    steps: list[StepSpec] = field(default_factory=list)


class AgendaError(ValueError):
    """An agenda file that cannot be used, with every problem and where it is."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# The RD4C Studio template ----------------------------------------------------------------------------


def _t(en: str, es: str, ar: str) -> Texts:
    return {"en": en, "es": es, "ar": ar}


def _options(*items: tuple[str, Texts]) -> list[dict[str, Any]]:
    return [{"key": key, "label": label} for key, label in items]


def rd4c_template() -> AgendaSpec:
    """The five steps of the RD4C Studio (kick-off, research, convene & ideate, output draft,
    release), each with suggested activities and planned minutes, in English, Spanish and
    Arabic. Facilitators change anything before (and during) the session."""
    kick_off = StepSpec(
        _t("Kick-off", "Inicio", "الانطلاق"),
        15,
        [
            ActivitySpec.of(
                "poll",
                _t(
                    "Have you ever wondered who keeps data about you?",
                    "¿Alguna vez te has preguntado quién guarda datos sobre ti?",
                    "هل تساءلت يومًا من يحتفظ ببيانات عنك؟",
                ),
                {
                    "options": _options(
                        ("often", _t("Yes, often", "Sí, a menudo", "نعم، كثيرًا")),
                        ("sometimes", _t("Sometimes", "A veces", "أحيانًا")),
                        ("never", _t("Never", "Nunca", "أبدًا")),
                    ),
                    "multiple": False,
                },
            ),
            ActivitySpec.of(
                "word_cloud",
                _t(
                    "One word: what does “data about me” make you think of?",
                    "Una palabra: ¿en qué te hace pensar «datos sobre mí»?",
                    "كلمة واحدة: بماذا تفكر عندما تسمع «بيانات عني»؟",
                ),
            ),
        ],
    )
    research = StepSpec(
        _t("Research", "Investigación", "البحث"),
        20,
        [
            ActivitySpec.of(
                "brainstorm",
                _t(
                    "Where is data about you collected? (school, clinic, apps, aid registration…)",
                    "¿Dónde se recogen datos sobre ti? (escuela, centro de salud, aplicaciones, registro de ayuda…)",
                    "أين تُجمع بيانات عنك؟ (المدرسة، العيادة، التطبيقات، التسجيل للمساعدات…)",
                ),
            ),
            ActivitySpec.of(
                "scale",
                _t(
                    "How much do you trust organisations with data about you?",
                    "¿Cuánto confías en las organizaciones que tienen datos sobre ti?",
                    "إلى أي حد تثق بالمنظمات التي تملك بيانات عنك؟",
                ),
                {
                    "min": 1,
                    "max": 5,
                    "min_label": _t("Not at all", "Nada", "لا أثق إطلاقًا"),
                    "max_label": _t("Completely", "Totalmente", "أثق تمامًا"),
                },
            ),
        ],
    )
    ideate = StepSpec(
        _t("Convene and ideate", "Reunirse e idear", "الالتقاء وتوليد الأفكار"),
        40,
        [
            ActivitySpec.of(
                "brainstorm",
                _t(
                    "What do young people here need that data could help with?",
                    "¿Qué necesitan los jóvenes de aquí en lo que los datos podrían ayudar?",
                    "ما الذي يحتاجه الشباب هنا ويمكن للبيانات أن تساعد فيه؟",
                ),
            ),
            ActivitySpec.of(
                "dot_vote",
                _t(
                    "Put your dots on the ideas that matter most to you.",
                    "Pon tus puntos en las ideas que más te importan.",
                    "ضع نقاطك على الأفكار الأهم بالنسبة لك.",
                ),
                {
                    "dots": 3,
                    "stack": True,
                    "options": _options(
                        ("ask_us", _t("Ask young people before using their data", "Preguntar a los jóvenes antes de usar sus datos", "سؤال الشباب قبل استخدام بياناتهم")),
                        ("plain_words", _t("Explain in plain words what is collected", "Explicar con palabras sencillas qué se recoge", "شرح ما يُجمع بكلمات بسيطة")),
                        ("delete", _t("Let us delete our data", "Dejarnos borrar nuestros datos", "السماح لنا بحذف بياناتنا")),
                        ("no_selling", _t("Never sell data about us", "Nunca vender datos sobre nosotros", "عدم بيع بياناتنا أبدًا")),
                        ("youth_panel", _t("A youth panel that checks how data is used", "Un panel juvenil que revise cómo se usan los datos", "لجنة شبابية تراقب استخدام البيانات")),
                    ),
                },
            ),
            ActivitySpec.of(
                "card_sort",
                _t(
                    "Who may use which of my data, for what? Sort each card.",
                    "¿Quién puede usar qué datos míos, y para qué? Clasifica cada tarjeta.",
                    "من يحق له استخدام أي من بياناتي، ولأي غرض؟ صنّف كل بطاقة.",
                ),
            ),
        ],
    )
    draft = StepSpec(
        _t("Output draft", "Borrador del resultado", "مسودة المخرجات"),
        30,
        [
            ActivitySpec.of(
                "statements",
                _t(
                    "Draft principles: do you agree or disagree?",
                    "Principios en borrador: ¿estás de acuerdo o no?",
                    "مبادئ أولية: هل توافق أم لا؟",
                ),
                {
                    "statements": [
                        {"key": "ask_first", "text": _t(
                            "Young people are asked before data about them is shared.",
                            "Se pregunta a los jóvenes antes de compartir datos sobre ellos.",
                            "يُسأل الشباب قبل مشاركة البيانات المتعلقة بهم.",
                        )},
                        {"key": "see_delete", "text": _t(
                            "We can see and delete the data kept about us.",
                            "Podemos ver y borrar los datos que se guardan sobre nosotros.",
                            "يمكننا رؤية البيانات المحفوظة عنا وحذفها.",
                        )},
                        {"key": "never_sold", "text": _t(
                            "Data about us is never sold.",
                            "Los datos sobre nosotros nunca se venden.",
                            "لا تُباع البيانات المتعلقة بنا أبدًا.",
                        )},
                    ]
                },
            ),
            ActivitySpec.of(
                "ranking",
                _t(
                    "Put these in order: what matters most?",
                    "Ordénalos: ¿qué es lo más importante?",
                    "رتّبها: ما الأهم؟",
                ),
                {
                    "options": _options(
                        ("asked_first", _t("Being asked first", "Que nos pregunten primero", "أن يُطلب إذننا أولًا")),
                        ("who_sees", _t("Knowing who sees my data", "Saber quién ve mis datos", "أن أعرف من يرى بياناتي")),
                        ("delete", _t("Being able to delete it", "Poder borrarlos", "أن أستطيع حذفها")),
                        ("kept_safe", _t("Data kept safe", "Que los datos estén seguros", "أن تبقى البيانات آمنة")),
                    )
                },
            ),
        ],
    )
    release = StepSpec(
        _t("Release", "Difusión", "النشر"),
        15,
        [
            ActivitySpec.of(
                "reflection",
                _t(
                    "What do you want decision-makers to hear from this session?",
                    "¿Qué quieres que escuchen de esta sesión quienes toman decisiones?",
                    "ماذا تريد أن يسمع صناع القرار من هذه الجلسة؟",
                ),
            ),
            ActivitySpec.of(
                "qa",
                _t(
                    "Your questions for the organisers",
                    "Tus preguntas para quienes organizan",
                    "أسئلتك للمنظمين",
                ),
            ),
        ],
    )
    return AgendaSpec(
        title=_t("Our data, our say", "Nuestros datos, nuestra voz", "بياناتنا، رأينا"),
        steps=[kick_off, research, ideate, draft, release],
    )


def empty_agenda(title: Texts) -> AgendaSpec:
    return AgendaSpec(title=dict(title), steps=[])


# Languages ----------------------------------------------------------------------------------------------


def _texts_paths(spec: AgendaSpec) -> list[dict[str, str]]:
    """Every texts dict of an agenda (titles, prompts, labels), to fit them to a consultation."""
    out: list[dict[str, str]] = [spec.title]
    for step in spec.steps:
        out.append(step.title)
        for activity in step.activities:
            out.append(activity.prompt)
            config = activity.config
            for key in ("min_label", "max_label"):
                if isinstance(config.get(key), dict):
                    out.append(config[key])
            for key in ("options", "statements", "data_kinds", "users", "purposes"):
                for item in config.get(key) or []:
                    if isinstance(item, dict):
                        for text_key in ("label", "text"):
                            if isinstance(item.get(text_key), dict):
                                out.append(item[text_key])
    return out


def fit_languages(spec: AgendaSpec, languages: Sequence[str], *, fill_default_from: str | None = None) -> list[str]:
    """Keep only the consultation's languages in every text (in place); return the languages
    that were left out. With `fill_default_from`, a text missing in the consultation's first
    language starts as that language's text (the template's English, to be translated)."""
    default = languages[0] if languages else "en"
    dropped: set[str] = set()
    for texts in _texts_paths(spec):
        source = dict(texts)
        for lang in list(texts):
            if lang not in languages:
                dropped.add(lang)
                del texts[lang]
        if fill_default_from and not texts.get(default) and source.get(fill_default_from):
            texts[default] = source[fill_default_from]
    return sorted(dropped)


def template_for(languages: Sequence[str]) -> AgendaSpec:
    """The RD4C Studio template in the consultation's languages: English, Spanish and Arabic
    where it has them; a consultation in another language starts from the English, to translate."""
    spec = rd4c_template()
    fit_languages(spec, languages, fill_default_from="en")
    for step in spec.steps:
        for activity in step.activities:
            activity.config = check_config(activity.kind, activity.config, languages)
    return spec


# The file ---------------------------------------------------------------------------------------------


def to_json(spec: AgendaSpec) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": spec.title,
        "steps": [
            {
                "title": step.title,
                "planned_minutes": step.planned_minutes,
                "activities": [
                    {
                        "kind": a.kind,
                        "prompt": a.prompt,
                        "config": a.config,
                        "reveal": a.reveal,
                        "sensitive": a.sensitive,
                        "moderation": a.moderation,
                    }
                    for a in step.activities
                ],
            }
            for step in spec.steps
        ],
    }


def dump(spec: AgendaSpec) -> bytes:
    return json.dumps(to_json(spec), ensure_ascii=False, indent=2).encode()


def _where(step: int | None = None, activity: int | None = None) -> str:
    if step is None:
        return N_("The agenda")
    if activity is None:
        return N_("Step %(step)s", step=step)
    return N_("Step %(step)s, activity %(activity)s", step=step, activity=activity)


def _problem(where: str, message: str) -> str:
    return N_("%(where)s: %(problem)s", where=where, problem=message)


def parse(data: bytes, languages: Sequence[str]) -> tuple[AgendaSpec, list[str]]:
    """An agenda file, checked whole: (the agenda in the consultation's languages, the
    languages that were left out). AgendaError lists every problem, with where it is."""
    if len(data) > MAX_FILE_BYTES:
        raise AgendaError([N_("The file is larger than %(max)s KB; an agenda file is much smaller.", max=MAX_FILE_BYTES // 1024)])
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise AgendaError([N_("This is not an agenda file: it could not be read as JSON.")]) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise AgendaError([N_("This is not a Baraza workshop agenda file (its format should be “%(format)s”).", format=FORMAT)])
    if raw.get("version") != VERSION:
        raise AgendaError([N_("This agenda file was written by another version of Baraza (version %(version)s is read here).", version=VERSION)])
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list):
        raise AgendaError([_problem(_where(), N_("It has no list of steps."))])
    if len(steps_raw) > MAX_STEPS:
        raise AgendaError([_problem(_where(), N_("At most %(max)s steps.", max=MAX_STEPS))])
    if sum(len(s.get("activities") or []) for s in steps_raw if isinstance(s, dict)) > MAX_ACTIVITIES:
        raise AgendaError([_problem(_where(), N_("At most %(max)s activities.", max=MAX_ACTIVITIES))])

    # Texts first: languages the consultation lacks are left out (and said), not refused.
    all_languages = sorted({str(k) for t in _raw_texts(raw) for k in t})
    spec_languages = list(dict.fromkeys([*languages, *all_languages]))
    problems: list[str] = []

    def texts(value: Any, where: str, limit: int) -> Texts:
        found: list[Problem] = []
        out = clean_texts(value, spec_languages, where="", limit=limit, problems=found)
        problems.extend(_problem(where, p.message) for p in found)
        return out

    spec = AgendaSpec(title=texts(raw.get("title"), _where(), MAX_TITLE))
    for s_index, step_raw in enumerate(steps_raw, start=1):
        where = _where(s_index)
        if not isinstance(step_raw, dict):
            problems.append(_problem(where, N_("It could not be read.")))
            continue
        minutes = step_raw.get("planned_minutes", 0)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_MINUTES:
            problems.append(_problem(where, N_("Planned minutes must be a whole number from 0 to %(max)s.", max=MAX_MINUTES)))
            minutes = 0
        step = StepSpec(title=texts(step_raw.get("title"), where, MAX_TITLE), planned_minutes=minutes)
        activities_raw = step_raw.get("activities") or []
        if not isinstance(activities_raw, list):
            problems.append(_problem(where, N_("Its activities must be a list.")))
            activities_raw = []
        for a_index, activity_raw in enumerate(activities_raw, start=1):
            a_where = _where(s_index, a_index)
            if not isinstance(activity_raw, dict):
                problems.append(_problem(a_where, N_("It could not be read.")))
                continue
            kind = activity_raw.get("kind")
            if kind not in KINDS:
                problems.append(_problem(a_where, N_("“%(kind)s” is not a kind of activity Baraza knows.", kind=str(kind)[:40])))
                continue
            prompt = texts(activity_raw.get("prompt"), a_where, MAX_TEXT)
            if not prompt:
                problems.append(_problem(a_where, N_("It has no prompt.")))
            try:
                config = check_config(kind, activity_raw.get("config"), spec_languages)
            except ConfigError as exc:
                problems.extend(_problem(a_where, p.message) for p in exc.problems)
                config = {}
            reveal = activity_raw.get("reveal", Reveal.LIVE.value)
            if reveal not in {r.value for r in Reveal}:
                problems.append(_problem(a_where, N_("“reveal” must be “live” or “on_reveal”.")))
            moderation = activity_raw.get("moderation", Moderation.POST.value)
            if moderation not in {m.value for m in Moderation}:
                problems.append(_problem(a_where, N_("“moderation” must be “post” or “pre”.")))
            sensitive = activity_raw.get("sensitive", kind in SENSITIVE_BY_DEFAULT)
            if not isinstance(sensitive, bool):
                problems.append(_problem(a_where, N_("“sensitive” must be true or false.")))
                sensitive = True
            step.activities.append(
                ActivitySpec(kind=kind, prompt=prompt, config=config, reveal=str(reveal), sensitive=sensitive, moderation=str(moderation))
            )
        spec.steps.append(step)
    if problems:
        raise AgendaError(problems)
    dropped = fit_languages(spec, languages)
    if not spec.title:
        raise AgendaError([_problem(_where(), N_("It has no title in a language of this consultation."))])
    return spec, dropped


def _raw_texts(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every texts-like object in a raw file, to learn which languages it speaks."""
    found: list[Mapping[str, Any]] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, Mapping):
            if key in {"title", "prompt", "label", "text", "min_label", "max_label"}:
                found.append(value)
                return
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for item in value:
                walk(item, key)

    walk(raw)
    return found
