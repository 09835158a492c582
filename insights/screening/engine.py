"""Finding personal data in a text: patterns, phone numbers, gazetteers and context cues.

Each detector proposes spans of the ORIGINAL text with a kind; `find_spans` keeps, where two
overlap, the one of the stronger kind (an e-mail over the link inside it, a school over the
name in it, an address over its town). Everything heavy is built once per process at import:
compiled patterns, the word lists of `gazetteer.py`, and the ordinary-word lists in `data/`
(built by `build_lexicon.py` from spacy-lookups-data; nothing is downloaded).

Why no spaCy pipeline here: the rules need words with their offsets, capitalisation and a few
neighbours, which one regular expression gives at a fraction of the cost of a `Doc`; the
theming step tokenises with spaCy afterwards anyway (see docs/insights.md, Screening).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from phonenumbers import Leniency, PhoneNumberMatcher

from baraza.screening import Span, fold
from insights.screening import gazetteer as gz

KINDS = ("name", "school", "phone", "email", "link", "handle", "id", "address", "place")
LANGUAGES = ("en", "es", "fr", "ar", "pt", "sw")
_DATA = Path(__file__).parent / "data"

# ---------------------------------------------------------------------------- word lists


def _read_words(name: str) -> frozenset[str]:
    with gzip.open(_DATA / name, "rt", encoding="utf-8") as handle:
        return frozenset(handle.read().split("\n"))


def _folded(words: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(w).replace("’", "'") for w in words)


# Swahili has no table in spacy-lookups-data: the everyday words young people write, by hand,
# so that a lower-case or sentence-initial one is never taken for a name.
_SWAHILI = """
    mimi wewe yeye sisi nyinyi wao na ni kwa ya wa za la cha vya kwa katika kutoka huko hapa pale sana pia lakini
    au kama kwamba ili hata bado tu sasa leo kesho jana kila wote yote wengi nyingi mengi kidogo kubwa ndogo nzuri
    mbaya shule mwalimu walimu wanafunzi mwanafunzi nyumbani nyumba mtaa kijiji mji jiji serikali kazi pesa chakula
    maji afya hospitali daktari simu mtandao data habari taarifa vijana kijana watoto mtoto wazazi mzazi mama baba
    dada kaka rafiki marafiki familia jamii watu mtu mambo jambo swali maswali jibu majibu ndiyo hapana asante tafadhali
    karibu habari nzuri sawa haya hii hiyo ile hizi hizo zile huyu huyo yule hawa hao wale yangu yako yake yetu yenu
    yao wangu wako wake wetu wenu wao langu lako lake letu lenu lao changu chako chake chetu chenu chao nataka
    tunataka wanataka anataka napenda tunapenda sipendi hatupendi naomba tunaomba tuna nina ana wana kuna hakuna
    sina hana hatuna hawana kwenye ndani nje juu chini mbele nyuma karibu mbali kwa sababu kwanini nini nani wapi
    lini vipi namna jinsi kufanya kusoma kuandika kuongea kusaidia kulinda kutumia kushiriki kujua kuona kusikia
    elimu usalama haki siri faragha matumizi picha video mitandao kijamii vitabu darasa masomo mtihani mitihani
    vizuri vibaya haraka polepole zaidi chache kubwa muhimu lazima labda kabisa kweli uongo amani upendo furaha
    imani neema baraka zawadi subira rehema tumaini faraja bahati pendo salama juma hawa sifa tatu mosi
""".split()

# Arabic function words and the adjectives that follow "a school", "a camp", "a city", so
# that "مدرسة جديدة" (a new school) is not taken for a school's name.
_ARABIC_STOP = _folded("""
    في من على الى إلى عن مع و او أو ثم لكن هذا هذه ذلك تلك هناك هنا انا أنا انت أنت هو هي نحن هم كان كانت يكون
    لا لم لن ما ماذا لماذا كيف متى اين أين الذي التي الذين كل بعض كثير قليل جدا جداً ايضا أيضا فقط قد لقد
    جيدة جيده جديدة جديده كبيرة كبيره صغيرة صغيره قريبة قريبه بعيدة بعيده حكومية حكوميه خاصة خاصه واحدة واحده
    ثانوية ثانويه ابتدائية ابتدائيه اعدادية اعداديه عامة عامه دولية دوليه مختلطة مختلطه للبنات للبنين بنات بنين
    عندي عنده عندنا لي له لها لنا بها به فيها فيه
