"""Theme finding (insights/themes.py): it finds clear themes without being told how many, puts
texts that say the same thing in different languages together, is deterministic, and keeps
gibberish in "other". Quality on real corpora is measured in bench/themes, not here."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import adjusted_rand_score

from insights.themes import OTHER, ThemeModel, _tokenise, find_themes

# Four themes, each with words of its own, plus words every theme shares (noise).
THEME_WORDS = {
    "school": ["school", "teachers", "grades", "exams", "homework", "classroom", "lessons", "timetable"],
    "health": ["doctor", "clinic", "hospital", "medicine", "nurse", "sick", "vaccine", "appointment"],
    "transport": ["bus", "buses", "road", "traffic", "fare", "driver", "station", "ride"],
    "environment": ["trees", "pollution", "river", "plastic", "recycling", "park", "climate", "rubbish"],
}
SHARED = ["want", "need", "better", "think", "really", "people", "every", "day", "town"]
GIBBERISH = ["xqzt vbnmw plokj", "asdfgh qwertz", "zzkv mmqp trrx", "!!!", "1234 5678", "jjjkk hhhgf"]


def synthetic_corpus(per_theme: int = 40, seed: int = 7) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    texts, truth = [], []
    names = list(THEME_WORDS)
    for label, name in enumerate(names):
        for _ in range(per_theme):
            words = rng.sample(THEME_WORDS[name], 3) + rng.sample(SHARED, 2)
            if rng.random() < 0.15:  # now and then a word of another theme
                words.append(rng.choice(THEME_WORDS[rng.choice([n for n in names if n != name])]))
            rng.shuffle(words)
            texts.append("We " + " ".join(words) + ".")
            truth.append(label)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [truth[i] for i in order]


# Real sentences from bench/themes/multilingual.json (four topics, English, Arabic, Swahili: their
# pipelines load in a blink, so the test stays fast; the benchmark has all six languages).
MULTILINGUAL = {
    "school": {
        "en": [
            "The school should not give our grades to companies.",
            "I don't want my school sharing student data with businesses.",
            "Teachers must keep our exam results inside the school.",
            "Schools sell information about students, that is wrong.",
        ],
        "ar": [
            "يجب ألا تعطي المدرسة درجاتنا للشركات.",
            "لا أريد أن تشارك مدرستي بيانات الطلاب مع الشركات.",
            "على المعلمين أن يحتفظوا بنتائج الامتحانات داخل المدرسة.",
            "المدارس تبيع معلومات الطلاب وهذا خطأ.",
        ],
        "sw": [
            "Shule isitoe alama zetu kwa makampuni.",
            "Sitaki shule yangu ishiriki data za wanafunzi na makampuni.",
            "Walimu wahifadhi matokeo ya mitihani ndani ya shule.",
            "Shule zinauza taarifa za wanafunzi, hilo ni kosa.",
        ],
    },
    "health": {
        "en": [
            "My health records should stay between me and my doctor.",
            "Hospitals must not share our medical information.",
            "Nobody should know if I am sick unless I say so.",
            "The clinic has to keep our health data confidential.",
        ],
        "ar": [
            "يجب أن يبقى ملفي الصحي بيني وبين طبيبي.",
            "يجب ألا تشارك المستشفيات معلوماتنا الطبية.",
            "لا يجب أن يعرف أحد أنني مريض إلا إذا قلت ذلك.",
            "على العيادة أن تحافظ على سرية بياناتنا الصحية.",
        ],
        "sw": [
            "Rekodi zangu za afya zibaki kati yangu na daktari wangu.",
            "Hospitali zisishiriki taarifa zetu za matibabu.",
            "Hakuna mtu anayepaswa kujua kama mimi ni mgonjwa.",
            "Kliniki lazima iweke data zetu za afya kwa siri.",
        ],
    },
    "bullying": {
        "en": [
            "There is too much bullying on social media.",
            "Apps should protect kids from bullies online.",
            "People post mean comments and photos of us on Instagram.",
            "We need a way to report harassment on the internet.",
        ],
        "ar": [
            "هناك الكثير من التنمر على وسائل التواصل الاجتماعي.",
            "يجب أن تحمي التطبيقات الأطفال من التنمر على الإنترنت.",
            "الناس ينشرون تعليقات سيئة وصورا لنا على انستغرام.",
            "نحتاج إلى طريقة للإبلاغ عن التحرش على الإنترنت.",
        ],
        "sw": [
            "Kuna uonevu mwingi kwenye mitandao ya kijamii.",
            "Programu zinapaswa kuwalinda watoto dhidi ya uonevu mtandaoni.",
            "Watu huweka maoni mabaya na picha zetu kwenye Instagram.",
            "Tunahitaji njia ya kuripoti unyanyasaji kwenye mtandao.",
        ],
    },
    "street": {
        "en": [
            "I don't feel safe walking home at night.",
            "The police should patrol our neighbourhood more.",
            "Streets need more lights so girls are not attacked.",
            "Police officers treat young people badly on the street.",
        ],
        "ar": [
            "لا أشعر بالأمان عندما أمشي إلى البيت في الليل.",
            "يجب أن تقوم الشرطة بدوريات أكثر في حينا.",
            "الشوارع تحتاج إلى إضاءة أكثر حتى لا تتعرض البنات للاعتداء.",
            "رجال الشرطة يعاملون الشباب بشكل سيء في الشارع.",
        ],
        "sw": [
            "Sijisikii salama ninapotembea nyumbani usiku.",
            "Polisi wanapaswa kufanya doria zaidi mtaani kwetu.",
            "Barabara zinahitaji taa zaidi ili wasichana wasishambuliwe.",
            "Polisi huwatendea vijana vibaya barabarani.",
        ],
    },
}


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[int]]:
    return synthetic_corpus()


@pytest.fixture(scope="module")
def model(corpus: tuple[list[str], list[int]]) -> ThemeModel:
    texts, _ = corpus
    return find_themes(texts + GIBBERISH, ["en"] * (len(texts) + len(GIBBERISH)), seed=3)


def test_finds_the_themes_without_being_told_how_many(corpus: tuple[list[str], list[int]], model: ThemeModel) -> None:
    texts, truth = corpus
    found = model.assignments[: len(texts)]
    assert model.k_chosen == 4
    assert adjusted_rand_score(truth, found) >= 0.9
    assert sum(f == OTHER for f in found) / len(found) <= 0.05


def test_gibberish_is_other(corpus: tuple[list[str], list[int]], model: ThemeModel) -> None:
    texts, _ = corpus
    assert model.assignments[len(texts) :] == [OTHER] * len(GIBBERISH)
    assert model.assign(["qqqz wwwx", ""]) == [OTHER, OTHER]


def test_labels_and_representatives_come_from_the_theme(corpus: tuple[list[str], list[int]], model: ThemeModel) -> None:
    texts, truth = corpus
    for theme in model.themes:
        members = [i for i, a in enumerate(model.assignments) if a == theme.id]
        assert theme.size == len(members)
        assert len(theme.representatives) > 5
        assert set(theme.representatives) <= set(members)
        # Every label phrase is made of words the theme's own texts use, and it is of that theme.
        source = {truth[i] for i in members}
        assert len(source) == 1
        own = set(THEME_WORDS[list(THEME_WORDS)[source.pop()]])
        assert theme.label_phrases
        assert {w.lower() for phrase in theme.label_phrases[:2] for w in phrase.split()} <= own


def test_new_texts_go_to_the_nearest_theme(model: ThemeModel) -> None:
    theme_of = {name: model.assign([f"the {words[0]} and the {words[1]}"])[0] for name, words in THEME_WORDS.items()}
    assert OTHER not in theme_of.values()
    assert len(set(theme_of.values())) == 4
    again = ThemeModel.from_dict(model.to_dict())
    assert again.assign(["we want better buses and a cheaper fare", "the nurse at the clinic"]) == model.assign(
        ["we want better buses and a cheaper fare", "the nurse at the clinic"]
    )


def test_same_seed_same_themes(corpus: tuple[list[str], list[int]], model: ThemeModel) -> None:
    texts, _ = corpus
    again = find_themes(texts + GIBBERISH, ["en"] * (len(texts) + len(GIBBERISH)), seed=3)
    assert again.assignments == model.assignments
    assert [t.label_phrases for t in again.themes] == [t.label_phrases for t in model.themes]
    assert [t.representatives for t in again.themes] == [t.representatives for t in model.themes]


def test_texts_in_different_languages_on_one_topic_land_together() -> None:
    """Over five seeds (on 48 texts one seed's start decides a lot, and a machine's arithmetic
    moves a pair or two: seed 0 alone measured 0.101 where another measured under 0.1)."""
    texts, langs, topics = [], [], []
    for topic, by_lang in enumerate(MULTILINGUAL.values()):
        for lang, items in by_lang.items():
            texts += items
            langs += [lang] * len(items)
            topics += [topic] * len(items)
    pairs = [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if langs[i] != langs[j]]

    def together(found: list[int], same: bool) -> float:
        shared = [found[i] == found[j] != OTHER for i, j in pairs if (topics[i] == topics[j]) == same]
        return sum(shared) / len(shared)

    seeds = range(5)
    runs = [find_themes(texts, langs, seed=s).assignments for s in seeds]
    same_topic = sum(together(found, True) for found in runs) / len(runs)
    other_topic = sum(together(found, False) for found in runs) / len(runs)
    # Most same-topic pairs across languages share a theme; few pairs across topics do.
    assert same_topic >= 0.5
    assert other_topic <= 0.1
    # Without the concept lexicon the languages fall apart: the lexicon is what joins them.
    plain = [find_themes(texts, langs, seed=s, use_lexicon=False).assignments for s in seeds]
    assert sum(together(found, True) for found in plain) / len(plain) < same_topic - 0.2


# Sentences of bench/themes/multilingual_heldout.json (written before the lexicon was broadened and
# kept out of its tuning): one thing said in English, Arabic and Swahili.
HELD_OUT = [
    ("They took my fingerprints before giving us food at the camp.",
     "أخذوا بصمات أصابعنا قبل أن يعطونا الطعام في المخيم.",
     "Walichukua alama za vidole vyetu kabla ya kutupa chakula kambini."),
    ("Games ask for my age but anyone can just lie about it.",
     "الألعاب تسأل عن عمري لكن أي شخص يستطيع أن يكذب.",
     "Michezo inauliza umri wangu lakini mtu yeyote anaweza kudanganya."),
    ("Mobile money companies can see everything we buy and who we send money to.",
     "شركات المحافظ الإلكترونية ترى كل ما نشتريه ولمن نرسل المال.",
     "Kampuni za pesa kwa simu zinaona kila kitu tunachonunua na tunaomtumia pesa."),
]


def _concepts_of(text: str, lang: str) -> set[str]:
    return {t.feature for t in _tokenise([text], [lang], True)[0] if t.feature.startswith("~")}


@pytest.mark.parametrize(("en", "ar", "sw"), HELD_OUT)
def test_one_thing_said_in_three_languages_reaches_shared_concepts(en: str, ar: str, sw: str) -> None:
    english, arabic, swahili = _concepts_of(en, "en"), _concepts_of(ar, "ar"), _concepts_of(sw, "sw")
    # At least two concepts common to all three (a Swahili locative, kambini, and a conjugated
    # verb, inauliza, an Arabic article and pronoun, المخيم and عمري, included).
    assert len(english & arabic & swahili) >= 2, (english, arabic, swahili)


def test_swahili_and_arabic_forms_the_lexicon_does_not_list_reach_its_concepts() -> None:
    # The lexicon lists kuuza and يبيع: the other persons, tenses and voices join them.
    swahili = [t.feature for t in _tokenise(["Wanauza data zetu, zinauzwa kila siku, wasiuze!"], ["sw"], True)[0]]
    assert swahili.count("~sell") == 3
    arabic = [t.feature for t in _tokenise(["تبيع نبيع يبيعون بالبيانات"], ["ar"], True)[0]]
    assert arabic == ["~sell", "~sell", "~sell", "~data"]
    # Nouns are not taken for verbs: walimu (teachers) is not wa-li-mu, nor wanafunzi a verb.
    assert [t.feature for t in _tokenise(["walimu na wanafunzi"], ["sw"], True)[0]] == ["~teacher", "~student"]
    # Modal verbs are dropped in every language, as English drops "should" and "must".
    assert [t.feature for t in _tokenise(["Polisi wanapaswa kuwalinda watoto shuleni."], ["sw"], True)[0]] == [
        "~police", "~protect", "~children", "~school"]
    assert [t.feature for t in _tokenise(["يجب أن تحمي الشرطة الأطفال"], ["ar"], True)[0]] == ["~protect", "~police", "~children"]


def test_detects_languages_among_the_given_ones() -> None:
    texts = MULTILINGUAL["school"]["sw"] + MULTILINGUAL["school"]["en"] + MULTILINGUAL["school"]["ar"]
    model = find_themes(texts, candidates=["en", "sw", "ar"])
    assert model.languages == ["sw"] * 4 + ["en"] * 4 + ["ar"] * 4


def test_too_few_texts_make_no_theme() -> None:
    assert find_themes([]).assignments == []
    model = find_themes(["one text", "another"], ["en", "en"])
    assert model.themes == [] and model.assignments == [OTHER, OTHER]
    assert model.assign(["anything"]) == [OTHER]


def test_progress_runs_to_the_end(corpus: tuple[list[str], list[int]]) -> None:
    seen: list[float] = []
    texts, _ = corpus
    find_themes(texts[:60], ["en"] * 60, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


def test_a_theme_is_also_labelled_in_each_language_from_its_texts_in_that_language() -> None:
    """A theme that joins texts in several languages has key phrases per language, each taken
    from its own texts in that language: a young person who wrote in English reads their
    remark's theme in English words, not in the Arabic ones that set it apart overall."""
    from insights.curation import theme_label

    texts, langs = [], []
    for by_lang in MULTILINGUAL.values():
        for lang, items in by_lang.items():
            texts += items
            langs += [lang] * len(items)
    model = find_themes(texts, langs, seed=0)
    mixed = [t for t in model.themes if len(t.phrases_by_language) >= 2]
    assert mixed, [t.phrases_by_language for t in model.themes]
    for theme in model.themes:
        for lang, phrases in theme.phrases_by_language.items():
            own = " ".join(texts[i] for i, a in enumerate(model.assignments) if a == theme.id and langs[i] == lang).lower()
            assert phrases and all(p.lower() in own for p in phrases), (lang, phrases)
    theme = mixed[0]
    stored = {"key": theme.id, "label": "", "phrases": theme.label_phrases, "phrases_by_language": theme.phrases_by_language}
    lang = sorted(theme.phrases_by_language)[0]
    assert theme_label(stored, lang) == ", ".join(theme.phrases_by_language[lang][:4])
    assert theme_label(stored, "pt") == theme_label(stored) == ", ".join(theme.label_phrases[:4])  # no text in it: the general label
    assert theme_label({**stored, "label": "Ask us first"}, lang) == "Ask us first"  # an analyst's name wins
    # Stored and read back, a model keeps them.
    assert ThemeModel.from_dict(model.to_dict()).themes[0].phrases_by_language == model.themes[0].phrases_by_language


