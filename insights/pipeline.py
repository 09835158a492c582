"""The insights run, a background job (`insights.run`): collect, screen, store, theme.

1. Collect every text of the consultation through every app's `text_sources` hook, keeping only
   participants who allow analysis and have not withdrawn (checked again here), and leaving out
   the sources safeguarding holds (`held_sources`).
2. Screen each text (`registry.screen`): what identifies someone is masked; a disclosure of harm
   becomes a safeguarding concern for the people who can act on it and never joins a theme.
3. Store, per text, its reference, a keyed hash, its writer and context, and the masked text
   (encrypted). Chunks are committed as they go, with progress; cancel stops at the next chunk.
4. Group the masked texts into themes (`insights.themes.find_themes`) and store the model's
   themes as version 1. When the previous run was curated, the analyst's decisions are carried
   over for every text that did not change (same reference, same hash) as version 2, and the
   run's summary says what moved.

A worker killed halfway leaves a run whose job goes back to the queue: the handler starts the
run again from the beginning, removing what the dead attempt stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlmodel import Session, col, delete, select

from baraza.consultations.screening import screen_for
from baraza.db import utcnow
from baraza.i18n import N_
from baraza.refs import Ref
from baraza.safeguarding.services import held_sources, is_cleared, raise_concern
from insights.curation import carry_over, model_version
from insights.models import InsightRun, InsightText, RunStatus, ThemeVersion
from insights.texts import analysable, ref_of, source_texts, text_hash
from insights.themes import find_themes

CHUNK = 200
# Below this many texts there is nothing to group: the run ends with every text in "other".
MIN_TEXTS_FOR_THEMES = 2


def run_insights(job: Any, payload: dict[str, Any]) -> None:
    """The job handler: `payload` = {"run_id": n}."""
    session: Session = job.session
    run = session.exec(select(InsightRun).where(InsightRun.id == int(payload["run_id"]))).one_or_none()
    if run is None or run.status == RunStatus.DONE.value:
        return
    run_id = run.id
    # A second attempt (the first worker died) starts over: what it stored goes.
    session.exec(delete(ThemeVersion).where(col(ThemeVersion.run_id) == run.id))  # type: ignore[call-overload]
    session.exec(delete(InsightText).where(col(InsightText.run_id) == run.id))  # type: ignore[call-overload]
    run.status = RunStatus.RUNNING.value
    run.summary = {}
    session.add(run)
    session.commit()
    try:
        _run(job, session, run)
    except BaseException:
        # Cancelled, failed or to be retried: the run says so and what it stored goes (a retry
        # starts over). The worker rolls back this session; a fresh one marks the run.
        session.rollback()
        session.close()
        _mark(job, run_id, _status_after_failure(job))
        raise


def _codes(reasons: Any) -> list[str]:
    return [str(r) for r in reasons] or ["disclosure"]


def _status_after_failure(job: Any) -> str:
    return RunStatus.CANCELLED.value if getattr(job, "cancel_requested", False) else RunStatus.FAILED.value


def _mark(job: Any, run_id: int | None, status: str) -> None:
    engine = job.session.get_bind()
    with Session(engine) as s:
        row = s.exec(select(InsightRun).where(InsightRun.id == run_id)).one_or_none()
        if row is not None and row.status != RunStatus.DONE.value:
            row.status = status
            s.add(row)
            # The screened copies of an unfinished run serve nobody: they go at once.
            s.exec(delete(ThemeVersion).where(col(ThemeVersion.run_id) == run_id))  # type: ignore[call-overload]
            s.exec(delete(InsightText).where(col(InsightText.run_id) == run_id))  # type: ignore[call-overload]
            s.commit()


def _run(job: Any, session: Session, run: InsightRun) -> None:
    registry = job.registry
    secret = job.settings.secret_key
    consultation_id = run.consultation_id
    allowed = analysable(session, consultation_id)
    held = held_sources(session, consultation_id)
    counts: Counter[str] = Counter()
    items = [item for item in source_texts(session, registry, consultation_id) if item.text and item.text.strip()]
    # Progress in hundredths: reading and screening to 40, themes to 95, the rest after.
    job.progress(0, 100, N_("Reading and screening texts"))
    seen: set[Ref] = set()
    for start in range(0, len(items), CHUNK):
        for item in items[start : start + CHUNK]:
            ref = ref_of(item)
            counts["read"] += 1
            if ref in seen:
                continue
            seen.add(ref)
            if item.participant_id is None:
                # Nobody's text (a note typed in from paper): no one consented to its analysis
                # and no one could withdraw it (docs/decisions.md, "Paper notes stay out of themes").
                counts["anonymous"] += 1
                continue
            if item.participant_id not in allowed:
                counts["no_consent"] += 1
                continue
            if ref in held:
                counts["held_safeguarding"] += 1
                continue
            screened = screen_for(session, consultation_id, item.text, item.language)
            # A disclosure goes to the people who can act on it and joins no theme, unless a
            # person already looked and found no concern.
            if screened.disclosure and not is_cleared(session, ref):
                raise_concern(
                    session, consultation_id=consultation_id, source=ref, reasons=_codes(screened.reasons), app="insights",
                    context_id=item.context_id,
                )
                counts["concerns_raised"] += 1
                counts["held_safeguarding"] += 1
                continue
            session.add(
                InsightText(
                    run_id=run.id,  # type: ignore[arg-type]
                    consultation_id=consultation_id,
                    source_ref=ref,
                    text_hash=text_hash(secret, item.text),
                    participant_id=item.participant_id,
                    context_id=item.context_id,
                    language=(item.language or "")[:8],
                    masked_text=screened.text,
                    masked_kinds=sorted(set(getattr(screened, "masked", ()) or ())),
                    held=bool(screened.held),
                    written_at=item.written_at,
                )
            )
            counts["kept"] += 1
            if screened.masked:
                counts["masked"] += 1
        session.commit()
        job.progress(int(40 * min(len(items), start + CHUNK) / max(1, len(items))), 100, N_("Reading and screening texts"))

    texts = list(session.exec(select(InsightText).where(InsightText.run_id == run.id).order_by(col(InsightText.id))).all())
    job.progress(40, 100, N_("Grouping texts into themes"))
    if len(texts) >= MIN_TEXTS_FOR_THEMES:

        def progress(fraction: float) -> None:
            # The theme finder's own steps move the same bar (and a cancel stops them).
            job.progress(40 + int(55 * fraction), 100, N_("Grouping texts into themes"))

        words = [t.masked_text for t in texts]
        languages = [t.language or None for t in texts]
        # Nothing is left open while the themes are found: on SQLite progress then shows at once.
        session.commit()
        model = find_themes(words, languages, seed=run.seed, progress=progress)
        for text, language in zip(texts, model.languages, strict=True):
            if not text.language and language:
                text.language = language[:8]
                session.add(text)
        version = model_version(run, texts, model)
        run.method = str(getattr(model, "method", ""))[:200]
        run.k_chosen = getattr(model, "k_chosen", None)
    else:
        version = ThemeVersion(run_id=run.id, number=1, themes=[], assignments={str(t.id): -1 for t in texts}, action="model", draft=True)  # type: ignore[arg-type]
        run.method = ""
    session.add(version)
    session.flush()
    job.progress(95, 100, N_("Keeping the analysts' decisions"))
    previous = _previous_curated(session, run)
    if previous is not None:
        carried, moved = carry_over(session, run, texts, version, previous)
        if carried is not None:
            session.add(carried)
        counts.update({f"carried_{key}": value for key, value in moved.items()})
        run.previous_run_id = previous.run_id
    run.summary = dict(counts)
    run.status = RunStatus.DONE.value
    run.finished_at = utcnow()
    session.add(run)
    job.progress(100, 100, N_("Done"))


def _previous_curated(session: Session, run: InsightRun) -> ThemeVersion | None:
    """The newest version of the newest earlier finished run, if an analyst curated it."""
    previous = session.exec(
        select(InsightRun)
        .where(InsightRun.consultation_id == run.consultation_id, InsightRun.status == RunStatus.DONE.value, col(InsightRun.id) < run.id)
        .order_by(col(InsightRun.id).desc())
        .limit(1)
    ).first()
    if previous is None:
        return None
    latest = session.exec(
        select(ThemeVersion).where(ThemeVersion.run_id == previous.id).order_by(col(ThemeVersion.number).desc()).limit(1)
    ).first()
    if latest is None or latest.number == 1:
        return None
    return latest


def sizes_by_theme(version: ThemeVersion) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for key in version.assignments.values():
        counts[key] += 1
    return dict(counts)