""".split())

_STOP_BY_LANGUAGE: dict[str, frozenset[str]] = {}


def _spacy_stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of `lang`, read from its file: importing `spacy.lang.<lang>` would load
    the language's tokenizer exceptions too (13 s for French)."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / lang / "stop_words.py"
    loaded = importlib.util.spec_from_file_location(f"_baraza_stop_words_{lang}", path)
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return _folded(module.STOP_WORDS)


def _load_lists() -> None:
    global ORDINARY, ORDINARY_ANY, WELL_KNOWN, GIVEN, FAMILY, GIVEN_AR, FAMILY_AR, AMBIGUOUS, AMBIGUOUS_AR
    global PLACES, PLACES_AR, MULTIWORD, NOT_NAMES, TITLES, STOP, ORGANISATIONS, ORGANISATION_ENDINGS
    ORDINARY = {lang: _read_words(f"ordinary-{lang}.txt.gz") for lang in ("en", "es", "fr", "pt")}
    ORDINARY["sw"] = _folded(_SWAHILI)
    ORDINARY["ar"] = _ARABIC_STOP
    ORDINARY_ANY = frozenset().union(*ORDINARY.values())
    GIVEN = _folded(w for ws in gz.GIVEN_NAMES.values() for w in ws.split())
    FAMILY = _folded(w for ws in gz.FAMILY_NAMES.values() for w in ws.split())
    GIVEN_AR = _folded(gz.GIVEN_NAMES_AR)
    FAMILY_AR = _folded(gz.FAMILY_NAMES_AR)
    names = GIVEN | FAMILY
    manual = _folded(gz.AMBIGUOUS_NAMES)
    # A name that is an everyday word of the text's language needs more evidence there.
    AMBIGUOUS = {lang: frozenset(names & ORDINARY[lang]) | manual for lang in ORDINARY}
    AMBIGUOUS_AR = _folded(gz.AMBIGUOUS_NAMES_AR)
    WELL_KNOWN = _read_words("well-known.txt.gz") - names
    PLACES = _folded(gz.PLACES)
    PLACES_AR = _folded(gz.PLACES_AR)
    MULTIWORD = {}
    for phrase in gz.MULTIWORD_PLACES:
        words = tuple(fold(phrase).split())
        MULTIWORD.setdefault(words[0], []).append(words)
    NOT_NAMES = _folded(gz.NOT_NAMES)
    ORGANISATIONS = {}
    for phrase in gz.ORGANISATION_PHRASES:
        words = tuple(fold(phrase).replace("-", " ").split())
        ORGANISATIONS.setdefault(words[0], []).append(words)
    ORGANISATION_ENDINGS = _folded(w.rstrip(".") for w in gz.ORGANISATION_ENDINGS)
    TITLES = _folded(w.rstrip(".") for w in gz.TITLES)
    for lang in ("en", "es", "fr", "pt"):
        _STOP_BY_LANGUAGE[lang] = _spacy_stop_words(lang)
    _STOP_BY_LANGUAGE["sw"] = _folded(_SWAHILI[:200])
    _STOP_BY_LANGUAGE["ar"] = _ARABIC_STOP
    STOP = frozenset().union(*_STOP_BY_LANGUAGE.values())


ORDINARY: dict[str, frozenset[str]]
ORDINARY_ANY: frozenset[str]
WELL_KNOWN: frozenset[str]
GIVEN: frozenset[str]
FAMILY: frozenset[str]
GIVEN_AR: frozenset[str]
FAMILY_AR: frozenset[str]
AMBIGUOUS: dict[str, frozenset[str]]
AMBIGUOUS_AR: frozenset[str]
PLACES: frozenset[str]
PLACES_AR: frozenset[str]
MULTIWORD: dict[str, list[tuple[str, ...]]]
NOT_NAMES: frozenset[str]
ORGANISATIONS: dict[str, list[tuple[str, ...]]]
ORGANISATION_ENDINGS: frozenset[str]
TITLES: frozenset[str]
STOP: frozenset[str]
_load_lists()

# ---------------------------------------------------------------------------- patterns

_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"  # capital letters of the Latin alphabets young people write in
CAP = rf"[{_UP}][\w'’-]*"
_NUM_DIGITS = "0-9٠-٩۰-۹"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TLD = (r"com|org|net|info|io|me|ly|co|app|edu|gov|int|biz|tv|xyz|online|site|ke|tz|ug|rw|ng|gh|sn|ci|ml|cd|za|et|so|ss|"
        r"mx|br|pt|fr|es|jo|lb|eg|sy|iq|ma|tn|dz|ps|sd|ye|mz|ao|cv|uk|de|it|nl|be|ch|ca|us|au|in|pk|bd|cy|hu|pl|ru|fi|se|dk|no")
LINK = re.compile(
    rf"(?:https?://|www\.)[^\s<>\"'()]+[^\s<>\"'().,;:!?]|\b[\w-]{{2,}}(?:\.[\w-]+)*\.(?:{_TLD})\b(?:/[^\s<>\"']*[^\s<>\"'().,;:!?])?",
    re.IGNORECASE,
)
HANDLE = re.compile(r"(?<![\w@./])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,29}[A-Za-z0-9_])")
# Seven to fifteen digits with the separators people type (Arabic-Indic digits included).
_EXTENSION = re.compile(r"[ \t]?(?:x|ext\.?|extn\.?)[ \t]?\d{1,6}$")
# A long number, with its extension if it has one ("345-899-3560x4587", "ext. 12").
DIGITS = re.compile(
    rf"(?<![\w+])(?:\+|00)?[{_NUM_DIGITS}](?:[ \t().\-]{{0,2}}[{_NUM_DIGITS}]){{6,18}}(?:[ \t]?(?:x|ext\.?|extn\.?)[ \t]?\d{{1,6}})?(?![\w])"
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_AMOUNT_AFTER = re.compile(
    r"\s*(?:shillings?|ksh|kes|tsh|ush|dollars?|usd|\$|pesos?|cop|francs?|cfa|fcfa|reais|real|meticais|mt|kwanzas?|naira|cedis?|"
    r"dinars?|jod|pounds?|euros?|€|people|persons?|personas|personnes|pessoas|watu|km|kg|students|estudiantes|eleves|alunos)\b",
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(r"(?:ksh|kes|tsh|ush|usd|\$|€|£|cop|fcfa|r\$|mzn|jod)\s*$", re.IGNORECASE)
_ID_CUE = re.compile(
    r"(?:\bid\b|\bi\.d\.|identity|passport|national id|\bnin\b|\bnida\b|huduma|kitambulisho|cedula|cédula|\bdni\b|\bcurp\b|\brfc\b|"
    r"pasaporte|pasipoti|identidade|identite|identité|\bcni\b|passeport|matricule|\bcpf\b|\brg\b|\bbi\b|bilhete|هوية|هويه|جواز|الرقم الوطني|"
    r"unhcr|progres|case number|ration card|registration|admission|student number|matricula|matrícula|account|card|tarjeta|carte|"
    r"cartão|cartao|iban|licen[cs]e|licencia|permis|ssn|social security|nhif|nssf|birth certificate|cheti|certificate|student|"
    r"estudiante|estudante|[ée]tudiant|[ée]l[èe]ve|aluno|mwanafunzi|\bcc\b)"
    r"[^\n]{0,20}$",
    re.IGNORECASE,
)
_PHONE_CUE = re.compile(
    r"(?:phone|call|text|sms|whatsapp|tel|mobile|cell|number|numero|número|telefono|teléfono|celular|llama|appelle|portable|"
    r"telefone|liga|simu|piga|namba|رقم|هاتف|اتصل|واتس)[^\n]{0,15}$",
    re.IGNORECASE,
)
ID_PATTERNS = (
    re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),  # IBAN
    # Letters and at least four digits in one word, the word ending there ("3660170548-Fax" is not one).
    re.compile(r"\b(?=[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9](?:[A-Z0-9-]{4,}[A-Z0-9])(?![\w-])"),
    re.compile(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b|\b\d{3}-\d{2}-\d{4}\b"),  # CPF, social security
    # IP addresses (four numbers, not the first four of a dotted phone number: "01.84.17.61.18").
    re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![.\d])|\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b"),
    re.compile(r"\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,7}\b|\b\d{13,19}\b"),  # card numbers
)
# A postcode after its cue: "my zip code is 90010-170", "ZIP: 7412 SL", "código postal 110111".
_POSTCODE_CUE = re.compile(r"(?i:zip(?:\s*code)?|post\s?code|postal\s+code|c[oó]digo\s+postal|code\s+postal|CEP)\s*(?:is|es|est|é|ni)?\s*[:#]?\s*"
                           r"(\d[\dA-Z-]*(?:\s(?:\d+|[A-Z]{2})\b)?)")
_POSTCODE_CUE_WORDS = _folded("zip postcode postal cep".split())
# The number after an ID cue, up to two words later ("bilhete de identidade 877362507060P", "جواز
# السفر NY6384225", "the CURP CCYB804964..."), in capitals or not.
_NUMBER_AFTER_CUE = re.compile(
    r"\s*(?:[^\W\d_]+\s+){0,2}?(?:number|no\.?|n[°º]|#|:|is|es|est|é|ni|ya)?\s*:?\s*((?=[\w/-]*\d[\w/-]*\d[\w/-]*\d)[A-Za-z]{0,4}[-/ ]?\d[\w/-]{4,})",
    re.IGNORECASE,
)
ID_CUE_AHEAD = re.compile(_ID_CUE.pattern[: -len(r"[^\n]{0,20}$")], re.IGNORECASE)

_STREET_WORDS = (r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|way|close|crescent|boulevard|blvd|court|ct|terrace|"
                 r"highway|hwy|square|sq|parkway|pkwy|row|gardens|grove|mews|walk|estate|place|pl")
_STREET_SUFFIX = (r"(?:katu|gatan|vägen|vagen|väg|straße|strasse|str\.|laan|weg|straat|gade|vej|veien|tie|utca|ulica|kuja|"
                  r"polku|plein|gracht|dreef|kade|singel|allee|gasse|gata|vegen)")
_STREET_BEFORE = (r"rue|avenue|avenida|av\.|av|cit[ée]|boulevard|bd|bld|chemin|allée|allee|impasse|route|quai|calle|c/|carrera|cra\.?|kra\.?|"
                  r"diagonal|transversal|tv|paseo|camino|carretera|calzada|rua|travessa|estrada|largo|praça|praca|alameda|rodovia|"
                  r"via|viale|piazza|corso|ul\.|ulica|mtaa wa|barabara ya|njia ya|plot|plot no\.?|house no\.?|block|bloque|manzana|mz\.?|"
                  r"lote|lot|casa|edificio|residencial|conjunto")
_PARTICLE = r"(?:de|del|la|las|los|el|du|des|le|d'|da|do|dos|das|di|dei|della|delle|degli|van|von|der|den|ya|wa|of|the|y|e)"
_HOUSE = r"(?:,?\s*(?:No\.?|N[°º]\.?|n\.?|#|num\.?|número)?\s*\d{1,5}[A-Za-z]?(?:\s*[-#/]\s*\d{1,4}[A-Za-z]?)*)"
_UNIT = r"(?:,?\s*(?:Apt\.?|Apartment|Suite|Unit|Flat|Floor|Piso|Apto\.?|Appt\.?|Bloc|Casa|Dpto\.?|Depto\.?|Interior|Int\.?|villa|nyumba(?: namba)?|casa|house)\s*#?\s*\w{1,5})"
ADDRESS_PATTERNS = (
    # "28245 Puruntie 82", "450 Præstevænget 15": a number, a name, a number.
    re.compile(rf"\b\d{{1,6}}\s+{CAP}(?:\s+{CAP}){{0,2}}\s+\d{{1,4}}[A-Za-z]?\b(?!\s*(?:years|años|ans|anos|miaka|سنة|%))"),
    re.compile(rf"\b\d{{1,6}}[A-Za-z]?,?\s+(?:{CAP}\s+){{1,4}}(?i:{_STREET_WORDS})\b\.?{_UNIT}*"),
    re.compile(rf"\b(?:{CAP}\s+){{1,3}}(?i:street|road|avenue|lane|drive|boulevard|crescent|close|highway)\b{_UNIT}*"),
    re.compile(rf"(?:\b\d{{1,5}}\s+)?\b[\w-]*?{_STREET_SUFFIX}\s+\d{{1,4}}[A-Za-z]?\b{_UNIT}*", re.IGNORECASE),
    re.compile(rf"(?:\b\d{{1,5}},?\s+)?(?<![\w])(?i:{_STREET_BEFORE})\s+(?:{_PARTICLE}\s+)*(?:{CAP}|\d+[A-Za-z]?\b)"
               rf"(?:\s+(?:{_PARTICLE}\s+)*{CAP})*{_HOUSE}?{_UNIT}*"),
    re.compile(r"\b(?:P\.?\s?O\.?\s?Box|POBox|Post Office Box|PSC|Apartado(?: Postal)?|B\.?P\.?|Caixa Postal|S\.?L\.?P\.?)\s*\d+"
               r"(?:,?\s*Box\s*\d+)?(?:[\s,]+(?:APO|FPO|DPO)\s+[A-Z]{2}\s+\d{5})?", re.IGNORECASE),
    re.compile(rf"(?<![\w])(?:Apt\.?|Apartment|Suite|Flat|Apto\.?|Appartement)\s*#?\s*\d{{1,5}}[A-Za-z]?\b{_UNIT}*"),
    re.compile(r"(?<!\w)(?:شارع|طريق|جادة|جاده|زقاق|دوار)\s+[\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+)?"),
    # A crossing: "the corner of Bygget 64 and Komel Club", "esquina de Carrera 7 y Calle 19".
    re.compile(rf"(?i:(?:the\s+)?corner\s+of|junction\s+of|esquina(?:\s+de)?)\s+(?:\d{{1,5}}\s+)?(?:{_PARTICLE}\s+)*{CAP}"
               rf"(?:\s+(?:{_PARTICLE}\s+)*(?:{CAP}|\d{{1,5}}[A-Za-z]?\b|(?i:str|st)\.?))*\s+(?:and|&|y|na)\s+(?:\d{{1,5}}\s+)?"
               rf"(?:{_PARTICLE}\s+)*{CAP}(?:\s+(?:{_PARTICLE}\s+)*(?:{CAP}|\d{{1,5}}\b))*\.?"),
    # A forces' postal address: "USNS Bergman FPO AP 93757", "Unit 4526 Box 0671 DPO AP 40902".
    re.compile(r"(?:\b(?:USNS|USNV|USS|USCGC)\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?|\bUnit\s+\d{1,5},?\s+Box\s+\d{1,5})"
               r"[\s,]+(?:FPO|APO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b", re.IGNORECASE),
)
_SCHOOL_QUALIFIERS_EN = r"primary|secondary|high|girls'?|boys'?|mixed|day|boarding|junior|senior|comprehensive|community|model|" \
                        r"technical|vocational|public|private|international|memorial|elementary|middle|grammar|national|county|" \
                        r"sub-county|township|catholic|islamic|muslim|adventist|anglican|methodist|baptist|academy|integrated|special"
_SCHOOL_NAME_ES_PT_FR = (
    rf"(?:\s+(?:{_PARTICLE}|San|Santa|Santo|São|Saint|Sainte|St\.?|Ste|N[°º.]?|No\.?|n[°º]|\d+)(?=\s))*\s+{CAP}"
    rf"(?:\s+(?:{_PARTICLE}\s+)?{CAP})*(?:\s+(?:N[°º.]?|No\.?)?\s*\d+)?"
)
SCHOOL_PATTERNS = (
    # English: "St. Mary's Girls High School", "Kibera Primary", "Moi University"; lower-case
    # keywords too ("olympic primary school"), with a capitalised name before them.
    re.compile(rf"\b(?:(?:St\.?|Saint|Mt\.?|Mount)\s+)?(?:{CAP}\s+){{1,4}}(?:(?i:{_SCHOOL_QUALIFIERS_EN})\s+){{0,3}}"
               rf"(?i:school|academy|college|polytechnic|institute|university|high school|primary|secondary|seminary)\b"),
    re.compile(rf"\b(?i:university|college|institute|academy)\s+of\s+{CAP}(?:\s+(?:{_PARTICLE}\s+)?{CAP})*"),
    # Spanish, French, Portuguese: keyword first ("Escuela Normal Superior de Cali", "Lycée
    # Blaise Diagne", "Escola Estadual Dom Pedro II").
    re.compile(
        r"(?<![\w])(?i:escuela|colegio|liceo|instituto|instituci[oó]n educativa|I\.E\.|IED|unidad educativa|preparatoria|"
        r"secundaria|universidad|normal|lyc[ée]e|coll[èe]ge|[ée]cole|groupe scolaire|complexe scolaire|institut|universit[ée]|CEG|"
        r"EPP|CEM|escola|col[ée]gio|liceu|universidade|EE|EMEF|E\.E\.|E\.M\.|faculdade|faculdad|facult[ée])"
        r"(?:\s+(?i:primaria|secundaria|t[ée]cnica|t[ée]cnico|nacional|departamental|municipal|distrital|rural|mixta|oficial|"
        r"particular|p[úu]blica|publique|public|privada|priv[ée]e|priv[ée]|b[áa]sica|superior|general|estatal|estadual|primaire|"
        r"secondaire|catholique|islamique|franco-arabe|technique|normale|[ée]l[ée]mentaire|moderne|secund[áa]ria|prim[áa]ria|"
        r"completa|comunit[áa]ria|industrial|integral|agr[íi]cola|agropecuaria|bilingue|biling[üu]e|experimental|internacional|"
        r"internationale|polivalente))*"
        + _SCHOOL_NAME_ES_PT_FR
    ),
    # Swahili: "Shule ya Msingi Olympic", "shule ya sekondari ya wasichana Moi".
    re.compile(rf"(?<![\w])(?i:shule\s+ya(?:\s+(?:msingi|sekondari|upili|awali|wasichana|wavulana|ya))*|chuo(?:\s+kikuu)?\s+cha)"
               rf"\s+(?!ya\b|yetu\b|yangu\b|hii\b|hiyo\b|ile\b|na\b|ni\b|kwa\b|bora\b|nzuri\b|mbaya\b|yako\b|yao\b|za\b)"
               rf"[\w'’-]+(?:\s+{CAP})*"),
    # Arabic: "مدرسة الأمل الثانوية" (not "المدرسة", the school).
    re.compile(r"(?<![\w])(?:مدرسة|مدرسه|ثانوية|ثانويه|اعدادية|إعدادية|جامعة|جامعه|معهد|روضة|روضه|كلية|كليه)"
               r"(\s+[\u0600-\u06ff]+){1,3}"),
)
PLACE_PATTERNS = (
    re.compile(rf"\b(?:{CAP}\s+){{1,3}}(?i:village|camp|refugee camp|settlement|slum|market|ward|district|county|sub-county|"
               r"location|sub-location|zone|block|sector|quarter|neighbourhood|neighborhood|estate|informal settlement|township)\b"),
    re.compile(rf"(?<![\w])(?i:village of|town of|kijiji cha|kijijini|kambi ya|mji wa|wilaya ya|kata ya|kaunti ya|mtaa wa|"
               r"barrio|colonia|vereda|comuna|corregimiento|localidad|municipio de|asentamiento|quartier|village de|commune de|cit[ée]|"
               r"bairro|comunidade|favela|aldeia|povoado|distrito de|camp de|campamento|campo de refugiados|acampamento)\s+"
               rf"(?:{_PARTICLE}\s+){{0,2}}(?:{CAP}|[a-z][\w'’-]+)(?:\s+{CAP})*"),
    re.compile(r"(?<![\w])(?:مخيم|قرية|قريه|حي|منطقة|منطقه|بلدة|بلده|مدينة|مدينه|ضاحية)\s+[\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+)?"),
)

_TOKEN = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*")
_BREAKS = frozenset(".!?\n:;\"“”«»()[]•*|")
_ARABIC = re.compile(r"[\u0600-\u06ff]")

# Cue words: strong ones ("my name is") name the next word whatever its case; weak ones
# ("I am", "my friend") only a capitalised one (or a known name).
_STRONG_CUES = tuple(tuple(fold(c).split()) for c in (
    "my name is", "my name's", "name is", "i am called", "i'm called", "call me", "they call me", "me llamo", "mi nombre es",
    "me dicen", "je m'appelle", "mon nom est", "on m'appelle", "je m’appelle", "chamo-me", "me chamo", "meu nome e", "eu me chamo",
    "jina langu ni", "naitwa", "ninaitwa", "wananiita", "اسمي", "انا اسمي", "يسمونني", "ادعى",
))
_WEAK_CUES = tuple(tuple(fold(c).split()) for c in (
    "i am", "i'm", "im", "named", "called", "my friend", "my best friend", "my brother", "my sister", "my cousin", "my teacher",
    "my uncle", "my aunt", "my mum", "my mom", "my dad", "my boyfriend", "my girlfriend", "my neighbour", "my neighbor",
    "soy", "mi amigo", "mi amiga", "mi hermano", "mi hermana", "mi primo", "mi prima", "mi profe", "mi profesor", "mi profesora",
    "mi novio", "mi novia", "mi vecino", "mi vecina", "mi tio", "mi tia", "se llama", "je suis", "mon ami", "mon amie",
    "mon frere", "ma soeur", "ma sœur", "mon cousin", "ma cousine", "mon prof", "ma prof", "mon oncle", "ma tante", "s'appelle",
    "eu sou", "sou", "meu amigo", "minha amiga", "meu irmao", "minha irma", "meu primo", "minha prima", "meu professor",
    "minha professora", "se chama", "mimi ni", "rafiki yangu", "kaka yangu", "dada yangu", "mwalimu wangu", "binamu yangu",
    "anaitwa", "انا", "صديقي", "صديقتي", "اخي", "اختي", "الاستاذ", "الاستاذه", "المعلم", "المعلمه", "ابن عمي", "بنت عمي",
))
_RELATION_CUE_STARTS = _folded("my mi mon ma meu minha rafiki kaka dada mwalimu binamu".split())
# Greetings name the one they greet ("Hi Victor,"): weak cues checked for the comma after the name.
_GREETINGS = frozenset(tuple(fold(c).split()) for c in (
    "hi", "hello", "hey", "dear", "hola", "querido", "querida", "bonjour", "salut", "cher", "chère", "ola", "olá", "oi",
    "habari", "jambo", "mambo", "مرحبا", "اهلا",
))
_LIST_AND = _folded("and & y e et na und or o ou au".split())
# Courtesy titles name the word after them whatever its case ("mr. boateng", "bi amina").
_COURTESY_TITLES = _folded("mr mrs ms miss dr sir madam sr sra srta don dona senor senora monsieur madame mme mlle bwana bi mzee".split())
# "I am" in the six languages, before a name and the speaker's age ("i'm faith, 15").
_SELF_INTRODUCTIONS = _folded("i'm im am soy sou suis ni".split())
_AGE_AFTER = re.compile(r"(?i:[ \t]*,?[ \t]*(?:\d{1,2}\b|(?:tengo|tenho|j'ai|nina|i'm|im|age|aged|edad|idade)\b))")
# Labels of a form, followed by a colon: "Name: ...", "Nombre: ...".
_NAME_LABELS = _folded("name nombre nom nome jina الاسم".split())
_ARABIC_RELATIONS = _folded("صديقي صديقتي اخي اختي ابن بنت".split())
_ARABIC_TEACHERS = _folded("الاستاذ الاستاذه المعلم المعلمه".split())
# "أنا X عمري ١٦" ("I am X, my age 16"): the word between "I am" and "my age" is a name unless it
# says what the speaker is (a student, a girl, a refugee...).
_ARABIC_AGE_WORDS = _folded("عمري وعمري عمرى وعمرى".split())
_ARABIC_SELF_DESCRIPTIONS = _folded("""
    طالب طالبة طالبه تلميذ تلميذة تلميذه بنت ولد شاب شابة شابه فتاة فتاه فتى طفل طفلة طفله صبي صبية
    لاجئ لاجئة لاجئه نازح نازحة نازحه يتيم يتيمة يتيمه متطوع متطوعة متطوعه ناشط ناشطة ناشطه لاعب لاعبة لاعبه
    عامل عاملة عامله أم ام أب اب أخ اخ أخت اخت مواطن مواطنة مواطنه سوري سورية سوريه فلسطيني فلسطينية فلسطينيه
    أردني اردني أردنية اردنية لبناني لبنانية عراقي عراقية يمني يمنية سوداني سودانية مصري مصرية
