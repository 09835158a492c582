"""What the theme pages and the guidance show: theme sizes per context, age band and gender under
the small-numbers rule, the texts of a theme, and its quotes.

Every figure counts people, not texts, and only people who allow analysis now (a withdrawal or
a refused consent counts at once, without a new run). All figures of a run are slices of one
suppressed cube (context x age band x gender x theme, baraza.disclosure.suppress_cube), the way
survey results are: a theme's size per context, per age band and overall cannot be subtracted
from one another, nor bounded ("fewer than 5" twice beside a total of 8), to single out a few
people; and a theme of fewer than k people shows "fewer than k" in every cell of a breakdown.
A person may write into several themes, so the theme dimension is not additive: its ALL cell is
how many people wrote anything.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.models import Context
from baraza.consultations.models import Consultation
from baraza.disclosure import ALL, Cell, Dimension, SuppressedCube, all_fewer_than_k, k_for, suppress_cube
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.registry import Registry
from insights.access import shown_version_of
from insights.curation import is_named, theme_label, theme_phrases
from insights.models import NOISE, OTHER, InsightRun, InsightText, ThemeVersion
from insights.texts import Quote, current_quotes

OTHERS = "__others__"  # a context, age band or gender not shown on its own: counted, never shown
QUOTES_PER_THEME = 5


@dataclass
class Figures:
    k: int
    cube: SuppressedCube
    contexts: list[tuple[str, str]]  # (id, name) of the contexts shown
    age_bands: tuple[str, ...]
    genders: tuple[str, ...]
    keys: tuple[int, ...]

    @property
    def people(self) -> Cell:
        """People whose texts this run holds (and who allow analysis now)."""
        return self.cube.cell(ALL, ALL, ALL, ALL)

    def size(self, key: int) -> Cell:
        return self.cube.cell(ALL, ALL, ALL, key)

    def _breakdown(self, key: int | str, cells: list[tuple[str, Cell]]) -> list[tuple[str, Cell]]:
        # A theme of fewer than k people: every cell reads "fewer than k", its zeros too, as a
        # poll's options do ("16-17: 0" beside one "fewer than 5" would say where they all are).
        shown = all_fewer_than_k(dict(enumerate(c for _name, c in cells)), self.cube.cell(ALL, ALL, ALL, key).count, self.k)
        return [(name, shown[i]) for i, (name, _c) in enumerate(cells)]

    def by_context(self, key: int | str = ALL) -> list[tuple[str, Cell]]:
        return self._breakdown(key, [(name, self.cube.cell(cid, ALL, ALL, key)) for cid, name in self.contexts])

    def by_age(self, key: int | str = ALL) -> list[tuple[str, Cell]]:
        return self._breakdown(key, [(band, self.cube.cell(ALL, band, ALL, key)) for band in self.age_bands])

    def by_gender(self, key: int | str = ALL) -> list[tuple[str, Cell]]:
        return self._breakdown(key, [(g, self.cube.cell(ALL, ALL, g, key)) for g in self.genders])


def _counted_texts(session: Session, run: InsightRun, visible: set[int]) -> list[tuple[int, int, int]]:
    """(text id, participant id, context id) of the run's texts whose writer allows analysis
    now, in the contexts the reader may see. Reads no text."""
    rows = session.exec(
        select(InsightText.id, InsightText.participant_id, InsightText.context_id).where(
            InsightText.run_id == run.id,
            col(InsightText.participant_id).in_(analysable_participant_ids(run.consultation_id)),
            col(InsightText.context_id).in_(visible),
        )
    ).all()
    return [(t, p, c) for t, p, c in rows if t is not None and p is not None and c is not None]


def counted_text_ids(session: Session, run: InsightRun, visible: set[int]) -> set[int]:
    return {t for t, _p, _c in _counted_texts(session, run, visible)}


def theme_figures(session: Session, consultation: Consultation, run: InsightRun, version: ThemeVersion, visible: set[int]) -> Figures:
    k = k_for(consultation)
    texts = _counted_texts(session, run, visible)
    people = {p for _t, p, _c in texts}
    demographics: dict[int, tuple[str | None, str | None]] = {}
    for chunk in _chunks(sorted(people), 500):
        for pid, age, gender in session.exec(
            select(Participant.id, Participant.age_band, Participant.gender).where(col(Participant.id).in_(chunk))
        ).all():
            demographics[pid] = (age, gender)  # type: ignore[index]
    # Only the age bands and genders at least k of these people share are shown on their own,
    # so the list of values itself gives nobody away.
    age_counts = Counter(a for a, _g in demographics.values() if a)
    gender_counts = Counter(g for _a, g in demographics.values() if g)
    age_bands = tuple(sorted(a for a, n in age_counts.items() if n >= k))
    genders = tuple(sorted(g for g, n in gender_counts.items() if n >= k))
    context_rows = session.exec(select(Context.id, Context.name).where(col(Context.id).in_(visible)).order_by(col(Context.name))).all()
    contexts = [(str(cid), name) for cid, name in context_rows]
    context_ids = tuple(cid for cid, _ in contexts)
    keys = tuple(t["key"] for t in version.themes) + (OTHER,)
    themes_of: dict[int, set[int]] = defaultdict(set)
    context_of: dict[int, int] = {}
    for text_id, pid, cid in texts:
        key = version.assignments.get(str(text_id))
        if key is None or key == NOISE:
            continue
        themes_of[pid].add(key)
        context_of[pid] = cid
    leaves: Counter[tuple[Hashable, ...]] = Counter()
    for pid, keys_of in themes_of.items():
        age, gender = demographics.get(pid, (None, None))
        coordinates = (
            str(context_of[pid]) if str(context_of[pid]) in context_ids else OTHERS,
            age if age in age_bands else OTHERS,
            gender if gender in genders else OTHERS,
        )
        for key in keys_of:
            if key in keys:
                leaves[(*coordinates, key)] += 1
        leaves[(*coordinates, ALL)] += 1
    dimensions = [
        Dimension(context_ids, (OTHERS,)),
        Dimension(age_bands, (OTHERS,)),
        Dimension(genders, (OTHERS,)),
        Dimension(keys, additive=False),
    ]
    cube = suppress_cube(leaves, dimensions, k)
    return Figures(k=k, cube=cube, contexts=contexts, age_bands=age_bands, genders=genders, keys=keys)


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def members(version: ThemeVersion, key: int, counted: set[int]) -> list[int]:
    """Text ids in theme `key` (or OTHER, NOISE) that count now, in order."""
    return sorted(int(t) for t, k in version.assignments.items() if k == key and int(t) in counted)


def texts_page(session: Session, run: InsightRun, ids: Sequence[int]) -> list[InsightText]:
    if not ids:
        return []
    rows = session.exec(select(InsightText).where(InsightText.run_id == run.id, col(InsightText.id).in_(list(ids)))).all()
    by_id = {r.id: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def theme_quotes(
    session: Session,
    registry: Registry,
    secret: str,
    run: InsightRun,
    version: ThemeVersion,
    keys: Sequence[int],
    visible: set[int],
    per_theme: int = QUOTES_PER_THEME,
) -> dict[int, list[Quote]]:
    """Up to `per_theme` quotes per theme: its representatives first, then its other texts,
    each read again through its source and shown only if its writer allows quoting now."""
    themes = {t["key"]: t for t in version.themes}
    candidates: dict[int, list[int]] = {}
    for key in keys:
        reps = list(themes.get(key, {}).get("representatives", []))
        others = [int(t) for t, k in version.assignments.items() if k == key and int(t) not in reps]
        candidates[key] = [*reps, *sorted(others)]
    wanted_ids = {i for ids in candidates.values() for i in ids}
    rows: dict[int, tuple[Ref, str]] = {}
    for chunk in _chunks(sorted(wanted_ids), 500):
        for text_id, ref, digest, held in session.exec(
            select(col(InsightText.id), col(InsightText.source_ref), col(InsightText.text_hash), col(InsightText.held)).where(
                InsightText.run_id == run.id, col(InsightText.id).in_(chunk)
            )
        ).all():
            if not held:
                rows[text_id] = (ref, digest)  # type: ignore[index]
    found = current_quotes(session, registry, secret, run.consultation_id, rows.values(), visible)
    out: dict[int, list[Quote]] = {}
    for key, ids in candidates.items():
        picked: list[Quote] = []
        seen: set[str] = set()
        for text_id in ids:
            row = rows.get(text_id)
            # The same words from several people are one quote (one-word answers repeat).
            if row is not None and row[0] in found and found[row[0]].text.casefold() not in seen:
                seen.add(found[row[0]].text.casefold())
                picked.append(found[row[0]])
                if len(picked) >= per_theme:
                    break
        out[key] = picked
    return out


def recommendation_evidence(
    session: Session, registry: Registry, secret: str, consultation: Consultation, version: Any, contexts: set[int], language: str | None
) -> tuple[list[str], list[Quote]]:
    """The names of the themes behind a recommendation version in `language` (as `theme_label`
    picks them), and those of its quotes that may be shown now (read again through their
    sources, writers allowing quoting)."""
    names: list[str] = []
    for value in version.themes:
        run_id, _, key = value.partition(":")
        run = session.exec(select(InsightRun).where(InsightRun.id == int(run_id), InsightRun.consultation_id == consultation.id)).one_or_none()
        # The names readers outside the analysts see: the run's published version, else its newest.
        theme_version = shown_version_of(session, run) if run is not None else None
        theme = next((t for t in (theme_version.themes if theme_version else []) if t["key"] == int(key)), None)
        if theme is not None:
            names.append(theme_label(theme, language))
    refs = [Ref.parse(q) for q in version.quotes]
    hashes: dict[Ref, str] = {}
    if refs:
        for ref, digest in session.exec(
            select(col(InsightText.source_ref), col(InsightText.text_hash))
            .where(InsightText.consultation_id == consultation.id, col(InsightText.source_ref).in_(refs))
            .order_by(col(InsightText.id))
        ).all():
            hashes[ref] = digest  # the newest run's hash wins
    found = current_quotes(session, registry, secret, consultation.id, hashes.items(), contexts)  # type: ignore[arg-type]
    return names, [found[r] for r in refs if r in found]


def theme_list(version: ThemeVersion, language: str | None) -> list[dict[str, Any]]:
    """The themes as a page in `language` shows them: the name and key phrases picked for that
    language (`theme_label`, `theme_phrases`), as the guidance and every other page pick them."""
    return [{**t, "name": theme_label(t, language), "phrases": theme_phrases(t, language), "named": is_named(t, language)} for t in version.themes]
