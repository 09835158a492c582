"""The kinds of activity and their settings: what each kind's `config` holds, its defaults,
and the one checker every way in goes through (the agenda editor, the template, an imported
agenda). Pure functions: no database.

A kind is added here (and in the phone, screen and console templates), never with a table.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from baraza.i18n import N_, text_in
from baraza.text import same_words
from baraza.vocabulary import DATA_PRACTICE_VOCABULARY

Texts = dict[str, str]

KINDS: tuple[str, ...] = (
    "poll",
    "scale",
    "brainstorm",
    "word_cloud",
    "dot_vote",
    "ranking",
    "qa",
    "statements",
    "card_sort",
    "reflection",
)
KIND_LABELS: dict[str, str] = {
    "poll": N_("Poll"),
    "scale": N_("Scale"),
    "brainstorm": N_("Brainstorm (sticky notes)"),
    "word_cloud": N_("Word cloud"),
    "dot_vote": N_("Dot voting"),
    "ranking": N_("Ranking"),
    "qa": N_("Questions and answers"),
    "statements": N_("Statements to agree or disagree with"),
    "card_sort": N_("Data preference card sort"),
    "reflection": N_("Reflection"),
}
# Kinds whose notes fill the wall, and the most characters one note may hold.
TEXT_KINDS: dict[str, int] = {"brainstorm": 500, "reflection": 500, "qa": 300, "word_cloud": 40}
# Kinds phones can write in: the notes above, and statements young people add (moderated).
NOTE_KINDS: dict[str, int] = {**TEXT_KINDS, "statements": 300}
# Kinds answered with one form of choices, replacing the person's earlier choice as a whole.
CHOICE_KINDS = frozenset({"poll", "scale", "dot_vote", "ranking"})
# Kinds that store votes (rows of `workshop_vote`, or `workshop_card_answer` for the card sort):
# the whole-form choices, an answer per statement, an upvote per question.
VOTE_KINDS = CHOICE_KINDS | frozenset({"statements", "qa", "card_sort"})
ANSWERABLE = frozenset(KINDS)
# Counts of a poll, statements or a card sort can single out a few young people ("the two who
# said no"): these start as sensitive, so counts under k are not shown (SECURITY 10). A scale
# is a poll of numbers and starts the same way.
SENSITIVE_BY_DEFAULT = frozenset({"poll", "scale", "statements", "card_sort"})
# A reflection is personal: the room sees it only when the facilitator chooses to.
HIDDEN_UNTIL_REVEAL_BY_DEFAULT = frozenset({"reflection"})

MAX_TEXT = 300  # a prompt
MAX_LABEL = 120  # an option, a card, a category
MAX_OPTIONS = 12
MAX_STATEMENTS = 30
MAX_CARDS = 30
MAX_VOCABULARY = 12  # data kinds, users or purposes of a card sort
MAX_BOARD_CATEGORIES = 12  # a brainstorm board's categories
MAX_DOTS = 10
MAX_REASON = 500  # why a card is fine, not fine or depends
SCALE_MIN = (0, 1)
SCALE_MAX = (2, 10)
KEY_RE = re.compile(r"^[a-z0-9_]{1,32}$")
# A vote on something a young person wrote (a question's upvote, an added statement) has
# slot CONTRIBUTION_SLOT + the contribution's id: one per person and note, apart from the
# slots of seeded statements (their position, under MAX_STATEMENTS).
CONTRIBUTION_SLOT = 1000

# Statements: the answers and the values stored (`workshop_vote.value`).
STATEMENT_ANSWERS: dict[str, int] = {"agree": 1, "disagree": -1, "pass": 0}
STATEMENT_LABELS: dict[str, str] = {"agree": N_("Agree"), "disagree": N_("Disagree"), "pass": N_("Pass / unsure")}

# The card sort: where a young person puts each card (`workshop_card_answer.answer`).
CARD_ANSWERS: tuple[str, ...] = ("fine", "not_fine", "depends")
CARD_ANSWER_LABELS: dict[str, str] = {"fine": N_("Fine"), "not_fine": N_("Not fine"), "depends": N_("It depends")}
# A card combines a kind of data, who uses it and for what; each list is the activity's own.
CARD_PARTS: tuple[str, ...] = ("data_kinds", "users", "purposes")
CARD_FIELDS: dict[str, str] = {"data_kinds": "data_kind", "users": "user", "purposes": "purpose"}
CARD_PART_LABELS: dict[str, str] = {"data_kinds": N_("Which data"), "users": N_("Who uses it"), "purposes": N_("For what")}


# The card sort's default vocabulary is the core's (the practice check speaks the same words);
# the facilitator changes it per activity.
DEFAULT_VOCABULARY = DATA_PRACTICE_VOCABULARY
DEFAULT_CARDS: tuple[tuple[str, str, str], ...] = (
    ("school_records", "ministry", "research"),
    ("location", "tech_company", "advertise"),
    ("health", "un_agency", "send_help"),
    ("identity", "ministry", "send_help"),
    ("online", "tech_company", "advertise"),
    ("family", "un_agency", "research"),
    ("health", "tech_company", "research"),
    ("school_records", "school", "send_help"),
)


def missing_languages(texts: Mapping[str, str] | None, languages: Sequence[str]) -> list[str]:
    return [lang for lang in languages if not (texts or {}).get(lang)]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with where it is (`options`, `prompt`...) for the form to show it."""

    where: str
    message: str