""".split())
_CUES_BY_LAST: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
for _cue in _STRONG_CUES:
    _CUES_BY_LAST.setdefault(_cue[-1], []).append((_cue, True))
for _cue in (*_WEAK_CUES, *_GREETINGS):
    _CUES_BY_LAST.setdefault(_cue[-1], []).append((_cue, False))
_PLACE_PREPOSITIONS = _folded(
    "in at from near to towards around en à a au aux em no na nos nas dans desde hacia cerca kutoka katika huko mjini pres perto "
    "live lives living vivo vive moro mora habite j'habite naishi anaishi".split()
)
_PARTICLES = _folded("de del la das da do dos van von der den bin ibn al el binti le di du mac mc".split())
# Words after which a lower-case word no dictionary knows is a place (not "to", "a": verbs follow them).
_LOWER_PLACE_BEFORE = _folded("in from near at en dans em no na nos nas desde live lives living vivo vive moro mora habite j'habite".split())
_ARABIC_NAME_JOINERS = _folded("بن بنت ابن ابو أبو ام أم عبد آل ال".split())

# What a word is, as bit flags, computed once per word and language (young people's texts
# reuse the same few thousand words, so nearly every look-up is a cache hit).
CAP_, ARABIC_, LISTED, KNOWN, UNKNOWN_CAP, PLACE, NOT_NAME, TITLE, STOPWORD, AMBIG, PARTICLE, JOINER, PREP, ORDINARY_ = (
    1 << i for i in range(14)
)


_VERB_FORMS = {
    "sw": re.compile(r"(?:ni|u|a|tu|m|wa|hu|ha|si|hatu|hawa)(?:na|li|ta|me|ki|ja|nge|ngali|li?ye|ta?ka)[a-z]{3,}$"),
    "pt": re.compile(r"[a-z]{3,}(?:aram|eram|iram|avam|iam|ssem|riam|remos|ramos|vamos|amos|emos|imos|ando|endo|indo)$"),
}


@lru_cache(maxsize=400_000)
def _word(word: str, language: str | None) -> tuple[str, int]:
    lex = _LEXICONS[language]
    key = fold(word).replace("’", "'")
    flags = 0
    arabic = bool(_ARABIC.match(word))
    cap = word[:1].isupper()
    if cap:
        flags |= CAP_
    if arabic:
        flags |= ARABIC_
        if key.startswith("و") and key[1:] in _CUES_BY_LAST:
            key = key[1:]  # "والأستاذة" is "and the teacher": the cue without its conjunction
        bare = key[1:] if key.startswith("و") and (key[1:] in GIVEN_AR or key[1:] in FAMILY_AR) else key
        if bare in GIVEN_AR or bare in FAMILY_AR:
            flags |= LISTED
            if bare in AMBIGUOUS_AR:
                flags |= AMBIG
            else:
                flags |= KNOWN
        if key in PLACES_AR or (key[:1] in "وب" and key[1:] in PLACES_AR):
            flags |= PLACE
        if key in _ARABIC_NAME_JOINERS:
            flags |= JOINER
        if key in _ARABIC_STOP:
            flags |= STOPWORD
        return key, flags
    ordinary = key in lex.ordinary or any(
        # "Wi-Fi", "Doesn't", "We're", "l'école": every piece an everyday word, a stop word or a clitic.
        mark in key and all(part in lex.ordinary or part in lex.stop or len(part) <= (2 if mark == "-" else 3) for part in key.split(mark))
        for mark in ("-", "'")
    )
    if not ordinary and language in _VERB_FORMS and len(key) > 6 and key not in GIVEN and key not in FAMILY:
        # Conjugated verbs the lists leave out: Swahili's subject and tense prefixes ("anaishi",
        # "alisema", "wanaweka"), Portuguese forms longer than the kept ones ("assinaram").
        ordinary = _VERB_FORMS[language].match(key) is not None
    if ordinary:
        flags |= ORDINARY_
    if key in NOT_NAMES or key.removesuffix("'s") in NOT_NAMES:
        flags |= NOT_NAME
    if key.rstrip(".") in TITLES:
        flags |= TITLE
    if key in lex.stop:
        flags |= STOPWORD
    if key in _PARTICLES:
        flags |= PARTICLE
    if key in _PLACE_PREPOSITIONS:
        flags |= PREP
    if key in PLACES and (cap or key not in lex.ordinary):
        flags |= PLACE
    if key in GIVEN or key in FAMILY:
        flags |= LISTED
        if key in lex.ambiguous or key in NOT_NAMES:
            flags |= AMBIG
        elif cap or (key in GIVEN and key not in ORDINARY_ANY):
            # Lower case: only a given name that is no everyday word in any of the languages.
            flags |= KNOWN
    elif cap and len(word) >= 2 and not (word.isupper() and len(word) <= 5) and not (flags & (NOT_NAME | STOPWORD | ORDINARY_)):
        stem = key.removesuffix("'s").removesuffix("s")
        if key not in WELL_KNOWN and key.removesuffix("'s") not in WELL_KNOWN and stem not in lex.ordinary and key.rstrip(".") not in lex.ordinary:
            flags |= UNKNOWN_CAP  # a capitalised word no dictionary knows: most often a name
    return key, flags


class _Lexicon:
    """The word lists that apply to one language (all of them when the language is unknown)."""

    __slots__ = ("ordinary", "ambiguous", "stop")

    def __init__(self, language: str | None) -> None:
        if language is not None:
            self.ordinary = ORDINARY[language] | ORDINARY["en"] if language == "sw" else ORDINARY[language]
            self.ambiguous = AMBIGUOUS[language]
            self.stop = _STOP_BY_LANGUAGE[language]
        else:
            self.ordinary = ORDINARY_ANY
            self.ambiguous = frozenset().union(*AMBIGUOUS.values())
            self.stop = STOP


_LEXICONS: dict[str | None, _Lexicon] = {lang: _Lexicon(lang) for lang in (*LANGUAGES, None)}


def language_key(language: str | None) -> str | None:
    """"en" for "en", "en-GB" or "EN"; None for a language the screen has no lists for."""
    base = (language or "").split("-")[0].split("_")[0].lower() or None
    return base if base in _LEXICONS else None


_Tokens = tuple[list[int], list[int], list[str], list[int], list[bool]]


def _tokens(text: str, language: str | None) -> _Tokens:
    """(starts, ends, keys, flags, sentence starts) of the words of `text`."""
    starts: list[int] = []
    ends: list[int] = []
    keys: list[str] = []
    flags: list[int] = []
    opening: list[bool] = []
    last_end = 0
    for match in _TOKEN.finditer(text):
        start = match.start()
        key, flag = _word(match.group(), language)
        gap = text[last_end:start]
        begins = not starts or (gap != " " and not _BREAKS.isdisjoint(gap))
        # "Mr. Smith", "J. Smith": the full stop of a title or an initial ends no sentence.
        if begins and starts and gap.strip() == "." and (flags[-1] & TITLE or ends[-1] - starts[-1] == 1):
            begins = False
        starts.append(start)
        ends.append(match.end())
        keys.append(key)
        flags.append(flag)
        opening.append(begins)
        last_end = match.end()
    return starts, ends, keys, flags, opening


# ---------------------------------------------------------------------------- detectors

_HAS_DIGIT = re.compile(rf"[{_NUM_DIGITS}]")
_SEVEN_DIGITS = re.compile(rf"(?:[{_NUM_DIGITS}][^{_NUM_DIGITS}]{{0,3}}){{6}}[{_NUM_DIGITS}]")
_LINK_TRIGGER = re.compile(rf"://|www\.|\.(?:{_TLD})\b", re.IGNORECASE)
# Keywords that must be present for a family of patterns to be worth running, and the windows
# the patterns that end on their keyword run in (a name before "Primary School").
# Words (folded) without which a family of patterns cannot match, and for the street-name
# endings and Arabic, substrings: most texts have none, and a set look-up costs far less than
# running the patterns.
_ADDRESS_WORDS = _folded("""
    street st road rd avenue ave av lane ln drive dr way close crescent boulevard blvd court ct terrace highway hwy square sq
    parkway pkwy row gardens grove mews walk estate place pl rue bd bld chemin allee impasse route quai calle c carrera cra kra
    diagonal transversal tv paseo camino carretera calzada rua travessa estrada largo praca alameda rodovia via viale piazza
    corso ul ulica mtaa barabara njia plot house block bloque manzana mz lote lot casa edificio residencial conjunto box pobox
    psc apartado b.p bp caixa s.l.p slp apt apartment suite flat apto appartement unit avenida cite villa corner junction
    esquina
