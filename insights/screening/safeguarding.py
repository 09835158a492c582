"""What reads as a disclosure of harm, what is doubtful, and what is an insult, per language.

Two levels, because the two mistakes cost differently. A *disclosure* is a phrase in which a
young person says harm is happening to them (first person: "he hits me", "quiero morir",
"ananipiga"): flagged at once with its kind (abuse, self-harm, exploitation, danger). A
*doubtful* text names harm without saying it happens to the writer ("there is a lot of abuse
in our school", "tengo miedo"): it is held for a person to read, never dropped and never
published unread. The core's lists (baraza.screening.DISCLOSURES, INSULTS) are all included.

Matched on folded text (lower case, accents and Arabic marks removed: baraza.screening.fold),
whole words and phrases only.
"""

from __future__ import annotations

import re

from baraza.screening import DISCLOSURES, INSULTS, fold

ABUSE = "abuse"
SELF_HARM = "self_harm"
EXPLOITATION = "exploitation"
DANGER = "danger"
DOUBTFUL = "doubtful"

_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    SELF_HARM: {
        "en": ("kill myself", "killing myself", "end my life", "want to die", "wanna die", "hurt myself", "hurting myself", "cut myself",
               "cutting myself", "suicidal", "take my own life", "don't want to live", "dont want to live", "no reason to live",
               "better off dead", "overdose", "hang myself", "self harm", "self-harm", "harm myself"),
        "es": ("matarme", "quitarme la vida", "quiero morir", "me quiero morir", "hacerme dano", "me corto", "suicidarme",
               "no quiero vivir", "acabar con mi vida", "ya no quiero vivir", "me lastimo"),
        "fr": ("me tuer", "mettre fin a ma vie", "veux mourir", "me faire du mal", "je me coupe", "suicidaire", "me suicider",
               "plus envie de vivre", "en finir avec la vie", "je me scarifie"),
        "ar": ("اقتل نفسي", "انتحر", "انتحار", "اريد ان اموت", "بدي موت", "اؤذي نفسي", "اجرح نفسي", "لا اريد ان اعيش", "انهي حياتي"),
        "pt": ("me matar", "tirar minha vida", "quero morrer", "me machucar", "me corto", "me cortar", "nao quero viver",
               "acabar com a minha vida", "suicidar", "me suicidar"),
        "sw": ("kujiua", "nataka kufa", "kujidhuru", "sitaki kuishi", "najikata", "kujiumiza", "nijiue"),
    },
    ABUSE: {
        "en": ("he hits me", "she hits me", "hits me", "beats me", "beat me", "abuses me", "abused me", "touches me", "touched me",
               "raped me", "was raped", "got raped", "rape me", "molested", "forced me", "hurts me", "hurt me", "he rapes",
               "sexually abused", "slaps me", "kicks me", "burns me", "locks me", "starves me", "harasses me", "harassed me",
               "bullies me", "bullied me", "made me undress", "asked me for nudes"),
        "es": ("me pega", "me golpea", "me golpean", "me pegan", "abusa de mi", "abuso de mi", "abusaron de mi", "me toca", "me tocan",
               "me violo", "me violaron", "me obliga", "me obligo", "me maltrata", "me maltratan", "me acosa", "me acosan",
               "me encierra", "me quema"),
        "fr": ("il me frappe", "elle me frappe", "me frappe", "me bat", "me battent", "abuse de moi", "a abuse de moi", "me touche",
               "m'a violee", "m'a viole", "j'ai ete violee", "m'oblige", "me maltraite", "me harcele", "m'a touchee", "m'enferme"),
        "ar": ("يضربني", "تضربني", "يضربونني", "يعتدي علي", "اعتدى علي", "يلمسني", "اغتصبني", "اغتصبوني", "يجبرني", "يتحرش بي",
               "تحرش بي", "يعذبني", "يحبسني"),
        "pt": ("me bate", "me batem", "abusa de mim", "abusou de mim", "me toca", "me estuprou", "me estupraram", "me obriga",
               "me maltrata", "me assedia", "me tranca", "me espanca"),
        "sw": ("ananipiga", "wananipiga", "alinipiga", "ananinyanyasa", "ananigusa", "alinibaka", "walinibaka", "nilibakwa",
               "ananilazimisha", "ananidhulumu", "ananitesa", "ananifungia"),
    },
    EXPLOITATION: {
        "en": ("sold me", "trafficked", "forced to work", "made me work", "work without pay", "forced to marry", "married me off",
               "marry me off", "pays me for sex", "sell my body", "sex for money", "asked me for photos", "sends me money for",
               "forced into marriage", "recruited me", "took my passport"),
        "es": ("me vendieron", "me obligan a trabajar", "trabajar sin pago", "me casaron", "casarme a la fuerza", "me pagan por sexo",
               "vender mi cuerpo", "me reclutaron", "me quitaron los papeles", "me piden fotos"),
        "fr": ("m'ont vendu", "m'ont vendue", "force a travailler", "forcee a travailler", "travailler sans salaire", "m'ont mariee",
               "mariage force", "me marier de force", "vendre mon corps", "me demande des photos", "m'ont recrute"),
        "ar": ("باعوني", "يشغلونني بالقوه", "زوجوني", "زواج بالاكراه", "يريدون تزويجي", "اجبروني على العمل", "يطلب صوري"),
        "pt": ("me venderam", "me obrigam a trabalhar", "trabalhar sem pagamento", "me casaram", "casar a forca", "vender meu corpo",
               "me pedem fotos", "me recrutaram"),
        "sw": ("waliniuza", "wananilazimisha kufanya kazi", "kazi bila malipo", "kuniozesha", "wananiozesha", "ndoa ya lazima",
               "kuuza mwili", "ananiomba picha"),
    },
    DANGER: {
        "en": ("not safe at home", "afraid to go home", "scared to go home", "threatened to kill", "going to kill me", "will kill me",
               "want to kill me", "they threaten me", "he threatens me", "threatens me", "i'm in danger", "i am in danger",
               "ran away from home", "nowhere to sleep", "kicked me out"),
        "es": ("no estoy segura en casa", "no estoy seguro en casa", "miedo de volver a casa", "me amenaza", "me amenazan",
               "me van a matar", "quieren matarme", "estoy en peligro", "me escape de casa", "me echaron de casa"),
        "fr": ("pas en securite a la maison", "peur de rentrer", "me menace", "me menacent", "vont me tuer", "veulent me tuer",
               "je suis en danger", "fugue", "m'ont mis dehors"),
        "ar": ("لست بامان في البيت", "خايف ارجع عالبيت", "يهددني", "يهددونني", "سيقتلونني", "بدهم يقتلوني", "انا في خطر",
               "هربت من البيت", "طردوني من البيت"),
        "pt": ("nao estou segura em casa", "nao estou seguro em casa", "medo de voltar para casa", "me ameaca", "me ameacam",
               "vao me matar", "querem me matar", "estou em perigo", "fugi de casa", "me expulsaram de casa"),
        "sw": ("sipo salama nyumbani", "naogopa kurudi nyumbani", "ananitishia", "wananitishia", "wataniua", "wanataka kuniua",
               "niko hatarini", "nimetoroka nyumbani", "walinifukuza nyumbani"),
    },
}