class ConfigError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.where}: {p.message}" for p in problems))
        self.problems = problems


def clean_texts(raw: Any, languages: Sequence[str], *, where: str, limit: int, problems: list[Problem]) -> Texts:
    """{language: text} with blanks dropped, only the consultation's languages, each within
    `limit` characters."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, N_("Texts must be given per language.")))
        return {}
    out: Texts = {}
    for lang, value in raw.items():
        if not isinstance(value, str):
            problems.append(Problem(where, N_("Texts must be given per language.")))
            continue
        value = value.strip()
        if not value:
            continue
        if lang not in languages:
            problems.append(Problem(where, N_("'%(lang)s' is not a language of this consultation.", lang=str(lang)[:8])))
            continue
        if len(value) > limit:
            problems.append(Problem(where, N_("Keep this under %(max)s characters.", max=limit)))
            continue
        out[lang] = value
    return out


def _labelled(raw: Any, languages: Sequence[str], *, where: str, maximum: int, problems: list[Problem], label_key: str = "label") -> list[dict[str, Any]]:
    """A list of {key, label} (options, cards, categories): unique keys, a label each."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(Problem(where, N_("This must be a list.")))
        return []
    if len(raw) > maximum:
        problems.append(Problem(where, N_("At most %(max)s.", max=maximum)))
        return []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    said: list[dict[str, str]] = []  # each item's words per language, as compared
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.append(Problem(where, N_("Item %(n)s is not readable.", n=index + 1)))
            continue
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            problems.append(Problem(where, N_("Item %(n)s needs a key of small letters, digits or _.", n=index + 1)))
            continue
        if key in seen:
            problems.append(Problem(where, N_("The key '%(key)s' is used twice.", key=key)))
            continue
        seen.add(key)
        label = clean_texts(item.get(label_key), languages, where=where, limit=MAX_LABEL, problems=problems)
        if not label:
            problems.append(Problem(where, N_("Item %(n)s has no text.", n=index + 1)))
            continue
        # An item saying what an earlier one says in each of its languages (whatever the case or
        # spaces) splits one answer in two. Two that differ somewhere (two options that happen
        # to translate alike in one language) are two.
        words = {lang: same_words(text) for lang, text in label.items()}
        twice = next((m for m, earlier in enumerate(said) if all(earlier.get(lang) == w for lang, w in words.items())), None)
        if twice is not None:
            problems.append(Problem(where, N_("Item %(n)s says the same as item %(m)s.", n=index + 1, m=twice + 1)))
            continue
        said.append(words)
        out.append({"key": key, label_key: label})
    return out