""".split())
_ADDRESS_SUBSTRINGS = ("katu", "gatan", "väg", "vag", "stra", "laan", "weg", "gade", "vej", "veien", "tie ", "utca", "kuja",
                       "polku", "plein", "gracht", "dreef", "kade", "singel", "allee", "gasse", "gata", "vegen", "p.o", "شارع",
                       "طريق", "جاده", "جادة", "زقاق", "دوار")
_SCHOOL_WORDS = _folded("""
    school schools academy college polytechnic institute institut university universite universidad universidade primary
    secondary seminary escuela colegio liceo institucion i.e ie ied unidad preparatoria secundaria normal lycee college ecole
    groupe complexe ceg epp cem escola colegio liceu ee emef e.e e.m faculdade facultad faculte shule chuo
""".split())
_SCHOOL_SUBSTRINGS = ("مدرس", "ثانوي", "اعدادي", "إعدادي", "جامع", "معهد", "روض", "كلي")
_PLACE_WORDS = _folded("""
    village camp settlement slum market ward district county location sub-location zone block sector quarter neighbourhood
    neighborhood estate township town kijiji kijijini kambi mji wilaya kata kaunti mtaa barrio colonia vereda comuna corregimiento
    localidad municipio asentamiento quartier commune cite bairro comunidade favela aldeia povoado distrito campamento campo
    acampamento camps
""".split())
# "I live in X" in Arabic: the place is the one or two words after "in".
_ARABIC_RESIDENCE = re.compile(
    r"(?<![\w])(?:[وف]?(?:اسكن|أسكن|نسكن|يسكن|تسكن|اعيش|أعيش|نعيش|يعيش|تعيش|ساكن|ساكنة|ساكنه|سكان|من سكان))\s+(?:في|فى|ب)\s+"
    r"([\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+)?)"
)
_PLACE_SUBSTRINGS = ("مخيم", "قري", "حي", "منطق", "بلد", "مدين", "ضاحي", "سكن", "عيش", "ساكن")
_ENDS_ON_KEYWORD = {ADDRESS_PATTERNS[2], SCHOOL_PATTERNS[0], PLACE_PATTERNS[0]}
_CAP_WORD = re.compile(rf"[{_UP}][\w'’-]*")
_MONTH_ABBREVIATIONS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec ene abr ago dic janv fev fevr avr juil sept dez out".split())
_KEYWORD_LAST = {ADDRESS_PATTERNS[1], ADDRESS_PATTERNS[2], SCHOOL_PATTERNS[0], PLACE_PATTERNS[0]}
_STREET_SUFFIX_RE = re.compile(_STREET_SUFFIX + r"\s+\d")
# Words (folded) one of which must be in a text for the ID cue pattern to be worth running.
_ID_CUE_WORDS = _folded("""
    id i.d identity passport nin nida huduma kitambulisho cedula dni curp rfc pasaporte pasipoti identidade identite cni passeport matricule cpf rg bi
    bilhete unhcr progres case ration registration admission student account card tarjeta carte cartao iban licence license
    licencia permis ssn security nhif nssf birth cheti certificate estudiante estudante etudiant eleve aluno mwanafunzi matricula
    cc هويه هوية جواز الوطني الهويه الهوية