def _word_sets(per_theme: int, seed: int) -> tuple[list[list[str]], list[int]]:
    """Texts as sets of words: three themes of words of their own, plus words all share."""
    rng = random.Random(seed)
    docs, truth = [], []
    for label, name in enumerate(["school", "health", "transport"]):
        for _ in range(per_theme):
            docs.append(rng.sample(THEME_WORDS[name], 3) + rng.sample(SHARED, 2))
            truth.append(label)
    return docs, truth


def test_a_theme_holding_two_clear_themes_is_split_and_a_clear_theme_is_not() -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    from insights.themes import _binary_matrix, _lsa, split_themes

    docs, truth = _word_sets(150, seed=1)
    vocabulary = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    counts = _binary_matrix(docs, vocabulary)
    points = _lsa(TfidfTransformer(sublinear_tf=True).fit_transform(counts), 0)
    joined = np.array([min(t, 1) for t in truth])  # school and health in one theme
    k, labels = split_themes(points, counts, joined, 2, 0, 3, 10)
    assert k == 3 and adjusted_rand_score(truth, labels) > 0.95
    k, labels = split_themes(points, counts, np.array(truth), 3, 0, 3, 10)
    assert k == 3 and adjusted_rand_score(truth, labels) == 1.0


def test_refining_by_a_classifier_corrects_misplaced_texts_and_keeps_other() -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    from insights.themes import _binary_matrix, refine_themes

    docs, truth = _word_sets(150, seed=2)
    vocabulary = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(_binary_matrix(docs, vocabulary))
    rng = np.random.default_rng(0)
    noisy = np.array(truth)
    wrong = rng.choice(len(noisy), 45, replace=False)  # one text in ten in a wrong theme
    noisy[wrong] = (noisy[wrong] + 1) % 3
    noisy[:5] = OTHER
    refined = refine_themes(tfidf, noisy, 3, 0, 3)
    assert (refined[:5] == OTHER).all()
    assert np.mean(refined[5:] == np.array(truth)[5:]) > 0.98
    # Themes of fewer than 100 texts each on average: too few for the classifier, left as they are.
    few = np.concatenate([noisy[:100], np.full(len(noisy) - 100, OTHER)])
    assert np.array_equal(refine_themes(tfidf, few, 3, 0, 3), few)


def test_a_big_themes_own_texts_are_not_left_as_other() -> None:
    """Young Londoners' comments on policing: two themes, one most of the comments. A comment
    once left as "other" used to lose its rarer words from every theme (the background kept
    them), so it stayed "other" though it is about the police: 6 of 36 (17 %), over the 15 %
    "other" may hold. Themes now count each text in its best theme, as the background does.
    The themes' numbers differ in their last digits from one processor to another (the linear
    algebra's kernels), and one borderline comment may fall on either side of "other": on one
    machine none about the police is left there, on another one (2026-12-05); before the
    change two were on that machine, and more on the first."""
    import csv
    from pathlib import Path

    with open(Path(__file__).parent / "data" / "polis-london-youth-policing-comments.csv", newline="") as f:
        texts = [row["comment-body"] for row in csv.DictReader(f)]
    model = find_themes(texts, ["en"] * len(texts), seed=0)
    other = [t for t, a in zip(texts, model.assignments, strict=True) if a == OTHER]
    assert len(other) / len(texts) <= 0.15, other
    assert sum("police" in t.lower() for t in other) <= 1, other