def _int(raw: Any, default: int, low: int, high: int, *, where: str, problems: list[Problem]) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.append(Problem(where, N_("Enter a whole number.")))
        return default
    if not low <= raw <= high:
        problems.append(Problem(where, N_("Choose a number from %(low)s to %(high)s.", low=low, high=high)))
        return default
    return raw


def vocabulary_for(languages: Sequence[str] | None) -> dict[str, list[dict[str, Any]]]:
    """The default card vocabulary in `languages` (all six when None); a language Baraza has
    no default text for starts from the English, to be translated."""
    vocabulary = copy.deepcopy(DEFAULT_VOCABULARY)
    if languages is None:
        return vocabulary
    for items in vocabulary.values():
        for item in items:
            label = item["label"]
            item["label"] = {lang: label.get(lang) or label["en"] for lang in languages}
    return vocabulary


def card_key(data_kind: str, user: str, purpose: str) -> str:
    """A card's key, made of its three codes (what an answer refers to)."""
    return f"{data_kind}.{user}.{purpose}"


def cards_of(triples: Sequence[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"key": card_key(*t), "data_kind": t[0], "user": t[1], "purpose": t[2]} for t in dict.fromkeys(triples)]


def all_combinations(config: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Every (data kind, user, purpose) of a card sort's vocabulary, data kind first."""
    return [
        (d["key"], u["key"], p["key"])
        for d in config.get("data_kinds") or []
        for u in config.get("users") or []
        for p in config.get("purposes") or []
    ]


def default_config(kind: str, languages: Sequence[str] | None = None) -> dict[str, Any]:
    if kind == "poll":
        return {"options": [], "multiple": False}
    if kind == "scale":
        return {"min": 1, "max": 5, "min_label": {}, "max_label": {}}
    if kind in TEXT_KINDS:
        return {"max_length": TEXT_KINDS[kind]}
    if kind == "dot_vote":
        return {"options": [], "dots": 3, "stack": False}
    if kind == "ranking":
        return {"options": [], "places": 0}
    if kind == "statements":
        return {"statements": [], "allow_new": True}
    if kind == "card_sort":
        return {**vocabulary_for(languages), "cards": cards_of(DEFAULT_CARDS), "reasons": True}
    return {}


def _bool(raw: Any, default: bool, *, where: str, problems: list[Problem]) -> bool:
    if raw is None:
        return default
    if not isinstance(raw, bool):
        problems.append(Problem(where, N_("Say yes or no.")))
        return default
    return raw


def _cards(raw: Any, config: Mapping[str, Any], *, problems: list[Problem]) -> list[dict[str, str]]:
    """A card sort's cards: (data kind, user, purpose) triples of its own vocabulary, each once."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(Problem("cards", N_("This must be a list.")))
        return []
    if len(raw) > MAX_CARDS:
        problems.append(Problem("cards", N_("At most %(max)s cards: choose fewer combinations.", max=MAX_CARDS)))
        return []
    known = {part: {item["key"] for item in config.get(part) or []} for part in CARD_PARTS}
    triples: list[tuple[str, str, str]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.append(Problem("cards", N_("Item %(n)s is not readable.", n=index + 1)))
            continue
        triple = tuple(item.get(CARD_FIELDS[part]) for part in CARD_PARTS)
        if any(not isinstance(code, str) or code not in known[part] for code, part in zip(triple, CARD_PARTS, strict=True)):
            problems.append(Problem("cards", N_("Card %(n)s uses a kind of data, a user or a purpose that is not in the lists.", n=index + 1)))
            continue
        if triple in triples:
            problems.append(Problem("cards", N_("Card %(n)s is there twice.", n=index + 1)))
            continue
        triples.append(triple)  # type: ignore[arg-type]
    return cards_of(triples)


def check_config(kind: str, raw: Mapping[str, Any] | None, languages: Sequence[str]) -> dict[str, Any]:
    """The kind's settings, checked and in normal form; ConfigError lists every problem.

    Unknown keys are dropped (nothing but what the kind reads is stored)."""
    if kind not in KINDS:
        raise ConfigError([Problem("kind", N_("Unknown kind of activity."))])
    raw = dict(raw or {})
    problems: list[Problem] = []
    config: dict[str, Any]
    if kind in ("poll", "ranking", "dot_vote"):
        options = _labelled(raw.get("options"), languages, where="options", maximum=MAX_OPTIONS, problems=problems)
        config = {"options": options}
        if kind == "poll":
            config["multiple"] = _bool(raw.get("multiple"), False, where="multiple", problems=problems)
        elif kind == "ranking":
            # How many places each person gives (their top 3 of 8, say); 0: every option.
            config["places"] = _int(raw.get("places"), 0, 0, MAX_OPTIONS, where="places", problems=problems)
        elif kind == "dot_vote":
            config["dots"] = _int(raw.get("dots"), 3, 1, MAX_DOTS, where="dots", problems=problems)
            config["stack"] = _bool(raw.get("stack"), False, where="stack", problems=problems)
    elif kind == "scale":
        low = _int(raw.get("min"), 1, *SCALE_MIN, where="min", problems=problems)
        high = _int(raw.get("max"), 5, *SCALE_MAX, where="max", problems=problems)
        config = {
            "min": low,
            "max": high,
            "min_label": clean_texts(raw.get("min_label"), languages, where="min_label", limit=MAX_LABEL, problems=problems),
            "max_label": clean_texts(raw.get("max_label"), languages, where="max_label", limit=MAX_LABEL, problems=problems),
        }
    elif kind in TEXT_KINDS:
        config = {"max_length": _int(raw.get("max_length"), TEXT_KINDS[kind], 1, TEXT_KINDS[kind], where="max_length", problems=problems)}
        if kind == "brainstorm":
            # The board's categories: the facilitator groups notes by them (workshops.moderation).
            config["categories"] = _labelled(raw.get("categories"), languages, where="categories", maximum=MAX_BOARD_CATEGORIES, problems=problems)
    elif kind == "statements":
        config = {
            "statements": _labelled(raw.get("statements"), languages, where="statements", maximum=MAX_STATEMENTS, problems=problems, label_key="text"),
            "allow_new": _bool(raw.get("allow_new"), True, where="allow_new", problems=problems),
        }
    else:  # card_sort
        config = {
            part: _labelled(raw.get(part), languages, where=part, maximum=MAX_VOCABULARY, problems=problems) for part in CARD_PARTS
        }
        config["cards"] = _cards(raw.get("cards"), config, problems=problems)
        config["reasons"] = _bool(raw.get("reasons"), True, where="reasons", problems=problems)
    if problems:
        raise ConfigError(problems)
    return config


def ranking_places(config: Mapping[str, Any]) -> int:
    """How many places a person gives in a ranking: its `places`, or every option (0, or more
    places than options)."""
    options = len(config.get("options") or [])
    places = int(config.get("places") or 0)
    return places if 0 < places < options else options


def readiness(kind: str, config: Mapping[str, Any]) -> list[str]:
    """What the activity still needs before phones can answer it (message ids); empty when ready."""
    needs: list[str] = []
    if kind == "poll" and len(config.get("options") or []) < 2:
        needs.append(N_("A poll needs at least two options."))
    if kind == "ranking" and len(config.get("options") or []) < 2:
        needs.append(N_("A ranking needs at least two options."))
    if kind == "dot_vote" and len(config.get("options") or []) < 2:
        needs.append(N_("Dot voting needs at least two options."))
    if kind == "card_sort" and not config.get("cards"):
        needs.append(N_("A card sort needs cards."))
    if kind == "statements" and not config.get("statements") and not config.get("allow_new"):
        needs.append(N_("Add statements first."))
    if kind == "scale" and int(config.get("min", 1)) >= int(config.get("max", 5)):
        needs.append(N_("The top of the scale must be above its bottom."))
    return needs


# Settings that may change after young people answered: they change nothing already given.
FREE_SETTINGS = frozenset({"allow_new", "reasons", "categories"})  # categories: a board's, for grouping notes


def structure_of(kind: str, config: Mapping[str, Any]) -> Any:
    """Everything but the wording: what votes and contributions already given refer to. Once an
    activity holds any, only its wording may change (as for a published survey)."""
    shape: dict[str, Any] = {"kind": kind}
    if kind == "ranking":
        config = {"places": 0, **config}  # rankings stored before `places` ranked every option
    for key, value in config.items():
        if key in FREE_SETTINGS:
            continue
        if isinstance(value, list):
            shape[key] = [
                tuple(sorted((k, v) for k, v in item.items() if not isinstance(v, dict))) if isinstance(item, Mapping) else item
                for item in value
            ]
        elif isinstance(value, dict):
            continue  # texts per language
        else:
            shape[key] = value
    return shape


def option_labels(config: Mapping[str, Any], lang: str, fallback: str, key: str = "options") -> list[tuple[str, str]]:
    """(key, label in `lang`) of a poll's options (or a card sort's vocabulary, statements)."""
    label_key = "text" if key == "statements" else "label"
    return [(o["key"], text_in(o.get(label_key), lang, fallback) or o["key"]) for o in config.get(key) or []]


@dataclass(frozen=True)
class Card:
    """A card of a card sort in one language: its key, codes and the three labels."""

    key: str
    data_kind: str
    user: str
    purpose: str
    data_kind_label: str
    user_label: str
    purpose_label: str


def card_labels(config: Mapping[str, Any], lang: str, fallback: str) -> list[Card]:
    labels = {part: dict(option_labels(config, lang, fallback, part)) for part in CARD_PARTS}
    return [
        Card(
            c["key"], c["data_kind"], c["user"], c["purpose"],
            labels["data_kinds"].get(c["data_kind"], c["data_kind"]),
            labels["users"].get(c["user"], c["user"]),
            labels["purposes"].get(c["purpose"], c["purpose"]),
        )
        for c in config.get("cards") or []
    ]


def scale_points(config: Mapping[str, Any]) -> list[int]:
    return list(range(int(config.get("min", 1)), int(config.get("max", 5)) + 1))


def uneven_lines(lines_by_language: Mapping[str, str]) -> Any:
    """The editor's boxes pair line n of every language: a language with more or fewer lines
    than another (a line added in English only, one removed in Spanish only) would pair the
    wrong translations. A message when the languages that have lines have different numbers
    of them; None when they agree (an empty language falls back to the consultation's)."""
    counts = sorted({len([line for line in text.splitlines() if line.strip()]) for text in lines_by_language.values() if text.strip()})
    if len(counts) > 1:
        return N_("Give every language the same number of lines (one has %(more)s, another %(fewer)s), or leave a language empty.", more=counts[-1], fewer=counts[0])
    return None


def options_from_lines(lines_by_language: Mapping[str, str], existing: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """Options from the editor's "one per line" boxes (one box per language). Line n of every
    language is option n; its key stays the one it had (o1, o2, ...), so wording can be
    corrected without touching what votes refer to. Blank lines at the end are dropped."""
    per_language = {lang: [line.strip() for line in text.splitlines()] for lang, text in lines_by_language.items()}
    for lang, lines in per_language.items():
        while lines and not lines[-1]:
            lines.pop()
        per_language[lang] = lines
    count = max((len(lines) for lines in per_language.values()), default=0)
    options = []
    used = {str(o.get("key")) for o in existing}
    next_number = 1
    for index in range(count):
        if index < len(existing):
            key = str(existing[index]["key"])
        else:
            while f"o{next_number}" in used:
                next_number += 1
            key = f"o{next_number}"
            used.add(key)
        label = {lang: lines[index] for lang, lines in per_language.items() if index < len(lines) and lines[index]}
        options.append({"key": key, "label": label})
    return options