""".split())
# What makes a pattern worth running: a keyword word of its family ("words", the default: it
# then runs only near each keyword), any digit, or one of its family's substrings (street-name
# endings, Arabic keywords).
_TRIGGERED_BY = {
    ADDRESS_PATTERNS[0]: "digits", ADDRESS_PATTERNS[3]: "suffix", ADDRESS_PATTERNS[7]: "substrings", ADDRESS_PATTERNS[9]: "digits",
    SCHOOL_PATTERNS[4]: "substrings", PLACE_PATTERNS[2]: "substrings",
}
_LEADING_NOISE = re.compile(r"(?:[\w'’]+\s+)", re.UNICODE)


# Each family's patterns with what triggers them and whether they end on their keyword (compiled
# patterns hash their whole source: looked up once here, not per text).
_FAMILIES = tuple(
    (kind, words, re.compile("|".join(map(re.escape, substrings))),
     tuple((p, _TRIGGERED_BY.get(p, "words"), p in _ENDS_ON_KEYWORD, p in _KEYWORD_LAST) for p in patterns))
    for kind, words, substrings, patterns in (
        ("address", _ADDRESS_WORDS, _ADDRESS_SUBSTRINGS, ADDRESS_PATTERNS),
        ("school", _SCHOOL_WORDS, _SCHOOL_SUBSTRINGS, SCHOOL_PATTERNS),
        ("place!", _PLACE_WORDS, _PLACE_SUBSTRINGS, PLACE_PATTERNS),
    )
)


def _windowed(pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]], before: bool = True) -> Iterable[re.Match[str]]:
    """The pattern's matches near its keywords only: a name that ends on its keyword within 90
    characters before it ("... Primary School"), one led by its keyword within 120 after it
    ("Calle ...", a house number just before), each match once."""
    seen: set[tuple[int, int]] = set()
    for start, end in windows:
        low, high = (start - 90, end + 2) if before else (start - 12, end + 120)
        for match in pattern.finditer(text, max(0, low), min(len(text), high)):
            if match.span() not in seen:
                seen.add(match.span())
                yield match


def _trimmed(text: str, start: int, end: int, language: str | None) -> int | None:
    """The start of a keyword-led or keyword-ended span without the everyday words the loose
    capitalised-word patterns take in ("The road", "Our School"); None when nothing is left
    that names anything."""
    while True:
        match = _LEADING_NOISE.match(text, start, end)
        if not match:
            return start
        word = match.group().strip()
        _key_, flags = _word(word, language)
        # A country or region that is no everyday word stays: "Bangladesh Secondary School".
        if flags & STOPWORD or (flags & ORDINARY_ and (flags & NOT_NAME or not flags & (LISTED | PLACE))) or (
                flags & NOT_NAME and not flags & CAP_):
            # Leading everyday word: drop it, unless it is the keyword itself (then nothing is named).
            rest = text[match.end():end]
            if not rest or not any(ch.isupper() or ch.isdigit() for ch in rest.split(None, 1)[0]):
                return None
            start = match.end()
            if len(rest.split()) <= 1:
                return None
            continue
        return start


def _regex_spans(text: str, language: str | None, starts: list[int], ends: list[int], keys: list[str]) -> list[Span]:
    spans: list[Span] = []
    if "@" in text:
        spans.extend(Span(m.start(), m.end(), "email") for m in EMAIL.finditer(text))
        spans.extend(Span(m.start(), m.end(), "handle") for m in HANDLE.finditer(text))
    if _LINK_TRIGGER.search(text):
        spans.extend(Span(m.start(), m.end(), "link") for m in LINK.finditer(text))
    keyset = set(keys)
    digits = _HAS_DIGIT.search(text) is not None
    if digits:
        for pattern in ID_PATTERNS:
            spans.extend(Span(m.start(), m.end(), "id") for m in pattern.finditer(text))
        if not keyset.isdisjoint(_POSTCODE_CUE_WORDS):
            spans.extend(Span(m.start(1), m.end(1), "address") for m in _POSTCODE_CUE.finditer(text))
        for cue in (ID_CUE_AHEAD.finditer(text) if not keyset.isdisjoint(_ID_CUE_WORDS) else ()):
            after = _NUMBER_AFTER_CUE.match(text, cue.end())
            if after:
                spans.append(Span(after.start(1), after.end(1), "id"))
    low = text.lower()
    for kind, words, substrings, patterns in _FAMILIES:
        windows = [] if keyset.isdisjoint(words) else [(starts[i], ends[i]) for i, key in enumerate(keys) if key in words]
        substring = substrings.search(low) is not None
        if not windows and not substring and not digits:
            continue
        for pattern, mode, ends_on_keyword, keyword_last in patterns:
            if mode == "words":
                if not windows:
                    continue
                matches: Iterable[re.Match[str]] = _windowed(pattern, text, windows, keyword_last)
            elif mode == "suffix" and substring:
                matches = _windowed(pattern, text, [
                    (m.start(), m.end()) for m in _STREET_SUFFIX_RE.finditer(low) if len(low) == len(text)
                ] or [(0, len(text))])
            elif (mode == "digits" and digits) or (mode == "substrings" and substring):
                matches = pattern.finditer(text)
            else:
                continue
            for m in matches:
                start, end = m.start(), m.end()
                if _ARABIC.match(text, start):
                    found = _arabic_name_end(text, m)
                    if found is None:
                        continue
                    end = found
                elif mode == "digits" and any(
                    _word(w, language)[1] & (NOT_NAME | STOPWORD) or w.lower() in _MONTH_ABBREVIATIONS for w in _CAP_WORD.findall(m.group())
                ):
                    continue  # "2 Oct 18", "3 Mayo 2024": a date, not "28245 Puruntie 82"
                elif pattern is PLACE_PATTERNS[1] and _word(text[start:end].split()[-1], language)[1] & STOPWORD:
                    continue  # "la cité est belle", "the cite for": a keyword, then no name
                elif ends_on_keyword:
                    trimmed = _trimmed(text, start, end, language)
                    if trimmed is None:
                        continue
                    start = trimmed
                if kind == "address":
                    spans.extend(_address_tail(text, end, language))
                spans.append(Span(start, end, kind))
    if not keyset.isdisjoint(_LOWER_STREET_WORDS) and (digits or not keyset.isdisjoint(_LIVE_WORDS)):
        spans.extend(_lower_case_addresses(text, language))
    if "في" in text or "ب" in text:
        for m in _ARABIC_RESIDENCE.finditer(text):
            place_end: int | None = None
            for word in re.finditer(r"[\u0600-\u06ff]+", m.group(1)):
                if fold(word.group()) in _ARABIC_STOP:
                    break
                place_end = m.start(1) + word.end()
            if place_end is not None:
                spans.append(Span(m.start(1), place_end, "place!"))
    return spans


# Addresses typed in lower case, as young people type on phones: "12 moi avenue", "45 ngong
# road", "12 rue carnot", "rua das flores 123". A house number is required, on either side.
_STREET_NAME_WORDS = frozenset("main high church market station park mill new old king queen bridge hill river lake".split())
_LOWER_STREET_AFTER = re.compile(
    r"(?<![\w.,])(\d{1,5}[a-z]?)[ \t]+((?:[a-z][\w'’-]*[ \t]+){1,3}?)(?:street|st|road|rd|avenue|ave|lane|ln|drive|close|crescent|boulevard|blvd|highway)\b\.?"
)
_LOWER_STREET_BEFORE = re.compile(
    r"(?<![\w.,])(?:(\d{1,5}[a-z]?),?[ \t]+)?(?:rue|avenue|avenida|calle|carrera|rua|travessa|estrada|alameda|via|boulevard|chemin|route"
    r"|cit[ée]|mtaa[ \t]+wa|barabara[ \t]+ya)"
    rf"[ \t]+((?:{_PARTICLE}[ \t]+)*[a-z][\w'’-]*(?:[ \t]+(?:{_PARTICLE}[ \t]+)*[a-z][\w'’-]*){{0,2}}?)"
    # The house after the street's name: "12", "n° 12", "número 62", "villa 195" (a Dakar cité),
    # "nyumba namba 99" (a house in a mtaa).
    r"(?:,?[ \t]+(?:n[°º.]?|n[úu]mero|villa|casa|nyumba(?:[ \t]+namba)?|namba)?[ \t]*(\d{1,5}[a-z]?))?(?![\w])"
)
# "tunaishi barabara ya tandale", "nous habitons cité thiam": where someone lives, by its street
# alone, after a verb of living (no house number needed).
_LIVE_BEFORE = re.compile(r"(?i:\b(?:naishi|tunaishi|anaishi|wanaishi|ninaishi|mnaishi|habitons|habite|j'habite|moramos|moro|vivimos|vivo|live|lives)[ \t]+$)")
# Schools typed in lower case: "olympic primary school", "moi girls high school", "colegio
# distrital usme", "lycée blaise diagne", "escola secundária josina machel".
_SCHOOL_AFTER_NAME = _folded("school academy college polytechnic university".split())
_SCHOOL_BEFORE_NAME = _folded(
    "escuela colegio liceo instituto institucion universidad lycee ecole college institut universite escola liceu universidade faculdade "
    "cem".split())
# "cem" is a Senegalese collège d'enseignement moyen in French, and "a hundred" in Portuguese.
_SCHOOL_KEYWORDS_OF = {"cem": frozenset({"fr"})}
_SCHOOL_KEYWORDS = _SCHOOL_AFTER_NAME | _SCHOOL_BEFORE_NAME
_SCHOOL_QUALIFIER_WORDS = _folded((_SCHOOL_QUALIFIERS_EN.replace("'?", "").replace("|", " ") + """
    primaria secundaria tecnica tecnico nacional departamental municipal distrital rural oficial publica publique privada privee
    prive basica superior general estatal estadual primaire secondaire catholique islamique technique normale elementaire moderne
    integral agricola bilingue experimental internacional internationale educativa normal
