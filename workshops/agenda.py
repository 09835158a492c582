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
TEMPLATE_LANGUAGES = ("en", "es", "fr", "ar", "pt", "sw")


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


def _t(en: str, es: str, fr: str, ar: str, pt: str, sw: str) -> Texts:
    """One text in the six languages Baraza speaks, in the vocabulary's order (en, es, fr, ar,
    pt, sw). Every text of the template has all six, and a list (options, statements) has the
    same items in the same order in every language: only the words differ."""
    return {"en": en, "es": es, "fr": fr, "ar": ar, "pt": pt, "sw": sw}


def _options(*items: tuple[str, Texts]) -> list[dict[str, Any]]:
    return [{"key": key, "label": label} for key, label in items]


def rd4c_template() -> AgendaSpec:
    """The five steps of the RD4C Studio (kick-off, research, convene & ideate, output draft,
    release), each with suggested activities and planned minutes, in the six languages Baraza
    speaks (Spanish is neutral Latin American, Portuguese European, like the interface's).
    Facilitators change anything before (and during) the session."""
    kick_off = StepSpec(
        _t("Kick-off", "Inicio", "Lancement", "الانطلاق", "Arranque", "Ufunguzi"),
        15,
        [
            ActivitySpec.of(
                "poll",
                _t(
                    "Have you ever wondered who keeps data about you?",
                    "¿Alguna vez te has preguntado quién guarda datos sobre ti?",
                    "T'es-tu déjà demandé qui garde des données sur toi ?",
                    "هل تساءلت يومًا من يحتفظ ببيانات عنك؟",
                    "Já se perguntou quem guarda dados sobre si?",
                    "Je, umewahi kujiuliza ni nani anayehifadhi data inayokuhusu?",
                ),
                {
                    "options": _options(
                        ("often", _t("Yes, often", "Sí, a menudo", "Oui, souvent", "نعم، كثيرًا", "Sim, muitas vezes", "Ndiyo, mara nyingi")),
                        ("sometimes", _t("Sometimes", "A veces", "Parfois", "أحيانًا", "Às vezes", "Wakati mwingine")),
                        ("never", _t("Never", "Nunca", "Jamais", "أبدًا", "Nunca", "Sijawahi")),
                    ),
                    "multiple": False,
                },
            ),
            ActivitySpec.of(
                "word_cloud",
                _t(
                    "One word: what does “data about me” make you think of?",
                    "Una palabra: ¿en qué te hace pensar «datos sobre mí»?",
                    "Un mot : à quoi te fait penser « données sur moi » ?",
                    "كلمة واحدة: بماذا تفكر عندما تسمع «بيانات عني»؟",
                    "Uma palavra: o que lhe vem à cabeça quando ouve «dados sobre mim»?",
                    "Neno moja: ukisikia “data inayonihusu”, unafikiria nini?",
                ),
            ),
        ],
    )
    research = StepSpec(
        _t("Research", "Investigación", "Recherche", "البحث", "Pesquisa", "Utafiti"),
        20,
        [
            ActivitySpec.of(
                "brainstorm",
                _t(
                    "Where is data about you collected? (school, clinic, apps, aid registration…)",
                    "¿Dónde se recogen datos sobre ti? (escuela, centro de salud, aplicaciones, registro de ayuda…)",
                    "Où des données sur toi sont-elles collectées ? (école, centre de santé, applis, inscription pour une aide…)",
                    "أين تُجمع بيانات عنك؟ (المدرسة، العيادة، التطبيقات، التسجيل للمساعدات…)",
                    "Onde são recolhidos dados sobre si? (escola, centro de saúde, aplicações, registo para receber ajuda…)",
                    "Data inayokuhusu hukusanywa wapi? (shuleni, zahanati, programu za simu, usajili wa kupata msaada…)",
                ),
            ),
            ActivitySpec.of(
                "scale",
                _t(
                    "How much do you trust organisations with data about you?",
                    "¿Cuánto confías en las organizaciones que tienen datos sobre ti?",
                    "À quel point fais-tu confiance aux organisations qui ont des données sur toi ?",
                    "إلى أي حد تثق بالمنظمات التي تملك بيانات عنك؟",
                    "Quanto confia nas organizações que têm dados sobre si?",
                    "Unayaamini kwa kiasi gani mashirika yaliyo na data inayokuhusu?",
                ),
                {
                    "min": 1,
                    "max": 5,
                    "min_label": _t("Not at all", "Nada", "Pas du tout", "لا أثق إطلاقًا", "Nada", "Siyaamini hata kidogo"),
                    "max_label": _t("Completely", "Totalmente", "Totalement", "أثق تمامًا", "Totalmente", "Ninayaamini kabisa"),
                },
            ),
        ],
    )
    ideate = StepSpec(
        _t("Convene and ideate", "Reunirse e idear", "Se réunir et imaginer", "الالتقاء وتوليد الأفكار", "Reunir e criar ideias", "Kukutana na kubuni mawazo"),
        40,
        [
            ActivitySpec.of(
                "brainstorm",
                _t(
                    "What do young people here need that data could help with?",
                    "¿Qué necesitan los jóvenes de aquí en lo que los datos podrían ayudar?",
                    "De quoi les jeunes d'ici ont-ils besoin, et en quoi les données pourraient-elles aider ?",
                    "ما الذي يحتاجه الشباب هنا ويمكن للبيانات أن تساعد فيه؟",
                    "De que precisam os jovens daqui, e em que podem os dados ajudar?",
                    "Vijana wa hapa wanahitaji nini ambacho data inaweza kusaidia?",
                ),
            ),
            ActivitySpec.of(
                "dot_vote",
                _t(
                    "Put your dots on the ideas that matter most to you.",
                    "Pon tus puntos en las ideas que más te importan.",
                    "Place tes points sur les idées qui comptent le plus pour toi.",
                    "ضع نقاطك على الأفكار الأهم بالنسبة لك.",
                    "Coloque os seus pontos nas ideias mais importantes para si.",
                    "Weka vitone vyako kwenye mawazo yaliyo muhimu zaidi kwako.",
                ),
                {
                    "dots": 3,
                    "stack": True,
                    "options": _options(
                        ("ask_us", _t(
                            "Ask young people before using their data",
                            "Preguntar a los jóvenes antes de usar sus datos",
                            "Demander aux jeunes avant d'utiliser leurs données",
                            "سؤال الشباب قبل استخدام بياناتهم",
                            "Perguntar aos jovens antes de usar os seus dados",
                            "Kuwauliza vijana kabla ya kutumia data yao",
                        )),
                        ("plain_words", _t(
                            "Explain in plain words what is collected",
                            "Explicar con palabras sencillas qué se recoge",
                            "Expliquer avec des mots simples ce qui est collecté",
                            "شرح ما يُجمع بكلمات بسيطة",
                            "Explicar em palavras simples o que é recolhido",
                            "Kueleza kwa maneno rahisi kinachokusanywa",
                        )),
                        ("delete", _t(
                            "Let us delete our data",
                            "Dejarnos borrar nuestros datos",
                            "Nous laisser effacer nos données",
                            "السماح لنا بحذف بياناتنا",
                            "Deixar-nos apagar os nossos dados",
                            "Kuturuhusu kufuta data yetu",
                        )),
                        ("no_selling", _t(
                            "Never sell data about us",
                            "Nunca vender datos sobre nosotros",
                            "Ne jamais vendre de données sur nous",
                            "عدم بيع بياناتنا أبدًا",
                            "Nunca vender dados sobre nós",
                            "Kutouza kamwe data inayotuhusu",
                        )),
                        ("youth_panel", _t(
                            "A youth panel that checks how data is used",
                            "Un panel juvenil que revise cómo se usan los datos",
                            "Un comité de jeunes qui vérifie comment les données sont utilisées",
                            "لجنة شبابية تراقب استخدام البيانات",
                            "Um painel de jovens que verifica como os dados são usados",
                            "Kamati ya vijana inayokagua jinsi data inavyotumiwa",
                        )),
                    ),
                },
            ),
            ActivitySpec.of(
                "card_sort",
                _t(
                    "Who may use which of my data, for what? Sort each card.",
                    "¿Quién puede usar qué datos míos, y para qué? Clasifica cada tarjeta.",
                    "Qui peut utiliser quelles données sur moi, et pour quoi faire ? Classe chaque carte.",
                    "من يحق له استخدام أي من بياناتي، ولأي غرض؟ صنّف كل بطاقة.",
                    "Quem pode usar que dados meus, e para quê? Classifique cada cartão.",
                    "Nani anaweza kutumia data yangu ipi, kwa ajili ya nini? Panga kila kadi.",
                ),
            ),
        ],
    )
    draft = StepSpec(
        _t("Output draft", "Borrador del resultado", "Brouillon du résultat", "مسودة المخرجات", "Rascunho do resultado", "Rasimu ya matokeo"),
        30,
        [
            ActivitySpec.of(
                "statements",
                _t(
                    "Draft principles: do you agree or disagree?",
                    "Principios en borrador: ¿estás de acuerdo o no?",
                    "Projet de principes : es-tu d'accord ou pas ?",
                    "مبادئ أولية: هل توافق أم لا؟",
                    "Princípios em rascunho: concorda ou não?",
                    "Rasimu ya kanuni: unakubali au hukubali?",
                ),
                {
                    "statements": [
                        {"key": "ask_first", "text": _t(
                            "Young people are asked before data about them is shared.",
                            "Se pregunta a los jóvenes antes de compartir datos sobre ellos.",
                            "On demande aux jeunes avant de partager des données sur eux.",
                            "يُسأل الشباب قبل مشاركة البيانات المتعلقة بهم.",
                            "Pergunta-se aos jovens antes de partilhar dados sobre eles.",
                            "Vijana huulizwa kabla data inayowahusu haijashirikiwa na wengine.",
                        )},
                        {"key": "see_delete", "text": _t(
                            "We can see and delete the data kept about us.",
                            "Podemos ver y borrar los datos que se guardan sobre nosotros.",
                            "Nous pouvons voir et effacer les données gardées sur nous.",
                            "يمكننا رؤية البيانات المحفوظة عنا وحذفها.",
                            "Podemos ver e apagar os dados guardados sobre nós.",
                            "Tunaweza kuona na kufuta data inayohifadhiwa kutuhusu.",
                        )},
                        {"key": "never_sold", "text": _t(
                            "Data about us is never sold.",
                            "Los datos sobre nosotros nunca se venden.",
                            "Les données sur nous ne sont jamais vendues.",
                            "لا تُباع البيانات المتعلقة بنا أبدًا.",
                            "Os dados sobre nós nunca são vendidos.",
                            "Data inayotuhusu haiuzwi kamwe.",
                        )},
                    ]
                },
            ),
            ActivitySpec.of(
                "ranking",
                _t(
                    "Put these in order: what matters most?",
                    "Ordénalos: ¿qué es lo más importante?",
                    "Mets-les dans l'ordre : qu'est-ce qui compte le plus ?",
                    "رتّبها: ما الأهم؟",
                    "Ordene-os: o que é mais importante?",
                    "Vipange kwa mpangilio: kipi ni muhimu zaidi?",
                ),
                {
                    "options": _options(
                        ("asked_first", _t("Being asked first", "Que nos pregunten primero", "Qu'on nous demande d'abord", "أن يُطلب إذننا أولًا", "Que nos perguntem primeiro", "Kuulizwa kwanza")),
                        ("who_sees", _t("Knowing who sees my data", "Saber quién ve mis datos", "Savoir qui voit mes données", "أن أعرف من يرى بياناتي", "Saber quem vê os meus dados", "Kujua nani anaona data yangu")),
                        ("delete", _t("Being able to delete it", "Poder borrarlos", "Pouvoir les effacer", "أن أستطيع حذفها", "Poder apagá-los", "Kuweza kuifuta")),
                        ("kept_safe", _t("Data kept safe", "Que los datos estén seguros", "Des données gardées en sécurité", "أن تبقى البيانات آمنة", "Dados guardados em segurança", "Data kuhifadhiwa kwa usalama")),
                    )
                },
            ),
        ],
    )
    release = StepSpec(
        _t("Release", "Difusión", "Diffusion", "النشر", "Divulgação", "Kutoa matokeo"),
        15,
        [
            ActivitySpec.of(
                "reflection",
                _t(
                    "What do you want decision-makers to hear from this session?",
                    "¿Qué quieres que escuchen de esta sesión quienes toman decisiones?",
                    "Que veux-tu que les personnes qui décident retiennent de cette séance ?",
                    "ماذا تريد أن يسمع صناع القرار من هذه الجلسة؟",
                    "O que quer que as pessoas que tomam decisões ouçam desta sessão?",
                    "Unataka watoa maamuzi wasikie nini kutoka kwenye kikao hiki?",
                ),
            ),
            ActivitySpec.of(
                "qa",
                _t(
                    "Your questions for the organisers",
                    "Tus preguntas para quienes organizan",
                    "Tes questions pour l'équipe qui organise",
                    "أسئلتك للمنظمين",
                    "As suas perguntas para a organização",
                    "Maswali yako kwa waandaaji",
                ),
            ),
        ],
    )
    return AgendaSpec(
        title=_t("Our data, our say", "Nuestros datos, nuestra voz", "Nos données, notre voix", "بياناتنا، رأينا", "Os nossos dados, a nossa voz", "Data yetu, sauti yetu"),
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
    """The RD4C Studio template in the consultation's languages (it has all six Baraza speaks);
    a text it lacks in the consultation's first language starts from the English, to translate."""
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