# Harm named without saying it happens to the writer, and fear: a person reads these.
_DOUBTFUL: dict[str, tuple[str, ...]] = {
    "en": ("abuse", "abused", "abusive", "rape", "raped", "raping", "suicide", "self-harm", "violence", "violent", "trafficking",
           "harassment", "harassed", "molest", "scared", "afraid", "unsafe", "frightened", "hurt", "beaten", "bullying", "grooming",
           "exploited", "exploitation", "nobody helps me", "no one helps me", "help me", "can't cope", "hopeless", "depressed"),
    "es": ("abuso", "abusos", "violacion", "violencia", "suicidio", "maltrato", "acoso", "trata", "miedo", "tengo miedo", "peligro",
           "golpes", "ayudame", "nadie me ayuda", "deprimida", "deprimido", "explotacion"),
    "fr": ("abus", "viol", "violence", "violences", "suicide", "maltraitance", "harcelement", "traite", "peur", "j'ai peur",
           "danger", "aidez-moi", "aidez moi", "personne ne m'aide", "deprime", "deprimee", "exploitation"),
    "ar": ("اغتصاب", "عنف", "تحرش", "اعتداء", "انتحار", "خايف", "خايفه", "اخاف", "خطر", "ساعدوني", "مكتئب", "مكتئبه", "استغلال",
           "اتجار"),
    "pt": ("abuso", "estupro", "violencia", "suicidio", "maus-tratos", "assedio", "trafico", "medo", "tenho medo", "perigo",
           "socorro", "me ajudem", "ninguem me ajuda", "deprimida", "deprimido", "exploracao"),
    "sw": ("unyanyasaji", "ubakaji", "vurugu", "dhuluma", "kujiua", "naogopa", "hofu", "hatari", "nisaidie", "msaada",
           "unyonyaji", "biashara ya binadamu", "ukatili"),
}