""").split())
_SCHOOL_CUE_WORDS = frozenset("to at attend attends attended from study studies studied go goes went in".split())
_SCHOOL_CUE = re.compile(r"(?i:\b(?:to|at|attend|attends|attended|from|study|studies|studied)[ \t]*)$")


def _lower_case_schools(text: str, tokens: _Tokens, language: str | None = None) -> list[Span]:
    """Schools named in lower case: the name before "school" (after "go to", "study at"..., or a
    word no dictionary knows), or the name after "colegio", "lycée", "escola", "collège" (a
    known name or a word no dictionary knows in it, or any words after a qualifier and "de":
    "escuela normal de agua blanca"). "the primary school near my house", "el colegio es bueno",
    "our school" name none."""
    starts, ends, keys, flags, _opening = tokens
    n = len(keys)
    spans: list[Span] = []

    def joined(i: int) -> bool:
        return text[ends[i]:starts[i + 1]] in (" ", "\t")

    def name_before(i: int) -> Span | None:
        j = i - 1
        while j >= 0 and keys[j] in _SCHOOL_QUALIFIER_WORDS and joined(j) and not flags[j] & CAP_:
            j -= 1
        last_name, first = j, j
        while (first >= 0 and last_name - first < 3 and joined(first) and not flags[first] & (STOPWORD | CAP_ | ARABIC_)
               and keys[first] not in _SCHOOL_CUE_WORDS):
            first -= 1
        first += 1
        if first > last_name:
            return None
        names = range(first, last_name + 1)
        cue = _SCHOOL_CUE.search(text, max(0, starts[first] - 12), starts[first]) is not None
        if cue or any(not flags[k] & ORDINARY_ or flags[k] & LISTED for k in names):
            return Span(starts[first], ends[i], "school")
        return None

    def name_after(i: int) -> Span | None:
        if i + 1 >= n or not joined(i):
            return None
        j = i + 1
        while j < n and keys[j] in _SCHOOL_QUALIFIER_WORDS and not flags[j] & CAP_ and j + 1 < n and joined(j):
            j += 1
        qualified = j > i + 1  # "colegio distrital ...", "escuela normal de ...": a school's name follows
        last = None
        named = particle = False
        words = 0
        k = j
        while k < n and k - j < 4 and not flags[k] & (CAP_ | ARABIC_):
            if flags[k] & PARTICLE or keys[k] in ("de", "del", "da", "do", "dos", "das"):
                if k + 1 < n and joined(k):
                    particle = True
                    k += 1
                    continue
                break
            if flags[k] & STOPWORD:
                break
            named = named or bool(flags[k] & LISTED or not flags[k] & ORDINARY_)
            last, words = k, words + 1
            if k + 1 < n and joined(k):
                k += 1
            else:
                break
        if last is not None and not named and qualified:
            # Everyday words name a school after a qualifier and "de" ("escuela normal de agua
            # blanca"), or one alone before "y", a comma or the end ("colegio distrital comas y");
            # not "la escuela primaria queda lejos".
            after = flags[last + 1] if last + 1 < n and joined(last) else STOPWORD
            named = particle or (words == 1 and bool(after & STOPWORD))
        return Span(starts[i], ends[last], "school") if last is not None and named else None

    for i in [i for i, key in enumerate(keys) if key in _SCHOOL_KEYWORDS]:
        if flags[i] & CAP_ or (keys[i] in _SCHOOL_KEYWORDS_OF and language not in _SCHOOL_KEYWORDS_OF[keys[i]]):
            continue
        # "moi girls high school", "strathmore college"; else "colegio usme", "collège saint-awa".
        span = name_before(i) if keys[i] in _SCHOOL_AFTER_NAME else None
        if span is None and keys[i] in _SCHOOL_BEFORE_NAME:
            span = name_after(i)
        if span is not None:
            spans.append(span)
    return spans


# Words just before a house number that say a place follows: "live at 12 ...", "address: 12 ...".
_LOCATION_CUE = re.compile(r"(?i:\b(?:at|on|in|to|from|near|address|is|live|lives|stay|stays|staying|living|au|en|na|no|em)[ \t]*:?[ \t]*)$")
_LOWER_STREET_WORDS = _folded("street st road rd avenue ave lane ln drive close crescent boulevard blvd highway rue avenida calle carrera rua "
                              "travessa estrada alameda via chemin route cite mtaa barabara".split())
_LIVE_WORDS = _folded("naishi tunaishi anaishi wanaishi ninaishi mnaishi habitons habite j'habite moramos moro vivimos vivo live lives".split())


def _lower_case_addresses(text: str, language: str | None) -> list[Span]:
    """Street addresses with no capital letter. Either a number, a street's name and its word
    ("12 moi avenue"; the name no everyday word, unless a usual one: "3 main street"), or a
    street's word, its name and a house number before or after ("12 rue carnot", "rua das
    flores 123"). "3 big road trips" and "2 km down the road" are no address."""
    spans: list[Span] = []
    for m in _LOWER_STREET_AFTER.finditer(text):
        words = m.group(2).split()
        located = _LOCATION_CUE.search(text, max(0, m.start() - 16), m.start()) is not None
        if all(w in _STREET_NAME_WORDS or not _word(w, language)[1] & (STOPWORD if located else ORDINARY_ | STOPWORD) for w in words):
            spans.append(Span(m.start(), m.end(), "address"))
    for m in _LOWER_STREET_BEFORE.finditer(text):
        if not (m.group(1) or m.group(3) or _LIVE_BEFORE.search(text, max(0, m.start() - 16), m.start())):
            continue
        if language_key(language) == "en" and _LOCATION_CUE.search(text, max(0, m.start() - 16), m.start()) is None:
            continue  # "3 rue signs", "2 route options": English words first
        words = [w for w in m.group(2).split() if not re.fullmatch(_PARTICLE, w)]
        if words and not any(_word(w, language)[1] & STOPWORD and not _word(w, language)[1] & PARTICLE for w in words):
            spans.append(Span(m.start(), m.end(), "address"))
    return spans


# What follows an address on its own lines, after commas or in the columns of a pasted address
# block ("Apt. 460  Brakpan  South Africa 70651", "> Apt. 322 > Colle Di Tora > Italy 95787"):
# town, region, country, postcode.
_TAIL_SEPARATOR = r"(?:[ \t]*(?:[,\n>|]|\?{3})|[ \t]{2,})[ \t\n,>?|]*"
_POSTCODE = r"(?:\d{3,6}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})"
_ADDRESS_TAIL = re.compile(
    rf"{_TAIL_SEPARATOR}((?:[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){{0,4}})?(?:[ \t]*{_POSTCODE}\b)?)"
)
# Small lower-case words inside a town's name ("Colle di Tora", "Chomutice u Horic").
_TOWN_PARTICLES = frozenset("de del di da do dos das du des la le les el los u v na nad pod am an der den im bei ob op aan sur sous y e".split())


def _address_tail(text: str, end: int, language: str | None) -> list[Span]:
    """The town, region, country and postcode lines after an address (up to four): each
    segment's words a place, its postcode part of the address."""
    tail: list[Span] = []
    for _ in range(4):
        m = _ADDRESS_TAIL.match(text, end)
        if not m or not m.group(1).strip():
            break
        words = list(re.finditer(r"[^\W\d_][\w'’.-]*", m.group(1)))
        names = [w.group() for w in words]
        if names and (not names[0][:1].isupper() or not names[-1][:1].isupper()
                      or any(not w[:1].isupper() and w not in _TOWN_PARTICLES for w in names)):
            break
        if any(_word(w, language)[1] & (STOPWORD | ORDINARY_) and not _word(w, language)[1] & (PLACE | LISTED | UNKNOWN_CAP)
               for w in names if not w.isupper() and w not in _TOWN_PARTICLES):
            break
        start = m.start(1)
        if words:
            tail.append(Span(start + words[0].start(), start + words[-1].end(), "place!"))
            start += words[-1].end()
        if m.end(1) > start and text[start:m.end(1)].strip():
            tail.append(Span(start + len(text[start:m.end(1)]) - len(text[start:m.end(1)].lstrip()), m.end(1), "address"))
        end = m.end(1)
    return tail


def _arabic_name_end(text: str, match: re.Match[str]) -> int | None:
    """Where the name after an Arabic keyword (مدرسة, مخيم, شارع...) ends: before the first
    function word or adjective; None when the keyword is followed by one (no name)."""
    words = list(re.finditer(r"[\u0600-\u06ff]+", text[match.start():match.end()]))[1:]
    end = None
    for word in words:
        key = fold(word.group())
        # A function word, or "and the ..." (وال): the name has ended.
        if key in _ARABIC_STOP or (key.startswith("و") and key[1:] in _ARABIC_STOP) or key.startswith("وال"):
            break
        end = match.start() + word.end()
    return end


_CANDIDATE = re.compile(rf"(?:\+|00)?[{_NUM_DIGITS}][{_NUM_DIGITS}\s().\-/]{{4,}}[{_NUM_DIGITS}]")


def _phone_spans(text: str, countries: Sequence[str]) -> list[Span]:
    """Phone numbers and other long numbers. A digit pattern finds the numbers written the usual
    ways (a number from anywhere, a typo); a cue before it ("ID", "passport", "card") or its
    length tells an identity or card number from a phone number; amounts and dates are left
    alone. Where a stretch of digits is left that the pattern did not take ("0712/345/678"),
    python-phonenumbers reads it the way the consultation's countries write numbers: run only
    then, because its matcher costs more than all the rest of the screen."""
    spans: list[Span] = []
    if not _SEVEN_DIGITS.search(text):
        return spans
    for m in DIGITS.finditer(text):
        raw = m.group()
        digits = sum(ch.isdigit() for ch in _EXTENSION.sub("", raw))
        if _DATE.match(raw.strip()) or _AMOUNT_AFTER.match(text, m.end()) or _AMOUNT_BEFORE.search(text[max(0, m.start() - 6):m.start()]):
            continue
        before = text[max(0, m.start() - 40):m.start()]
        if _ID_CUE.search(before) and not _PHONE_CUE.search(before[-15:]):
            kind = "id"
        elif raw.startswith(("+", "00")) or _PHONE_CUE.search(before):
            kind = "phone"
        elif digits >= 13 or re.fullmatch(r"\d{3}-\d{2}-\d{4}", raw):
            kind = "id"
        else:
            kind = "phone"
        spans.append(Span(m.start(), m.end(), kind))
    if countries and any(
        not any(s.start <= c.start() and c.end() <= s.end for s in spans) and sum(ch.isdigit() for ch in c.group()) >= 7
        for c in _CANDIDATE.finditer(text)
    ):
        for region in countries:
            try:
                for match in PhoneNumberMatcher(text, region.upper(), leniency=Leniency.POSSIBLE):
                    spans.append(Span(match.start, match.end, "phone"))
            except Exception:  # noqa: BLE001, S112 - an unknown region must not stop the screen
                continue
    return spans


_BIG_LEXICONS = frozenset({"en", "es", "fr", "pt"})
_AFTER_DE = _folded("de del du da do d' des ya wa cha la za".split())
# Words for a person's role that name the capitalised word after them, in any case ("la
# profesora Cuesta", "mwalimu Mushi").
# "X del colegio", "X du collège", "X wa shule": who is from which school (step 2c).
_FROM_SCHOOL = _folded("del de du da do wa from of".split())
_SCHOOL_WORDS_AFTER_FROM = _folded(
    "escuela colegio liceo instituto institucion college lycee ecole cem escola liceu shule school academy".split())
# Health centres and clinics, whose place follows after "de", "ya", "of" (step 4c).
_FACILITIES = _folded("salud sante saude zahanati hospital hopital hospitali kliniki clinic clinica clinique dispensaire dispensary "
                      "dispensario centre center centro posto puesto".split()) - _folded("centre center centro posto puesto".split())
_SWAHILI_LIVE = _folded("naishi tunaishi anaishi wanaishi ninaishi mnaishi".split())
_ROLE_TITLES = _folded("""
    profesor profesora profe professeur prof professor professora mwalimu teacher coach pastor doctor dr daktari bwana bi
    mama baba tio tia monsieur madame mme m senor senora don dona sr sra mr mrs ms miss sir madam
""".split())


def _name_and_place_spans(
    text: str, language: str | None, tokens: _Tokens, known: dict[str, list[tuple[str, ...]]] | None = None
) -> list[Span]:
    starts, ends, keys, flags, opening = tokens
    n = len(starts)
    if not n:
        return []
    spans: list[Span] = []
    taken = [False] * n
    lex = _LEXICONS[language]

    def nameish(i: int) -> bool:
        f = flags[i]
        if f & ARABIC_:
            return bool(f & LISTED)
        return bool(f & CAP_ and f & (LISTED | UNKNOWN_CAP) and not f & NOT_NAME)

    def adjacent(i: int) -> bool:
        """Token i and i + 1 are next to each other: only spaces, or an initial's full stop."""
        gap = text[ends[i]:starts[i + 1]]
        return gap == " " or (gap.strip() in ("", ".") and "\n" not in gap)

    def grow(i: int) -> tuple[int, int]:
        """The run of name words around token i (given names, family names, particles, initials)."""
        first = last = i
        while last + 1 < n and adjacent(last):
            f = flags[last + 1]
            if nameish(last + 1) and not opening[last + 1]:
                last += 1
            elif f & JOINER and last + 2 < n and adjacent(last + 1):
                last += 2
            elif f & PARTICLE and last + 2 < n and adjacent(last + 1) and flags[last + 2] & CAP_ and nameish(last + 2):
                last += 2
            elif f & CAP_ and ends[last + 1] - starts[last + 1] == 1 and last + 2 < n and adjacent(last + 1) and nameish(last + 2):
                last += 2  # a middle initial: "Vanessa P. Hertzog"
            else:
                break
        while first > 0 and adjacent(first - 1) and not opening[first] and nameish(first - 1) and not flags[first - 1] & TITLE:
            first -= 1
        return first, last

    def add(first: int, last: int, kind: str) -> None:
        if any(taken[first:last + 1]):
            return
        for k in range(first, last + 1):
            taken[k] = True
        spans.append(Span(starts[first], ends[last], kind))

    def grow_lower(last: int, unknown: bool = False) -> int:
        """After a cue, the known names typed in lower case that follow ("john otieno"); after a
        form's label, any word no dictionary knows too ("Name: hyuuma t. maida")."""
        while last + 1 < n and adjacent(last) and not taken[last + 1]:
            f = flags[last + 1]
            if f & STOPWORD or f & (CAP_ | ARABIC_):
                break
            if not f & (ORDINARY_ | PLACE) and (unknown or f & LISTED):
                last += 1
            elif (ends[last + 1] - starts[last + 1] == 1 and last + 2 < n and adjacent(last + 1)
                  and (unknown and not flags[last + 2] & (ORDINARY_ | STOPWORD) or flags[last + 2] & LISTED)):
                last += 2  # a middle initial
            else:
                break
        return last

    def _addressed(j: int) -> bool:
        """The name after a greeting (ending at token j) is followed by a comma, an exclamation or
        the end of the line."""
        rest = text[ends[j]:ends[j] + 2]
        return not rest.strip() or rest.lstrip(" ")[:1] in (",", "!", "\n", "،", ":")

    def _introduces_with_age(j: int) -> bool:
        # "أنا X عمري", "أنا X، عمري", "أنا X وعمري": the age follows the word at once.
        return j + 1 < n and keys[j + 1] in _ARABIC_AGE_WORDS and text[ends[j]:starts[j + 1]].strip() in ("", ",", "،")

    # 0. Organisations and services young people name ("Free Fire", "Orange Money", "Save the
    # Children") and the platform's organisations (`known`): never a person, so no later step
    # may take their words for a name.
    for i in range(n):
        for words in (*ORGANISATIONS.get(keys[i], ()), *(known.get(keys[i], ()) if known else ())):
            if tuple(keys[i:i + len(words)]) == words:
                for k in range(i, i + len(words)):
                    taken[k] = True
                break

    # 1. Cues: "my name is X", "je m'appelle X", "اسمي X", "my friend X".
    for i in range(n - 1):
        cues = _CUES_BY_LAST.get(keys[i])
        if not cues:
            continue
        for cue, strong in cues:
            k = len(cue)
            if i + 1 < k or tuple(keys[i + 1 - k:i + 1]) != cue:
                continue
            j = i + 1
            if not adjacent(i) and text[ends[i]:starts[j]].strip() not in (",", ":", "-"):
                continue
            f = flags[j]
            if strong:
                ok = not f & STOPWORD and bool(f & (CAP_ | ARABIC_ | LISTED) or not f & ORDINARY_)
            elif f & ARABIC_:
                # "صديقي X", "الأستاذة X": a relation names the next word; "أنا X" only a known name.
                ok = bool(f & LISTED) or (cue[0] in _ARABIC_RELATIONS and not f & STOPWORD and not keys[j].startswith("ال"))
                ok = ok or (cue[0] in _ARABIC_TEACHERS and not f & STOPWORD)
                ok = ok or (cue == ("انا",) and _introduces_with_age(j) and not f & STOPWORD and keys[j] not in _ARABIC_SELF_DESCRIPTIONS)
            elif cue[0] in _RELATION_CUE_STARTS and len(cue) > 1:
                # "my friend Mercy", "mi amiga Luz": a relation names the capitalised word after it,
                # or a word typed in lower case that is no everyday word ("my friend wanjiru"; not
                # "my brother said", though Said is a name too).
                ok = bool((f & CAP_ or not f & (ORDINARY_ | PLACE)) and not f & (STOPWORD | NOT_NAME | TITLE))
                # Outside English, a listed given name after a relation is the person, though a
                # dictionary also knows the word ("o meu irmão lucas", "mon frère lamine",
                # "rafiki yangu baraka"): there a verb or a noun rarely follows "my brother" bare.
                ok = ok or bool(language not in ("en", None) and f & LISTED and keys[j] in GIVEN and not f & (STOPWORD | NOT_NAME | TITLE))
            elif cue in _GREETINGS:
                # "Hi Victor,", "habari amina!": a greeting names the word it addresses, unless that
                # is an everyday word ("hey guys!", "Dear Minister,").
                ok = bool(not f & (ORDINARY_ | STOPWORD | NOT_NAME | TITLE | PLACE)) and _addressed(grow_lower(grow(j)[1]))
            else:
                ok = bool(f & CAP_ and f & (LISTED | UNKNOWN_CAP) and not f & NOT_NAME)
            if ok:
                # After a relation, a family name no dictionary knows goes with the given name
                # ("mi amigo yeison asprilla"), where a large dictionary says what is everyday.
                relation = cue[0] in _RELATION_CUE_STARTS and len(cue) > 1 and language in _BIG_LEXICONS
                add(j, grow_lower(grow(j)[1], unknown=relation), "name")
            break

    # 1b. Form labels: "Name: hyuuma t. maida", "Nombre: ...", "الاسم: ...".
    for i in range(n - 1):
        if keys[i] in _NAME_LABELS and ":" in text[ends[i]:starts[i + 1]] and "\n" not in text[ends[i]:starts[i + 1]]:
            f = flags[i + 1]
            if not taken[i + 1] and not f & STOPWORD and (f & (CAP_ | ARABIC_ | LISTED) or not f & ORDINARY_):
                add(i + 1, grow_lower(grow(i + 1)[1], unknown=True), "name")

    # 2. Titles: "Mr. Otieno", "Mme Diallo", "Bi Amina"; in lower case too: "mr. boateng" (a
    # courtesy title names whatever word follows it), "professor mahumane" (a role names a word
    # no dictionary knows: not "the teacher always").
    for i in range(n - 1):
        nxt = flags[i + 1]
        if not flags[i] & TITLE or taken[i + 1] or not adjacent(i) or nxt & (STOPWORD | NOT_NAME | TITLE | ARABIC_):
            continue
        if (flags[i] & CAP_ or keys[i] in _ROLE_TITLES) and nxt & CAP_:
            add(i + 1, grow(i + 1)[1], "name")
        elif not nxt & CAP_ and (
            keys[i] in _COURTESY_TITLES
            or keys[i] in _ROLE_TITLES and not nxt & (ORDINARY_ | PLACE)
            # Outside English, a listed name after a role though a dictionary knows the word
            # too ("o professor langa", "la profesora rosa"; in English "the teacher will").
            or keys[i] in _ROLE_TITLES and language not in ("en", None) and nxt & LISTED and not nxt & PLACE
        ):
            add(i + 1, grow_lower(i + 1, unknown=True), "name")

    # 2b. "I'm X, 15", "soy X, tengo 15 años", "eu sou X, tenho 15 anos": the word between "I am"
    # and the age is a name when a list knows it or no dictionary does ("i'm faith, 15"; not
    # "soy estudiante, tengo 15").
    for i in range(n - 1):
        if keys[i] not in _SELF_INTRODUCTIONS:
            continue
        j = i + 1
        f = flags[j]
        if taken[j] or f & (STOPWORD | NOT_NAME | TITLE | PLACE | ARABIC_) or not (f & LISTED or not f & ORDINARY_):
            continue
        after = text[ends[j]:ends[j] + 16]
        if _AGE_AFTER.match(after):
            add(j, grow_lower(grow(j)[1]), "name")

    # 2c. Who is from which school, at the start of a sentence: "wendy del escuela normal...",
    # "serigne mbaye du collège...", "baraka wa shule ya...": up to three words before "del",
    # "du", "da", "wa", "from" and a school's keyword are a person when each is a listed name or
    # a word no dictionary knows ("los estudiantes del colegio", "mucha gente del liceo": no).
    for i in range(1, n - 1):
        if keys[i] not in _FROM_SCHOOL or not (keys[i + 1] in _SCHOOL_WORDS_AFTER_FROM or i + 2 < n and keys[i + 1] in ("la", "l'") and keys[i + 2] in _SCHOOL_WORDS_AFTER_FROM):
            continue
        first = i - 1
        while first > 0 and i - first < 3 and not opening[first] and adjacent(first - 1):
            first -= 1
        if not opening[first] or any(taken[first:i]) or not adjacent(i - 1):
            continue
        if all(not flags[k] & (STOPWORD | NOT_NAME | TITLE | ARABIC_ | PLACE) and (flags[k] & LISTED or not flags[k] & ORDINARY_)
               for k in range(first, i)):
            add(first, i - 1, "name")

    # 3. Places by name (several words first: "Rio de Janeiro", "Cox's Bazar").
    for i in range(n):
        if taken[i]:
            continue
        for words in MULTIWORD.get(keys[i], ()):
            if tuple(keys[i:i + len(words)]) == words and (flags[i] & CAP_ or keys[i] not in lex.ordinary):
                add(i, i + len(words) - 1, "place")
                break
        else:
            if flags[i] & PLACE and not (flags[i] & LISTED and flags[i] & CAP_ and i + 1 < n and adjacent(i) and nameish(i + 1)):
                add(i, i, "place")

    # 4. Names from the lists, and capitalised words no dictionary knows.
    for i in range(n):
        f = flags[i]
        if taken[i] or not f & (LISTED | UNKNOWN_CAP) or f & (NOT_NAME | TITLE):
            continue
        if f & ARABIC_:
            if f & KNOWN or (i + 1 < n and adjacent(i) and flags[i + 1] & KNOWN) or (i > 0 and adjacent(i - 1) and flags[i - 1] & KNOWN):
                add(i, grow(i)[1], "name")
            continue
        if f & KNOWN:
            first, last = grow(i)
            if not f & CAP_:
                # A known given name typed in lower case takes the words after it that no
                # dictionary knows: "wanjiru kamau", "yuliet asprilla".
                last = grow_lower(last, unknown=True)
            add(first if f & CAP_ and not any(taken[first:i]) else i, last, "name")
            continue
        if not f & CAP_:
            continue
        first, last = grow(i)
        if last + 1 < n and adjacent(last) and keys[last + 1].rstrip(".") in ORGANISATION_ENDINGS and flags[last + 1] & CAP_:
            for k in range(first, last + 2):
                taken[k] = True
            continue  # "Nera Economic Consulting", "Equity Bank": an organisation, not a person
        several = last > first
        if opening[i] and not several and (language not in _BIG_LEXICONS or keys[i] in lex.ordinary or not f & UNKNOWN_CAP):
            continue  # one capitalised word opening a sentence says little, unless no dictionary knows it
        j = first - 1
        in_place = j >= 0 and (keys[j] in _AFTER_DE or bool(flags[j] & PREP))
        while j >= 0 and flags[j] & PARTICLE and j > first - 3:
            j -= 1
        in_place = in_place or (j >= 0 and bool(flags[j] & PREP))
        # A listed given name, a middle initial ("to Soib K. Kishiev") or a possessive ("from Edi
        # Živković's") says person, whatever the preposition before.
        has_name = any(flags[k] & LISTED or ends[k] - starts[k] == 1 for k in range(first, last + 1))
        has_name = has_name or text[starts[last]:ends[last]].endswith(("'s", "’s")) or text.startswith(("'s", "’s"), ends[last])
        add(first, last, "place" if in_place and not has_name else "name")

    # 4b. A place typed in lower case after "in", "from", "j'habite à", "naishi": a word of four
    # letters or more that no dictionary or list knows ("from kisenyi", "naishi likoni"). A
    # typo there is masked too: it costs the analyst a word, a missed place could cost more.
    # Only where a large dictionary says what is an everyday word (not Swahili, whose verbs
    # would all look unknown); a big city or country is no more masked in lower case than in capitals.
    for i in range(1, n if language in _BIG_LEXICONS else 0):
        f = flags[i]
        before = text[starts[i - 1]:ends[i - 1]].lower()
        # French also says where with "de" ("les jeunes de pikine", "notre groupe de thiaroye"):
        # its dictionary holds every form, so a word of five letters or more it lacks there is
        # a place, a name or a typo, each masked.
        french_de = language == "fr" and before == "de" and ends[i] - starts[i] >= 5
        if (taken[i] or f & (CAP_ | ARABIC_ | ORDINARY_ | STOPWORD | NOT_NAME | LISTED | TITLE) or ends[i] - starts[i] < 4
                or not (keys[i - 1] in _LOWER_PLACE_BEFORE or before == "à" or french_de) or not adjacent(i - 1) or keys[i] in WELL_KNOWN):
            continue
        last = i
        if last + 1 < n and adjacent(last) and not flags[last + 1] & (CAP_ | ARABIC_ | ORDINARY_ | STOPWORD | NOT_NAME | LISTED):
            last += 1  # "agua blanca" has an everyday word; "nezahualcoyotl", "ciudad bolivar" too
        add(i, last, "place")

    # 4c. The place of a health centre or a clinic: "puesto de salud de moravia", "centre de santé
    # de masina", "posto de saúde de matola", "zahanati ya manzese": a word no dictionary or list
    # knows after it (in Swahili too: the facility says a place follows). And where a young
    # person lives in Swahili: "naishi likoni".
    for i in range(1, n):
        f = flags[i]
        listed_place = keys[i] in PLACES  # a town a dictionary also knows as a word ("matola")
        if (taken[i] or f & (CAP_ | ARABIC_ | STOPWORD | NOT_NAME | LISTED | TITLE) or f & ORDINARY_ and not listed_place
                or ends[i] - starts[i] < 4 or not adjacent(i - 1)):
            continue
        facility = keys[i - 1] in _AFTER_DE and i >= 2 and keys[i - 2] in _FACILITIES
        if not (facility or language == "sw" and keys[i - 1] in _SWAHILI_LIVE):
            continue
        last = i
        if (language in _BIG_LEXICONS and last + 1 < n and adjacent(last)
                and not flags[last + 1] & (CAP_ | ARABIC_ | ORDINARY_ | STOPWORD | NOT_NAME | LISTED)):
            last += 1
        add(i, last, "place")

    # 5. A list of people ("silvana, adam, christopher, kristina and caleb"): when two of its words
    # are names, so is every other word of it that is capitalised or no dictionary calls everyday.
    i = 0 if "," in text and sum(1 for k in range(n) if taken[k] or flags[k] & LISTED) >= 2 else n
    while i < n:
        items = [i]
        while True:
            j = items[-1]
            if j + 1 < n and text[ends[j]:starts[j + 1]].strip() == "," and "\n" not in text[ends[j]:starts[j + 1]]:
                items.append(j + 1)
            elif j + 2 < n and keys[j + 1] in _LIST_AND and text[ends[j]:starts[j + 1]].strip() in ("", ",") and adjacent(j + 1):
                items.append(j + 2)
            else:
                break
        if len(items) >= 3:
            named = [k for k in items if taken[k] or flags[k] & LISTED and not flags[k] & (ORDINARY_ | PLACE)]
            everyday = [k for k in items if k not in named and flags[k] & (ORDINARY_ | STOPWORD) and not flags[k] & CAP_]
            if len(named) >= 2 and (len(named) * 2 >= len(items) or not everyday):
                for k in items:
                    if (not taken[k] and (flags[k] & (LISTED | CAP_) or not flags[k] & ORDINARY_)
                            and not flags[k] & (STOPWORD | PLACE | NOT_NAME)):
                        add(k, k, "name")
        i = items[-1] + 1
    return spans