# More insults, added to the core's lists (held, never masked).
_MORE_INSULTS: dict[str, tuple[str, ...]] = {
    "en": ("dickhead", "twat", "cunt", "prick", "wanker", "bullshit", "motherfucker", "fucking", "faggot", "nigger", "scum"),
    "es": ("gilipollas", "cabrona", "culero", "marica", "maricon", "zorra", "hijo de puta", "pelotudo", "boludo", "huevon"),
    "fr": ("con", "conne", "encule", "enculé", "putain", "abruti", "abrutie", "ta gueule", "fils de pute", "pd"),
    "ar": ("كلب", "حمار", "ابن الكلب", "ابن الحرام", "زباله", "حيوان", "قذر", "قذره"),
    "pt": ("porra", "caralho", "filho da puta", "vagabundo", "vagabunda", "burro", "burra", "viado", "otário", "cuzão"),
    "sw": ("kumbavu", "mbwa wewe", "shenzi", "takataka", "kinyago", "msenge", "kuma", "mavi"),
}


_WORDS = re.compile(r"[\w']+")


def _grams(phrases: set[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(_WORDS.findall(fold(p))) for p in phrases) - {()}


# Every list's phrases in one index by first word: one dict look-up per word of the text,
# instead of regular expressions of hundreds of alternatives tried at every character.
_LISTS: dict[str, frozenset[tuple[str, ...]]] = {
    **{kind: _grams({p for ps in per_language.values() for p in ps}) for kind, per_language in _PHRASES.items()},
    # The core's disclosure phrases are not sorted by kind: one the lists above miss counts as
    # a disclosure of abuse, except the bare topic words ("suicide", "rape"), doubtful here: a
    # consultation about safety names them without anyone disclosing anything.
    "core": _grams({p for ps in DISCLOSURES.values() for p in ps}),
    DOUBTFUL: _grams({p for ps in _DOUBTFUL.values() for p in ps}),
    "insult": _grams({w for ws in INSULTS.values() for w in ws} | {w for ws in _MORE_INSULTS.values() for w in ws}),
}
_INSULTS_BY_LANGUAGE = {
    lang: _grams(set(INSULTS.get(lang, ())) | set(_MORE_INSULTS.get(lang, ()))) for lang in set(INSULTS) | set(_MORE_INSULTS)
}
_TOPIC_WORDS = _LISTS[DOUBTFUL] | _grams({"suicide", "suicidal", "rape", "raping", "raped", "sexual abuse", "violacion", "viol",
                                          "violee", "suicidio", "estupro", "kubakwa", "انتحار", "اغتصاب", "trafficked"})
_INDEX: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _label, _grams_of in _LISTS.items():
    for _gram in _grams_of:
        _INDEX.setdefault(_gram[0], []).append((_gram, _label))


def _found(words: list[str]) -> dict[str, list[tuple[str, ...]]]:
    hits: dict[str, list[tuple[str, ...]]] = {}
    for i, word in enumerate(words):
        for gram, label in _INDEX.get(word, ()):
            if len(gram) == 1 or tuple(words[i:i + len(gram)]) == gram:
                hits.setdefault(label, []).append(gram)
    return hits


def words_of(folded: str) -> list[str]:
    return _WORDS.findall(folded)


def read_harm(words: list[str], language: str | None = None, ordinary: frozenset[str] = frozenset()) -> tuple[tuple[str, ...], bool, bool]:
    """(kinds of disclosure, doubtful, insult) of a folded text's words. Doubtful only without
    a disclosure. An insult of another language that is an everyday word of this one ("con" is
    "with" in Spanish, "fala" "speaks" in Portuguese) is not one here."""
    hits = _found(words)
    if "insult" in hits and language:
        own = _INSULTS_BY_LANGUAGE.get(language, frozenset())
        kept = [g for g in hits["insult"] if g in own or len(g) > 1 or g[0] not in ordinary]
        if kept:
            hits["insult"] = kept
        else:
            del hits["insult"]
    kinds = tuple(kind for kind in _PHRASES if kind in hits)
    core = hits.get("core", [])
    if not kinds and any(gram not in _TOPIC_WORDS for gram in core):
        kinds = (ABUSE,)
    doubtful = not kinds and bool(core or DOUBTFUL in hits)
    return kinds, doubtful, "insult" in hits