# Where two spans overlap, the lower number wins (then the longer span). "place!" is a place
# named by its keyword ("barrio X", "X village"): surer than a capitalised word taken for a name.
_RANK = {"email": 0, "link": 1, "handle": 2, "id": 3, "phone": 4, "address": 5, "school": 6, "place!": 7, "name": 8, "place": 9}


_TRAILING_JOIN = re.compile(r"(?:[\s,]+(?:de|del|du|des|da|do|dos|das|wa|ya|of|the|la|le|el|from|y|e|et|na|and)?)+$", re.IGNORECASE)


def _resolve(spans: list[Span], text: str) -> tuple[Span, ...]:
    """Keep, where spans overlap, the strongest kind (then the longest). A name or place run
    that ran into a stronger span ("Wanjiku Mushi wa Kibera Secondary School") keeps the part
    before it."""
    spans.sort(key=lambda s: (_RANK[s.kind], s.start - s.end, s.start))
    kept: list[Span] = []
    for span in spans:
        if span.end <= span.start:
            continue
        clashes = [k for k in kept if span.start < k.end and k.start < span.end]
        if clashes and span.kind in ("address", "school", "name", "place", "place!"):
            first = min(k.start for k in clashes)
            if first > span.start:
                head = text[span.start:first]
                end = span.start + len(_TRAILING_JOIN.sub("", head))
                if end > span.start and all(end <= k.start or k.end <= span.start for k in kept):
                    kept.append(Span(span.start, end, span.kind))
            continue
        if not clashes:
            kept.append(span)
    kept.sort(key=lambda s: s.start)
    return tuple(Span(s.start, s.end, "place") if s.kind == "place!" else s for s in kept)


_HOUSE_NUMBER_BEFORE = re.compile(r"(?:^|(?<=[\s>,?]))\d{1,6}[A-Za-z]?[ \t]+$")
_NUMBERS_ONLY = re.compile(r"\d{1,6}(?:[ \t]\d{1,6})?")
_CORNER_BEFORE = re.compile(r"(?i:(?:the\s+)?corner\s+of|junction\s+of|esquina\s+(?:de\s+)?|coin\s+(?:de\s+la|du|des)|angle\s+(?:de\s+la|du|des))\s+$")
_CORNER_AFTER = re.compile(rf"\s+(?:and|&|y|et|e|na)\s+(?:{_PARTICLE}\s+)*{CAP}(?:\s+(?:{_PARTICLE}\s+)*{CAP})*\.?")


def _whole_addresses(spans: list[Span], text: str) -> list[Span]:
    """An address with what belongs to it: the house number before the street ("515 385 Gemsbok
    St", a number the digit pattern took for part of a phone), and the crossing it names ("the
    corner of Kuusiku 7 and Alexander Flat")."""
    out = [s for s in spans if s.kind != "address"]
    merged: set[int] = set()
    for a in (s for s in spans if s.kind == "address"):
        start, end = a.start, a.end
        for _ in range(2):
            before = _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 12), start)
            if before:
                start = before.start()
            for i, p in enumerate(out):
                if (i not in merged and p.kind == "phone" and p.start <= start <= p.end + 2 and not text[p.end:start].strip(" \t")
                        and _NUMBERS_ONLY.fullmatch(text[p.start:p.end])):
                    start = p.start
                    merged.add(i)
        corner = _CORNER_BEFORE.search(text, max(0, start - 24), start)
        if corner:
            start = corner.start()
            after = _CORNER_AFTER.match(text, end)
            if after:
                end = after.end()
        out.append(Span(start, end, "address"))
        # A number inside an address is part of it ("zip code is 90010-170"), not a phone.
        merged.update(i for i, p in enumerate(out) if p.kind == "phone" and start <= p.start and p.end <= end)
    return [s for i, s in enumerate(out) if i not in merged]


@lru_cache(maxsize=64)
def _known_phrases(known: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    """Organisations' names as the folded words the tokeniser gives, by their first word."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for name in known:
        words = tuple(fold(w).replace("’", "'") for w in _TOKEN.findall(name))
        if len(words) == 1 and (words[0] in GIVEN or words[0] in FAMILY or words[0] in GIVEN_AR or words[0] in FAMILY_AR):
            continue  # an organisation called "Amani" must not unmask every young person called Amani
        if words:
            table.setdefault(words[0], []).append(words)
    for phrases in table.values():
        phrases.sort(key=len, reverse=True)  # "Ministry of Health" before "Ministry"
    return table


def find_spans(text: str, language: str | None, countries: Sequence[str] = (), known: tuple[str, ...] = ()) -> tuple[Span, ...]:
    """Every stretch of `text` that would identify someone, with its kind, in text order.
    `known`: organisations' names, never taken for a person or a place."""
    language = language_key(language)
    tokens = _tokens(text, language)
    spans = _regex_spans(text, language, tokens[0], tokens[1], tokens[2])
    if not _SCHOOL_KEYWORDS.isdisjoint(tokens[2]):
        spans.extend(_lower_case_schools(text, tokens, language))
    spans.extend(_phone_spans(text, countries))
    spans.extend(_name_and_place_spans(text, language, tokens, _known_phrases(known) if known else None))
    return _resolve(_whole_addresses(spans, text), text)
