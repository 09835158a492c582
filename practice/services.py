"""The practice check's use cases: the vocabulary, mappings and recommendation links the team
manages; training (a background job) into a signed, versioned model file; answering for a
described practice on a page, through the JSON endpoint or `baraza check`; API tokens.

Young people's views arrive only through the core's `preference_sources` hook (workshops'
card sorts, surveys' mapped questions): participants who refused analysis or withdrew are
never offered, so they are in no later training. Counts shown anywhere go through
`baraza.disclosure` (SECURITY 10): under k, "too few to say", never a number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, or_, select

from baraza.accounts.auth import throttle_count, throttle_hit
from baraza.accounts.models import Context, Organisation
from baraza.accounts.roles import Actor, Grant
from baraza.audit.services import record_audit
from baraza.consultations.access import contexts_of
from baraza.consultations.models import PARTICIPATION, Consultation
from baraza.consultations.screening import screen_for
from baraza.db import registry_of, utcnow
from baraza.disclosure import k_for, suppress_counts
from baraza.errors import InvalidInput, NotFound, TooManyRequests
from baraza.events import Event
from baraza.i18n import N_
from baraza.jobs.models import Job
from baraza.jobs.services import enqueue
from baraza.participation.api import analysable_participant_ids, offered_age_bands, quotable_participant_ids, sorted_age_bands
from baraza.participation.models import ConsentStatus, Participant
from baraza.refs import Ref
from baraza.registry import EndorsementItem, PreferenceItem, PreferenceMapping
from baraza.settings import Settings
from practice import files
from practice.model import (
    ANSWERS,
    RETENTIONS,
    SAFEGUARDS,
    Observation,
    Practice,
    PracticeModel,
    assess,
    evidence_for,
    fit,
    has_skill,
    percent,
    spread_interval,
)
from practice.models import ApiToken, PracticeModelVersion, PracticeShare, PracticeTerm, QuestionMapping, RecommendationLink
from practice.vocabulary import KINDS, default_terms

JOB = "practice.train"
SWEEP_JOB = "practice.sweep"
MODEL_FILE_RE = re.compile(r"^v[0-9]{1,9}\.json$")
# One endorsement (or rejection) of a linked recommendation counts as this much of a direct
# answer, shared evenly among the cells (kind of data x receiver x purpose) the link covers.
ENDORSEMENT_WEIGHT = 0.5
ENDORSEMENT_SOURCE = "endorsements"
# A model learns from these data categories: when one of them expires, so do the models
# trained on it (retention_purgers).
MODEL_CATEGORIES = ("answers", "age_band", PARTICIPATION)
CODE_RE = re.compile(r"^[a-z0-9_]{1,32}$")
API_LIMIT = 30  # checks per token per minute
API_WINDOW = timedelta(minutes=1)
MAX_FREE_TEXT = 1000
MAX_PARTS = 6  # kinds of data, users or purposes in one practice


def model_dir(settings: Settings, consultation_id: int) -> Path:
    return settings.var_dir / "practice" / str(consultation_id)


# Vocabulary -------------------------------------------------------------------------------------------


def vocabulary(session: Session, organisation_id: int, *, active_only: bool = True) -> list[PracticeTerm]:
    query = select(PracticeTerm).where(PracticeTerm.organisation_id == organisation_id)
    if active_only:
        query = query.where(col(PracticeTerm.active).is_(True))
    return list(session.exec(query.order_by(col(PracticeTerm.kind), col(PracticeTerm.position), col(PracticeTerm.id))).all())


def ensure_vocabulary(session: Session, organisation_id: int) -> list[PracticeTerm]:
    """The organisation's vocabulary, seeded from the card sort's and data categories' codes
    the first time (no commit: the caller's)."""
    terms = vocabulary(session, organisation_id, active_only=False)
    if terms:
        return terms
    for position, (kind, code, labels) in enumerate(default_terms()):
        session.add(PracticeTerm(organisation_id=organisation_id, kind=kind, code=code, labels=labels, position=position))
    session.flush()
    return vocabulary(session, organisation_id, active_only=False)


def term_label(terms: Sequence[PracticeTerm], kind: str, code: str, lang: str) -> str:
    for t in terms:
        if t.kind == kind and t.code == code:
            return t.labels.get(lang) or t.labels.get("en") or next(iter(t.labels.values()), code)
    return code


def do_save_term(
    session: Session, actor: Actor, consultation: Consultation, *, kind: str, code: str, labels: Mapping[str, str], active: bool = True
) -> PracticeTerm:
    """Add a word to the vocabulary of the consultation's organisation, or change its labels
    or whether it is offered. Audited."""
    problems: dict[str, str] = {}
    if kind not in KINDS:
        problems["kind"] = N_("Choose a kind of word.")
    if not CODE_RE.match(code):
        problems["code"] = N_("A code is 1 to 32 small letters, digits or _.")
    clean = {lang: text.strip()[:120] for lang, text in labels.items() if lang in consultation.languages and text.strip()}
    if not clean:
        problems["labels"] = N_("Give the word a label in at least one language.")
    if problems:
        raise InvalidInput(errors=problems)
    ensure_vocabulary(session, consultation.organisation_id)
    row = session.exec(
        select(PracticeTerm).where(PracticeTerm.organisation_id == consultation.organisation_id, PracticeTerm.kind == kind, PracticeTerm.code == code)
    ).one_or_none()
    if row is None:
        row = PracticeTerm(organisation_id=consultation.organisation_id, kind=kind, code=code, position=1000)
    row.labels = {**row.labels, **clean}
    row.active = active
    session.add(row)
    session.flush()
    record_audit(session, actor, "practice.term_saved", [("organisation", consultation.organisation_id)], {"kind": kind, "code": code, "active": active})
    session.commit()
    return row


def do_add_card_sort_codes(session: Session, actor: Actor, consultation: Consultation) -> int:
    """Add to the vocabulary every code the consultation's card sorts use that it lacks (its
    label is the code until the team writes one). Returns how many were added."""
    terms = ensure_vocabulary(session, consultation.organisation_id)
    known = {(t.kind, t.code) for t in terms}
    added = 0
    for item in preference_items(session, consultation.id):  # type: ignore[arg-type]
        for kind, code in (("data_kind", item.data_kind), ("user", item.data_user), ("purpose", item.purpose)):
            if (kind, code) not in known and CODE_RE.match(code):
                session.add(PracticeTerm(organisation_id=consultation.organisation_id, kind=kind, code=code, labels={"en": code}, position=1000))
                known.add((kind, code))
                added += 1
    session.flush()
    record_audit(session, actor, "practice.terms_imported", [("consultation", consultation.id)], {"added": added})
    session.commit()
    return added


# Mappings and links ------------------------------------------------------------------------------------


def _check_codes(session: Session, consultation: Consultation, data_kind: str | None, data_user: str | None, purpose: str | None, problems: dict[str, str]) -> None:
    codes = {(t.kind, t.code) for t in ensure_vocabulary(session, consultation.organisation_id) if t.active}
    for name, kind, value in (("data_kind", "data_kind", data_kind), ("data_user", "user", data_user), ("purpose", "purpose", purpose)):
        if value and (kind, value) not in codes:
            problems[name] = N_("Choose a word from the vocabulary.")


def mappings_of(session: Session, consultation_id: int) -> list[QuestionMapping]:
    return list(session.exec(select(QuestionMapping).where(QuestionMapping.consultation_id == consultation_id).order_by(col(QuestionMapping.id))).all())


def do_map_question(
    session: Session, actor: Actor, consultation: Consultation, *, question: str, data_kind: str, data_user: str, purpose: str,
    answers: Mapping[str, str], safeguards: Sequence[str] = (), retention: str | None = None, language: str = "en",
) -> QuestionMapping:
    """Read a survey question as a card of the vocabulary. Audited."""
    problems: dict[str, str] = {}
    offered = {q.key: q for source in registry_of(session).preference_sources for q in source.questions(session, consultation.id, language)}  # type: ignore[arg-type]
    q = offered.get(question)
    if q is None:
        problems["question"] = N_("Choose a question.")
    if not (data_kind and data_user and purpose):
        problems["codes"] = N_("Choose a kind of data, who receives it and a purpose.")
    _check_codes(session, consultation, data_kind, data_user, purpose, problems)
    options = {value for value, _label in q.options} if q else set()
    clean = {value: reading for value, reading in answers.items() if value in options and reading in ANSWERS}
    if q is not None and not clean:
        problems["answers"] = N_("Say what at least one option means.")
    if any(s not in SAFEGUARDS for s in safeguards) or (retention and retention not in RETENTIONS):
        problems["conditions"] = N_("Choose conditions from the list.")
    if problems:
        raise InvalidInput(errors=problems)
    row = session.exec(select(QuestionMapping).where(QuestionMapping.consultation_id == consultation.id, QuestionMapping.question == question)).one_or_none()
    row = row or QuestionMapping(consultation_id=consultation.id, question=question, data_kind=data_kind, data_user=data_user, purpose=purpose)  # type: ignore[arg-type]
    row.data_kind, row.data_user, row.purpose = data_kind, data_user, purpose
    row.answers, row.safeguards, row.retention = clean, list(safeguards), retention or None
    row.created_by_user_id = actor.user_id
    session.add(row)
    session.flush()
    record_audit(session, actor, "practice.question_mapped", [("consultation", consultation.id)], {"question": question[:160]})
    session.commit()
    return row


def do_unmap_question(session: Session, actor: Actor, consultation: Consultation, mapping_id: int) -> None:
    row = session.exec(select(QuestionMapping).where(QuestionMapping.id == mapping_id, QuestionMapping.consultation_id == consultation.id)).one_or_none()
    if row is None:
        raise NotFound()
    session.delete(row)
    record_audit(session, actor, "practice.question_unmapped", [("consultation", consultation.id)], {"question": row.question})
    session.commit()


def links_of(session: Session, consultation_id: int) -> list[RecommendationLink]:
    return list(session.exec(select(RecommendationLink).where(RecommendationLink.consultation_id == consultation_id).order_by(col(RecommendationLink.id))).all())


def do_link_recommendation(
    session: Session, actor: Actor, consultation: Consultation, *, recommendation: str, commitment: str | None,
    data_kind: str | None, data_user: str | None, purpose: str | None, endorse_means: str = "", reject_means: str = "",
) -> RecommendationLink:
    """Say which practices a recommendation youth endorsed is about (blank codes: any), the
    tracker commitment answering it, and what an endorsement and a rejection of it in the youth
    review say about those practices ("fine", "not_fine", "depends"; blank: not counted, only
    cited). Only records the actor may pick (the kinds' choices)."""
    registry = registry_of(session)
    problems: dict[str, str] = {}
    recs = {str(c.ref): c for c in registry.choices_of(session, actor, "insights.recommendation", consultation.id)}  # type: ignore[arg-type]
    commitments = {str(c.ref): c for c in registry.choices_of(session, actor, "tracker.commitment", consultation.id)}  # type: ignore[arg-type]
    card = recs.get(recommendation)
    if card is None:
        problems["recommendation"] = N_("Choose a recommendation.")
    commitment_card = commitments.get(commitment) if commitment else None
    if commitment and commitment_card is None:
        problems["commitment"] = N_("Choose a commitment.")
    if not (data_kind or data_user or purpose):
        problems["codes"] = N_("Name at least one kind of data, receiver or purpose.")
    if (endorse_means and endorse_means not in ANSWERS) or (reject_means and reject_means not in ANSWERS):
        problems["means"] = N_("Choose fine, it depends, not fine, or not counted.")
    _check_codes(session, consultation, data_kind, data_user, purpose, problems)
    if problems or card is None:
        raise InvalidInput(errors=problems)
    row = RecommendationLink(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        recommendation_ref=card.ref, commitment_ref=commitment_card.ref if commitment_card else None,
        data_kind=data_kind or None, data_user=data_user or None, purpose=purpose or None,
        endorse_means=endorse_means or "", reject_means=reject_means or "",
        title=card.title[:300], commitment_status=(commitment_card.status if commitment_card else "")[:80], created_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    record_audit(
        session, actor, "practice.recommendation_linked", [card.ref, ("consultation", consultation.id)],
        {"endorse_means": endorse_means or None, "reject_means": reject_means or None},
    )
    session.commit()
    return row


def do_unlink_recommendation(session: Session, actor: Actor, consultation: Consultation, link_id: int) -> None:
    row = session.exec(select(RecommendationLink).where(RecommendationLink.id == link_id, RecommendationLink.consultation_id == consultation.id)).one_or_none()
    if row is None:
        raise NotFound()
    session.delete(row)
    record_audit(session, actor, "practice.recommendation_unlinked", [row.recommendation_ref, ("consultation", consultation.id)])
    session.commit()


# Training ----------------------------------------------------------------------------------------------


def preference_items(session: Session, consultation_id: int) -> list[PreferenceItem]:
    """Every view young people gave in the consultation, from every app, through the hook."""
    mappings = [
        PreferenceMapping(m.question, m.data_kind, m.data_user, m.purpose, dict(m.answers), tuple(m.safeguards), m.retention)
        for m in mappings_of(session, consultation_id)
    ]
    items: list[PreferenceItem] = []
    for source in registry_of(session).preference_sources:
        items.extend(source.items(session, consultation_id, mappings))
    return items


def observations_of(items: Sequence[PreferenceItem]) -> list[Observation]:
    return [
        Observation(
            person=str(i.participant_id), context=str(i.context_id or 0), age_band=i.age_band, data_kind=i.data_kind, data_user=i.data_user,
            purpose=i.purpose, answer=i.answer, safeguards=frozenset(s for s in i.safeguards if s in SAFEGUARDS),
            retention=i.retention if i.retention in RETENTIONS else None,
        )
        for i in items
        if i.answer in ANSWERS
    ]


def _link_cells(link: RecommendationLink, answered: Sequence[Observation]) -> list[tuple[str, str, str]]:
    """The cells (kind of data, receiver, purpose) a linked recommendation covers: the codes it
    names, a blank part standing for every code of that part young people answered about."""
    kinds = [link.data_kind] if link.data_kind else sorted({o.data_kind for o in answered})
    users = [link.data_user] if link.data_user else sorted({o.data_user for o in answered})
    purposes = [link.purpose] if link.purpose else sorted({o.purpose for o in answered})
    return [(k, u, p) for k in kinds for u in users for p in purposes]


@dataclass
class EndorsementEvidence:
    """Endorsements of linked recommendations read as answers, and what they came to."""

    observations: list[Observation] = field(default_factory=list)
    endorsed: int = 0  # endorsements counted (each once, whatever the cells it covers)
    rejected: int = 0
    people: set[int] = field(default_factory=set)
    recommendations: int = 0  # linked recommendations whose endorsements counted


def endorsement_evidence(session: Session, consultation_id: int, answered: Sequence[Observation]) -> EndorsementEvidence:
    """What young people's stances on linked recommendations say, as weighted observations.

    Only links the team gave a meaning (`endorse_means` / `reject_means`) count. Each stance
    the core's `endorsement_sources` hook offers (participants who allow analysis and have not
    withdrawn; checked again here) becomes one observation per cell the link covers, of weight
    ENDORSEMENT_WEIGHT / cells, in the young person's context and age band."""
    out = EndorsementEvidence()
    links = [link for link in links_of(session, consultation_id) if link.endorse_means in ANSWERS or link.reject_means in ANSWERS]
    if not links:
        return out
    registry = registry_of(session)
    analysable = set(session.exec(analysable_participant_ids(consultation_id)).all())  # type: ignore[call-overload]
    stances: dict[str, dict[int, EndorsementItem]] = defaultdict(dict)
    for source in registry.endorsement_sources:
        for item in source(session, consultation_id):
            if item.participant_id in analysable:
                stances[str(item.subject)][item.participant_id] = item  # one stance per person and recommendation
    if not stances:
        return out
    bands = dict(session.exec(select(Participant.id, Participant.age_band).where(Participant.consultation_id == consultation_id)).all())
    for link in links:
        given = stances.get(str(link.recommendation_ref), {})
        cells = _link_cells(link, answered) if given else []
        if not cells:
            continue
        weight = ENDORSEMENT_WEIGHT / len(cells)
        counted = False
        for participant_id, item in sorted(given.items()):
            answer = link.endorse_means if item.endorses else link.reject_means
            if answer not in ANSWERS:
                continue
            counted = True
            out.people.add(participant_id)
            if item.endorses:
                out.endorsed += 1
            else:
                out.rejected += 1
            for kind, user, purpose in cells:
                out.observations.append(Observation(
                    person=str(participant_id), context=str(item.context_id or 0), age_band=bands.get(participant_id), data_kind=kind,
                    data_user=user, purpose=purpose, answer=answer, weight=weight, evidence="endorsement",
                ))
        out.recommendations += counted
    return out


def do_start_training(session: Session, actor: Actor, consultation: Consultation) -> Job:
    """Queue a training of the consultation's model (a background job). Audited."""
    job = enqueue(session, JOB, {"consultation_id": consultation.id}, consultation_id=consultation.id, actor=actor)
    record_audit(session, actor, "practice.training_started", [Ref("job", job.id), ("consultation", consultation.id)])
    session.commit()
    return job


@cache
def _trained_or_mapped() -> Select[Any]:
    """Has the consultation a model or a mapped question? Built once per process: every
    completed survey asks it (bench/profile_phone.py)."""
    consultation: Any = bindparam("consultation_id")
    models = PracticeModelVersion.__table__.c  # type: ignore[attr-defined]
    mapped = QuestionMapping.__table__.c  # type: ignore[attr-defined]
    return sa_select(or_(
        sa_select(models.id).where(models.consultation_id == consultation).exists(),
        sa_select(mapped.id).where(mapped.consultation_id == consultation).exists(),
    ))


def on_new_answers(session: Session, event: Event) -> None:
    """New answers, or someone withdrew or changed what may be counted: train again (once per
    consultation while a training waits), so the next version reflects it."""
    if event.consultation_id is None:
        return
    if event.name == "recommendation.reviewed" and not any(link.endorse_means or link.reject_means for link in links_of(session, event.consultation_id)):
        return  # a stance on a recommendation the model does not learn from changes nothing
    # Every completed survey asks this: one small statement for the common case, a consultation
    # the practice check has neither a model nor a mapped question for.
    trained_or_mapped = session.connection().execute(_trained_or_mapped(), {"consultation_id": event.consultation_id}).scalar_one()
    # A workshop that ended may have held a card sort: train when young people's views exist.
    if not (trained_or_mapped or (event.name == "workshop.ended" and preference_items(session, event.consultation_id))):
        return
    waiting = session.exec(
        select(Job.id).where(Job.name == JOB, Job.consultation_id == event.consultation_id, col(Job.status).in_(("queued", "running")))
    ).first()
    if waiting is None:
        enqueue(
            session, JOB, {"consultation_id": event.consultation_id, "only_if_changed": True},
            consultation_id=event.consultation_id, run_after=utcnow() + timedelta(minutes=1),
        )


def latest_model_row(session: Session, consultation_id: int) -> PracticeModelVersion | None:
    return session.exec(
        select(PracticeModelVersion).where(PracticeModelVersion.consultation_id == consultation_id).order_by(col(PracticeModelVersion.version).desc())
    ).first()


def train_job(job: Any, payload: dict[str, Any]) -> None:
    """The job: train, sign and keep a new version (nothing when nobody's views can be used)."""
    consultation_id = int(payload["consultation_id"])
    job.progress(0, 3, N_("Reading young people's answers"))
    train_consultation(job.session, job.settings, consultation_id, progress=job.progress, only_if_changed=bool(payload.get("only_if_changed")))


def _excluded(session: Session, consultation_id: int) -> dict[str, int]:
    rows = session.exec(select(Participant.consent_status, Participant.consent_analysis).where(Participant.consultation_id == consultation_id)).all()
    withdrawn = sum(1 for status, _a in rows if status == ConsentStatus.WITHDRAWN.value)
    refused = sum(1 for status, analysis in rows if status != ConsentStatus.WITHDRAWN.value and not analysis)
    return {"withdrawn": withdrawn, "refused_analysis": refused}


def inputs_fingerprint(settings: Settings, observations: Sequence[Observation], **also: Any) -> str:
    """What a training reads, as one keyed hash: the same answers (and settings in `also`) give
    the same fingerprint. Keyed, so the model card it is kept in confirms nothing about anyone's
    answers to someone guessing them."""
    rows = sorted(
        json.dumps([o.person, o.context, o.age_band, o.data_kind, o.data_user, o.purpose, o.answer, sorted(o.safeguards),
                    o.retention, round(o.weight, 9), o.evidence])
        for o in observations
    )
    text = json.dumps({"observations": rows, **also}, sort_keys=True, default=str)
    return hmac.new(settings.secret_key.encode(), b"practice-inputs:" + text.encode(), hashlib.sha256).hexdigest()


def train_consultation(
    session: Session, settings: Settings, consultation_id: int, *, bootstrap: int = 30, measure: bool = True, progress: Any = None,
    only_if_changed: bool = False,
) -> PracticeModelVersion | None:
    """Train the consultation's model on what its young people said, write the signed file and
    record the version (commits). None when there is nothing to learn from, or, with
    `only_if_changed` (the trainings new answers start), when nothing it reads has changed since
    the latest version: the same inputs would give the same model under a new number."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    k = k_for(consultation)
    items = preference_items(session, consultation_id)
    answered = observations_of(items)
    endorsements = endorsement_evidence(session, consultation_id, answered)
    observations = answered + endorsements.observations
    contexts = contexts_of(session, consultation)
    if len({o.person for o in observations}) < k:
        # Fewer than k young people: no model, since every answer would rest on too few.
        record_audit(session, None, "system.practice_not_trained", [("consultation", consultation_id)], {"reason": "too_few"})
        session.commit()
        return None
    excluded_counts = _excluded(session, consultation_id)
    fingerprint = inputs_fingerprint(
        settings, observations, k=k, contexts=sorted(str(c.id) for c in contexts), bootstrap=bootstrap, measure=measure,
        excluded=excluded_counts, format=1,
    )
    previous = latest_model_row(session, consultation_id)
    if only_if_changed and previous is not None and (previous.card or {}).get("inputs") == fingerprint:
        record_audit(session, None, "system.practice_not_trained", [("consultation", consultation_id)], {"reason": "unchanged"})
        session.commit()
        if progress:
            progress(3, 3, N_("Nothing new to learn from: the latest version stays"))
        return None
    if progress:
        progress(1, 3, N_("Training the model"))
    model = fit(observations, contexts=[str(c.id) for c in contexts], bootstrap=bootstrap, measure=measure, seed=consultation_id)
    sources = Counter(i.source for i in items)
    people_by_source: dict[str, set[int]] = defaultdict(set)
    for i in items:
        people_by_source[i.source].add(i.participant_id)
    names = {str(c.id): c.name for c in contexts}
    card_contexts = []
    for key, info in model.contexts.items():
        people = suppress_counts({"n": info["people"]}, k=k).cells["n"]
        card_contexts.append({
            "key": key, "name": names.get(key, ""), "people": people.value, "answers": info["answers"] if people.value is not None else None,
            "pooled": bool(info["pooled"]), "no_data": info["people"] == 0,
        })
    excluded = {name: suppress_counts({"n": n}, k=k).cells["n"].value for name, n in excluded_counts.items()}
    version = (previous.version + 1) if previous else 1
    trained_at = utcnow()
    card = {
        "consultation": consultation.title_in(consultation.default_language), "trained_at": trained_at.isoformat(timespec="seconds"),
        "version": version, "k": k, "people": model.people, "answers": model.answers, "contexts": card_contexts,
        "sources": {s: {"answers": n, "people": suppress_counts({"n": len(people_by_source[s])}, k=k).cells["n"].value} for s, n in sources.items()},
        "excluded": excluded, "quality": model.quality.as_dict() if model.quality else None, "calibrated": model.calibrated,
        "bootstrap": bootstrap, "pooling_min": 20, "keep_versions": settings.practice_keep_versions, "inputs": fingerprint,
    }
    if endorsements.observations:
        stance_counts = suppress_counts({"endorsed": endorsements.endorsed, "rejected": endorsements.rejected}, k=k).cells
        card["endorsements"] = {
            "recommendations": endorsements.recommendations, "endorsed": stance_counts["endorsed"].value,
            "rejected": stance_counts["rejected"].value, "people": suppress_counts({"n": len(endorsements.people)}, k=k).cells["n"].value,
            "weight": ENDORSEMENT_WEIGHT,
        }
    payload = {"consultation_id": consultation_id, "version": version, "trained_at": card["trained_at"], "card": card, "model": model.to_dict()}
    data = files.sign(payload, settings.secret_key)
    directory = model_dir(settings, consultation_id)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"v{version}.json"
    (directory / name).write_bytes(data)
    row = PracticeModelVersion(
        consultation_id=consultation_id, version=version, file_name=name, sha256=hashlib.sha256(data).hexdigest(),
        people=model.people, answers=model.answers, card=card, created_at=trained_at,
    )
    session.add(row)
    session.flush()
    pruned = prune_versions(session, settings, consultation_id)
    record_audit(
        session, None, "system.practice_trained", [Ref("practice.model", row.id), ("consultation", consultation_id)], {"version": version, "pruned": pruned}
    )
    session.commit()
    if progress:
        progress(3, 3, N_("Model ready"))
    return row


# Retention of model files ------------------------------------------------------------------------------


def _delete_version(session: Session, settings: Settings, row: PracticeModelVersion) -> None:
    path = model_dir(settings, row.consultation_id) / row.file_name
    path.unlink(missing_ok=True)
    _LOADED.pop((str(path), row.sha256), None)
    session.delete(row)


def prune_versions(session: Session, settings: Settings, consultation_id: int) -> int:
    """Keep the newest `settings.practice_keep_versions` versions (file and row); delete the
    older ones. Returns how many went (no commit)."""
    rows = session.exec(
        select(PracticeModelVersion).where(PracticeModelVersion.consultation_id == consultation_id).order_by(col(PracticeModelVersion.version).desc())
    ).all()
    old = list(rows[max(1, settings.practice_keep_versions):])
    for row in old:
        _delete_version(session, settings, row)
    session.flush()
    return len(old)


def purge_expired(session: Session, consultation: Consultation, category: str, cutoff: Any) -> int:
    """The core's retention purge: a model learned from answers, age bands and taking part;
    when one of those categories expires, every version trained before the cutoff (so only on
    data collected before it) goes, its row now and its file with the sweep job (a purger has
    no settings to find the folder). A training is queued so the check answers again from the
    data that is kept (nothing when fewer than k young people remain). Returns the versions
    deleted; no commit."""
    if category not in MODEL_CATEGORIES:
        return 0
    old = session.exec(
        select(PracticeModelVersion).where(PracticeModelVersion.consultation_id == consultation.id, col(PracticeModelVersion.created_at) < cutoff)
    ).all()
    if not old:
        return 0
    for row in old:
        session.delete(row)
    session.flush()
    for name, payload in ((SWEEP_JOB, {}), (JOB, {"consultation_id": consultation.id})):
        waiting = session.exec(
            select(Job.id).where(Job.name == name, Job.consultation_id == consultation.id, col(Job.status).in_(("queued", "running")))
        ).first()
        if waiting is None:  # once per consultation, whichever categories expired
            enqueue(session, name, payload, consultation_id=consultation.id)
    return len(old)


def sweep_files(session: Session, settings: Settings) -> int:
    """Delete every model file no version row knows (a purged version, a consultation that no
    longer exists) and folders left empty; and versions beyond what is kept. Returns the files
    deleted. Touches only `v<n>.json` files under var/practice/<consultation id>/."""
    root = settings.var_dir / "practice"
    if not root.is_dir():
        return 0
    known = {(r.consultation_id, r.file_name) for r in session.exec(select(PracticeModelVersion)).all()}
    existing = set(session.exec(select(Consultation.id)).all())
    deleted = 0
    for folder in root.iterdir():
        if not (folder.is_dir() and folder.name.isdigit()):
            continue
        consultation_id = int(folder.name)
        if consultation_id in existing:
            deleted += prune_versions(session, settings, consultation_id)
        for path in folder.iterdir():
            if path.is_file() and MODEL_FILE_RE.match(path.name) and (consultation_id, path.name) not in known:
                path.unlink(missing_ok=True)
                deleted += 1
        if not any(folder.iterdir()):
            folder.rmdir()
    return deleted


def sweep_job(job: Any, payload: dict[str, Any]) -> None:
    """The job: delete model files whose versions are gone (daily, and after a purge)."""
    deleted = sweep_files(job.session, job.settings)
    if deleted:
        record_audit(job.session, None, "system.practice_files_swept", [], {"deleted": deleted})
    job.session.commit()


_LOADED: dict[tuple[str, str], tuple[PracticeModel, dict[str, Any]]] = {}


def load_model(settings: Settings, row: PracticeModelVersion) -> tuple[PracticeModel, dict[str, Any]]:
    """The version's model, from its signed file (verified; kept once per process)."""
    path = model_dir(settings, row.consultation_id) / row.file_name
    key = (str(path), row.sha256)
    if key not in _LOADED:
        payload = files.read(path, settings.secret_key)
        _LOADED[key] = (PracticeModel.from_dict(payload["model"]), payload)
    return _LOADED[key]


# Describing and answering --------------------------------------------------------------------------------


@dataclass
class Description:
    """A described practice as the form or the JSON gave it, checked against the vocabulary."""

    data_kinds: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    age_bands: list[str] = field(default_factory=list)
    safeguards: list[str] = field(default_factory=list)
    retention: str = ""
    context: str = ""
    text: str = ""

    def practice(self) -> Practice:
        return Practice(tuple(self.data_kinds), tuple(self.users), tuple(self.purposes), tuple(self.age_bands), frozenset(self.safeguards), self.retention or None)


@dataclass(frozen=True)
class CheckScope:
    """The contexts (ids, as text) an answer may be about and show young people's words and
    counts from: those the asker's role reaches (access.contexts_for_check). `whole`: every
    context of the consultation, so "all contexts together" may be asked."""

    contexts: tuple[str, ...]
    whole: bool = True


def scope_for(session: Session, actor: Actor, consultation: Consultation) -> CheckScope:
    from practice.access import contexts_for_check

    reached = [c for c in contexts_for_check(session, actor, consultation) if c.id is not None]
    every = {c.id for c in contexts_of(session, consultation)}
    return CheckScope(tuple(str(c.id) for c in reached), whole={c.id for c in reached} >= every)


def whole_scope(session: Session, consultation: Consultation) -> CheckScope:
    """Every context: the API token (issued for the consultation's check as a whole)."""
    return CheckScope(tuple(str(c.id) for c in contexts_of(session, consultation)), whole=True)


def age_bands_of(session: Session, consultation: Consultation, contexts: Sequence[Context] | None = None) -> list[str]:
    """The age bands a practice may be asked about, as survey results offer them: every band a
    young person can choose in the consultation's contexts (or the given ones: those the asker
    reaches), drawn from each context's age of consent and the consultation's ages
    (`offered_age_bands`: "13", "14" where the age of consent is 14, "13 to 14" where it is
    18), and any other band at least k of its analysable young people are in. The list comes
    from the settings, so it tells nothing about anyone; a band few or none are in is answered
    for all ages, and the answer says nobody (or fewer than k) of that age was asked."""
    places = contexts_of(session, consultation) if contexts is None else list(contexts)
    query = select(Participant.age_band, func.count()).where(  # type: ignore[call-overload]
        col(Participant.id).in_(analysable_participant_ids(consultation.id)),  # type: ignore[arg-type]
        col(Participant.age_band).is_not(None),
    )
    if contexts is not None:
        query = query.where(col(Participant.context_id).in_([c.id for c in places]))
    rows = session.exec(query.group_by(col(Participant.age_band))).all()
    k = k_for(consultation)
    common = [str(band) for band, n in rows if band and n >= k]
    return sorted_age_bands([*offered_age_bands(session, consultation, places), *common])


def check_description(session: Session, consultation: Consultation, d: Description, scope: CheckScope | None = None) -> Description:
    """InvalidInput with a message per field for anything outside the vocabulary (SECURITY 35),
    or a context (or an age band) outside what the asker's role reaches (`scope`; None: every
    context). Without a context, one reached context stands for itself; several, when the
    role does not reach every context, must be chosen from: "all contexts together" would
    answer from young people the asker may not see."""
    scope = scope or whole_scope(session, consultation)
    reached = [c for c in contexts_of(session, consultation) if str(c.id) in scope.contexts]
    terms = ensure_vocabulary(session, consultation.organisation_id)
    codes: dict[str, set[str]] = defaultdict(set)
    for t in terms:
        if t.active:
            codes[t.kind].add(t.code)
    problems: dict[str, str] = {}
    for name, kind, values in (("data_kinds", "data_kind", d.data_kinds), ("users", "user", d.users), ("purposes", "purpose", d.purposes)):
        if not values:
            problems[name] = N_("Choose at least one.")
        elif len(values) > MAX_PARTS:
            problems[name] = N_("Choose at most %(max)s.", max=MAX_PARTS)
        elif any(v not in codes[kind] for v in values):
            problems[name] = N_("Unknown word: choose from the vocabulary.")
    if d.age_bands and not set(d.age_bands) <= set(age_bands_of(session, consultation, None if scope.whole else reached)):
        # Never answered over all ages instead: the answer would say "about whom" falsely.
        problems["age_bands"] = N_("Choose from the age bands this consultation offers.")
    if any(s not in SAFEGUARDS for s in d.safeguards):
        problems["safeguards"] = N_("Unknown safeguard.")
    if d.retention and d.retention not in RETENTIONS:
        problems["retention"] = N_("Unknown retention period.")
    if d.context and d.context not in scope.contexts:
        # The same refusal whether the context does not exist or the role does not reach it.
        problems["context"] = N_("Choose one of the contexts your role reaches.")
    elif not d.context and not scope.whole:
        if len(scope.contexts) == 1:
            d.context = scope.contexts[0]
        else:
            problems["context"] = N_("Choose a context: your role reaches only some of this consultation's contexts.")
    if len(d.text) > MAX_FREE_TEXT:
        problems["text"] = N_("Keep the description under %(max)s characters.", max=MAX_FREE_TEXT)
    if problems:
        raise InvalidInput(N_("Some of the practice is not in this consultation's vocabulary."), errors=problems)
    d.data_kinds, d.users, d.purposes = sorted(set(d.data_kinds)), sorted(set(d.users)), sorted(set(d.purposes))
    d.age_bands, d.safeguards = sorted(set(d.age_bands)), sorted(set(d.safeguards))
    return d


@dataclass
class Result:
    """The answer, ready to show or send: every count already through the small-numbers rule."""

    model: PracticeModelVersion | None
    too_few: bool = False
    verdict: str = ""
    fine: int = 0
    depends: int = 0
    not_fine: int = 0
    interval: tuple[int, int] = (0, 0)
    people: int | None = None  # young people behind the answer (None: fewer than k)
    about_part: int | None = None  # of them, how many answered about the worst part's use
    context_name: str = ""
    pooled: bool = False
    no_context_data: bool = False
    worst_part: tuple[str, str, str] = ("", "", "")
    against: list[tuple[str, str]] = field(default_factory=list)  # (part, code)
    changes: list[tuple[str, str, int]] = field(default_factory=list)  # (part, code, new % fine)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    k: int = 5
    # How much direct evidence stands behind it (docs/practice-check.md, "How sure it is"):
    # the young people of the contexts and age bands asked about ("ok": at least k, "few",
    # "none", "": the model file does not say), and of them those who answered about the
    # practice's least acceptable use ("about"); chosen bands nobody, or fewer than k, are in.
    group: str = ""
    about: str = ""
    bands_unasked: list[str] = field(default_factory=list)
    bands_few: list[str] = field(default_factory=list)
    # The model does no better on held-out young people than guessing the most common answer.
    no_skill: bool = False
    accuracy: int | None = None
    majority_accuracy: int | None = None
    people_elsewhere: bool = False  # rests on young people of contexts the asker does not reach
    unhelpful_safeguards: list[str] = field(default_factory=list)

    @property
    def guess(self) -> bool:
        """Nobody (or fewer than k) of those asked about was asked, or answered about this use:
        the answer is read off other groups and other uses."""
        return self.group in ("none", "few") or self.about in ("none", "few") or bool(self.bands_unasked or self.bands_few)

    @property
    def thin(self) -> bool:
        """No confident percentage: a widened range instead of a point, no verdict. A model no
        better than the most common answer to each card still says what young people answered
        about a use they were asked about (with a caveat), but not beyond it."""
        return self.guess

    @property
    def withheld(self) -> bool:
        """A guess from other groups by a model no better than guessing: no figure at all."""
        return self.guess and self.no_skill

    @property
    def answer_code(self) -> str:
        return "cannot_say" if self.withheld else "uncertain" if self.thin else self.verdict

    def as_json(self, labels: Mapping[tuple[str, str], str] | None = None) -> dict[str, Any]:
        def label(part: str, code: str) -> str:
            return (labels or {}).get((part, code), code)

        if self.model is None:
            return {"answer": "no_model", "message": "No model has been trained for this consultation yet."}
        base = {"model_version": self.model.version, "trained_at": self.model.card.get("trained_at"), "k": self.k}
        if self.too_few:
            return {**base, "answer": "too_few_to_say", "message": f"Fewer than {self.k} young people stand behind any answer here."}
        evidence = {
            "group": self.group or None, "about_this_use": self.about or None, "age_bands_not_asked": self.bands_unasked,
            "age_bands_fewer_than_k": self.bands_few, "model_beats_guessing": None if self.accuracy is None else not self.no_skill,
            "accuracy": None if self.accuracy is None else self.accuracy / 100,
            "majority_accuracy": None if self.majority_accuracy is None else self.majority_accuracy / 100,
        }
        confident = not self.thin
        return {
            **base, "answer": self.answer_code, "leaning": None if self.withheld else self.verdict,
            "acceptable_probability": self.fine / 100 if confident else None,
            "interval": None if self.withheld else [self.interval[0] / 100, self.interval[1] / 100],
            "probabilities": {"fine": self.fine / 100, "depends": self.depends / 100, "not_fine": self.not_fine / 100} if confident else None,
            "evidence": evidence, "unhelpful_safeguards": self.unhelpful_safeguards,
            "young_people": self.people, "context": self.context_name or None, "pooled": self.pooled,
            "pooled_note": ("no data in this context: the answer pooled across all contexts" if self.no_context_data else
                            "few answers in this context: the answer leans on the other contexts" if self.pooled else None),
            "weighs_against": [{"part": p, "code": c, "label": label(p, c)} for p, c in self.against],
            "best_changes": [{"part": p, "code": c, "label": label(p, c), "acceptable_probability": f / 100 if confident and not self.no_skill else None}
                             for p, c, f in self.changes],
            "recommendations": self.recommendations, "quotes": self.quotes, "unknown_to_model": self.unknown,
        }


def _touches(link: RecommendationLink, practice: Practice) -> bool:
    return (
        (link.data_kind is None or link.data_kind in practice.data_kinds)
        and (link.data_user is None or link.data_user in practice.users)
        and (link.purpose is None or link.purpose in practice.purposes)
    )


# Words that say nothing about which data a label is about ("My answers", "Information about
# my family"): they must not make a recommendation "about" a practice.
_GENERIC_WORDS = frozenset(
    "data datos données dados information informations información informação informações taarifa about sobre what where"
    " and the for with from que qué ce dónde où estoy mis mes meu minha mon les los las des del une una uma"
    " معلومات بيانات عن".split()
)
_WORD_RE = re.compile(r"\w+")


def _stems(text: str) -> set[str]:
    """The words of a label or a title, reduced so a data kind's label finds a title that names
    it ("ID documents and fingerprints" and "Make fingerprints ... optional"): case and
    accents folded, a plural's s dropped, the Arabic article (and a leading "and") dropped;
    short and generic words left out."""
    out = set()
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for word in _WORD_RE.findall(folded):
        for prefix in ("وال", "ال"):
            if word.startswith(prefix) and len(word) > len(prefix) + 2:
                word = word[len(prefix):]
                break
        if len(word) < 3 or word.isdigit() or word in _GENERIC_WORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.add(word)
    return out


def _mentions(title: str, practice: Practice, terms: Sequence[PracticeTerm]) -> bool:
    """Whether a recommendation's title names a kind of data the practice uses, in any of the
    vocabulary's languages: "Make fingerprints and iris scans optional for aid registration"
    is about a practice using "ID documents and fingerprints". The kind of data, not the
    receiver or purpose: those words ("a company", "research") name too much."""
    words = _stems(title)
    for t in terms:
        if t.kind == "data_kind" and t.code in practice.data_kinds:
            if any(words & _stems(label) for label in t.labels.values()):
                return True
    return False


def _recommendations(session: Session, actor: Actor, consultation: Consultation, practice: Practice) -> list[dict[str, Any]]:
    """The recommendations the practice touches: those the team linked to its codes, then any
    other the asker may see whose title names a kind of data it uses (a draft not yet put to
    young people aside), marked as found by its words."""
    registry = registry_of(session)
    out = []
    linked = set()
    for link in links_of(session, consultation.id):  # type: ignore[arg-type]
        linked.add(str(link.recommendation_ref))
        if not _touches(link, practice):
            continue
        card = registry.resolve(session, actor, link.recommendation_ref)
        commitment = registry.resolve(session, actor, link.commitment_ref) if link.commitment_ref else None
        out.append({
            "ref": str(link.recommendation_ref), "title": card.title if card else link.title,
            "route_name": card.route_name if card else None, "params": card.params if card else {},
            "commitment_status": commitment.status if commitment else link.commitment_status,
            "commitment_route": commitment.route_name if commitment else None, "commitment_params": commitment.params if commitment else {},
            "status_as_of": None if commitment else link.seen_at.date().isoformat() if link.commitment_ref else None,
            "by_words": False,
        })
    terms = vocabulary(session, consultation.organisation_id)
    for card in registry.choices_of(session, actor, "insights.recommendation", consultation.id):  # type: ignore[arg-type]
        if str(card.ref) in linked or card.status == "draft" or not _mentions(card.title, practice, terms):
            continue
        out.append({
            "ref": str(card.ref), "title": card.title, "route_name": card.route_name, "params": card.params, "commitment_status": "",
            "commitment_route": None, "commitment_params": {}, "status_as_of": None, "by_words": True,
        })
    return out


def _quotes(session: Session, consultation: Consultation, items: Sequence[PreferenceItem], part: tuple[str, str, str], limit: int = 3) -> list[str]:
    """Why young people said it, in their words: reasons given for the same use of data, of
    people who allow quoting (never withdrawn), screened, never a source safeguarding holds."""
    from baraza.safeguarding.services import held_sources

    reasons = {it.reason for it in items if it.reason is not None and (it.data_kind, it.data_user, it.purpose) == part}
    if not reasons:
        return []
    registry = registry_of(session)
    quotable = set(session.exec(quotable_participant_ids(consultation.id)).all())  # type: ignore[call-overload, arg-type]
    held = held_sources(session, consultation.id)  # type: ignore[arg-type]
    out: list[str] = []
    for source in registry.text_sources:
        for text in source(session, consultation.id):
            ref = Ref(text.source, text.source_id)
            if ref not in reasons or ref in held or text.participant_id not in quotable:
                continue
            screened = screen_for(session, consultation.id, text.text, text.language)
            if screened.held or screened.disclosure or screened.text in out:
                continue  # held or a disclosure never shown; the same words once
            out.append(screened.text)
            if len(out) >= limit:
                return out
    return out


def answer_practice(
    session: Session, settings: Settings, actor: Actor, consultation: Consultation, d: Description, *, quotes: bool = True,
    scope: CheckScope | None = None,
) -> Result:
    """What the latest model says about a described practice (no write), with how much direct
    evidence stands behind it; the quotes and counts only of the contexts `scope` reaches."""
    row = latest_model_row(session, consultation.id)  # type: ignore[arg-type]
    k = k_for(consultation)
    if row is None:
        return Result(model=None, k=k)
    scope = scope or whole_scope(session, consultation)
    model, _payload = load_model(settings, row)
    practice = d.practice()
    recorded = "groups" in model.extra
    if recorded:
        # A band fewer than k young people of the model are in is not answered for on its own:
        # its column learned from too few (and would tell about them). The answer is then for
        # every age, and says below that nobody, or too few, of that age were asked.
        band_people: Counter[str] = Counter()
        for key, n in model.extra["groups"].items():
            band_people[key.split("|", 1)[1]] += int(n)
        practice = replace(practice, age_bands=tuple(b for b in practice.age_bands if band_people[b] >= k))
    context = d.context or None
    a = assess(model, practice, context)
    info = model.contexts.get(context or "", {})
    people_count = model.people if a.no_context_data else int(info.get("people", 0))
    items = preference_items(session, consultation.id) if quotes else []  # type: ignore[arg-type]
    result = Result(model=row, k=k)
    people = suppress_counts({"n": people_count}, k=k).cells["n"]
    if people.value is None:
        # Too few young people behind the context's own answer: the pooled one, if it has enough.
        if a.no_context_data or model.people < k:
            result.too_few = True
            return result
        a = assess(model, practice, None)
        people = suppress_counts({"n": model.people}, k=k).cells["n"]
    result.people = people.value
    names = {str(c.id): c.name for c in session.exec(select(Context).where(col(Context.id).in_([int(x) for x in model.contexts if x.isdigit()] or [0]))).all()}
    result.context_name = names.get(context or "", "")
    if context:
        result.pooled, result.no_context_data = a.pooled, a.no_context_data or people_count < k
    # else: every context together was asked for, and given: nothing pooled in its place.
    if (result.no_context_data or not context) and not scope.whole:
        # A pooled answer rests on every context; their total is not for a role that sees some.
        result.people, result.people_elsewhere = None, True
    result.verdict = a.verdict
    result.fine, result.depends, result.not_fine = percent(a.fine), percent(a.depends), percent(a.not_fine)
    result.worst_part = a.worst_part
    result.against = [(w.part, w.code) for w in a.against]
    result.changes = [(c.part, c.code, percent(c.fine)) for c in a.changes]
    result.unknown = a.unknown
    result.unhelpful_safeguards = a.unhelpful_safeguards
    # How sure: the young people asked about (this context, or every context the asker
    # reaches; the chosen bands), and of them those who answered about this very use.
    within: list[str] | None = [context] if context else (None if scope.whole else list(scope.contexts))
    bands = list(d.age_bands)
    if recorded:
        for band in bands:
            n = evidence_for(model, within, [band], a.worst_part).group or 0
            if n == 0:
                result.bands_unasked.append(band)
            elif n < k:
                result.bands_few.append(band)
        ev = evidence_for(model, within, bands, a.worst_part)
        group, about = ev.group or 0, ev.about or 0
        result.group = "none" if group == 0 else "few" if group < k else "ok"
        result.about = "none" if about == 0 else "few" if about < k else "ok"
        result.about_part = about if about == 0 or about >= k else None
    skill = has_skill(model)
    if skill is not None and model.quality is not None:
        result.no_skill = not skill
        result.accuracy, result.majority_accuracy = percent(model.quality.accuracy), percent(model.quality.majority_accuracy)
    interval = spread_interval(model, practice, a.worst_part, a.interval, k) if result.thin else a.interval
    result.interval = (percent(interval[0]), percent(interval[1]))
    if items and result.group in ("ok", ""):
        # Words only of the young people the answer is about, in contexts the asker reaches,
        # and only from a group of at least k (a quote from one of three is nearly a name).
        scoped = [
            it for it in items
            if (within is None or str(it.context_id or 0) in within) and (not bands or it.age_band in bands)
        ]
        result.quotes = _quotes(session, consultation, scoped, a.worst_part)
    result.recommendations = _recommendations(session, actor, consultation, d.practice())
    return result


def do_check_practice(session: Session, actor: Actor, settings: Settings, consultation: Consultation, d: Description) -> Result:
    """Answer for a practice on the page. Audited (who asked which consultation's model;
    the quotes shown are young people's words, so reading them is recorded too)."""
    scope = scope_for(session, actor, consultation)
    d = check_description(session, consultation, d, scope)
    result = answer_practice(session, settings, actor, consultation, d, scope=scope)
    refs: list[Any] = [("consultation", consultation.id)]
    if result.model is not None:
        refs.append(Ref("practice.model", result.model.id))
    record_audit(session, actor, "practice.check", refs, {"quotes": len(result.quotes), "context": d.context or None})
    session.commit()
    return result


# Sharing and API tokens ------------------------------------------------------------------------------------


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def shares_of(session: Session, consultation_id: int) -> list[PracticeShare]:
    return list(session.exec(select(PracticeShare).where(PracticeShare.consultation_id == consultation_id).order_by(col(PracticeShare.id))).all())


def do_share_check(session: Session, actor: Actor, consultation: Consultation, organisation_id: int) -> PracticeShare:
    """Let an organisation's stakeholders ask this consultation's practice check. Audited."""
    if session.get(Organisation, organisation_id) is None:
        raise InvalidInput(errors={"organisation": N_("Choose an organisation.")})
    row = session.exec(select(PracticeShare).where(PracticeShare.consultation_id == consultation.id, PracticeShare.organisation_id == organisation_id)).one_or_none()
    if row is None:
        row = PracticeShare(consultation_id=consultation.id, organisation_id=organisation_id, created_by_user_id=actor.user_id)  # type: ignore[arg-type]
        session.add(row)
        session.flush()
        record_audit(session, actor, "practice.shared", [("consultation", consultation.id), ("organisation", organisation_id)])
    session.commit()
    return row


def do_unshare_check(session: Session, actor: Actor, consultation: Consultation, share_id: int) -> None:
    row = session.exec(select(PracticeShare).where(PracticeShare.id == share_id, PracticeShare.consultation_id == consultation.id)).one_or_none()
    if row is None:
        raise NotFound()
    session.delete(row)
    record_audit(session, actor, "practice.unshared", [("consultation", consultation.id), ("organisation", row.organisation_id)])
    session.commit()


def tokens_of(session: Session, consultation_id: int) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).where(ApiToken.consultation_id == consultation_id).order_by(col(ApiToken.id).desc())).all())


def do_issue_token(session: Session, actor: Actor, consultation: Consultation, *, organisation_id: int, name: str) -> tuple[ApiToken, str]:
    """A new token for an organisation's system; returns the row and the token, shown once
    (only its sha256 is kept). Audited."""
    problems: dict[str, str] = {}
    if session.get(Organisation, organisation_id) is None:
        problems["organisation"] = N_("Choose an organisation.")
    if not name.strip():
        problems["name"] = N_("Name the system that will use the token.")
    if problems:
        raise InvalidInput(errors=problems)
    raw = "bzp_" + secrets.token_urlsafe(32)
    row = ApiToken(
        organisation_id=organisation_id, consultation_id=consultation.id, name=name.strip()[:80], token_hash=token_hash(raw),  # type: ignore[arg-type]
        prefix=raw[:10], created_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    record_audit(session, actor, "practice.token_issued", [Ref("practice.api_token", row.id), ("organisation", organisation_id), ("consultation", consultation.id)])
    session.commit()
    return row, raw


def do_revoke_token(session: Session, actor: Actor, consultation: Consultation, token_id: int) -> ApiToken:
    row = session.exec(select(ApiToken).where(ApiToken.id == token_id, ApiToken.consultation_id == consultation.id)).one_or_none()
    if row is None:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by_user_id = utcnow(), actor.user_id
        session.add(row)
        record_audit(session, actor, "practice.token_revoked", [Ref("practice.api_token", row.id), ("consultation", consultation.id)])
    session.commit()
    return row


class ApiRefusal(Exception):
    """A refusal of the JSON endpoint: its status and a plain message (and Retry-After)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after, self.errors = status, message, retry_after, errors or {}


def token_actor(token: ApiToken) -> Actor:
    """Who an API call is: the token's organisation as a stakeholder (no user)."""
    return Actor(organisation_id=token.organisation_id, grants=(Grant("stakeholder", "organisation", token.organisation_id),))


def authenticate(session: Session, authorization: str | None) -> ApiToken:
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiRefusal(401, "Send the API token as 'Authorization: Bearer <token>'.")
    raw = authorization[len("Bearer ") :].strip()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(raw))).one_or_none() if 20 <= len(raw) <= 100 else None
    if row is None or row.revoked_at is not None:
        raise ApiRefusal(401, "This API token is not valid (unknown or revoked).")
    return row


def description_from_json(body: Any) -> Description:
    if not isinstance(body, dict):
        raise ApiRefusal(400, "The body must be a JSON object.")

    def codes(name: str) -> list[str]:
        value = body.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 32 for v in value) or len(value) > 20:
            raise ApiRefusal(400, f"'{name}' must be a list of vocabulary codes.")
        return list(value)

    retention, context, text = body.get("retention") or "", body.get("context") or "", body.get("text") or ""
    if not all(isinstance(v, str | int) for v in (retention, context)) or not isinstance(text, str):
        raise ApiRefusal(400, "'retention' and 'context' are codes, 'text' is text.")
    return Description(
        data_kinds=codes("data_kinds"), users=codes("users"), purposes=codes("purposes"), age_bands=codes("age_bands"),
        safeguards=codes("safeguards"), retention=str(retention)[:16], context=str(context)[:16], text=text[:MAX_FREE_TEXT + 1],
    )


def do_check_by_token(session: Session, actor: Actor, settings: Settings, token: ApiToken, body: Any, lang: str = "en") -> dict[str, Any]:
    """The JSON endpoint's use case: rate limited per token (a refusal keeps its count),
    answered like the page (quotes included: they are already anonymised and consented), and
    audited with the token's id."""
    key = f"practice.api:{token.id}"
    if throttle_count(session, key, API_WINDOW) >= API_LIMIT:
        raise TooManyRequests(N_("Too many checks; try again in a minute."), retry_after=int(API_WINDOW.total_seconds())).recorded()
    throttle_hit(session, key)
    consultation = session.get(Consultation, token.consultation_id)
    if consultation is None:
        raise NotFound()
    d = description_from_json(body)
    try:
        d = check_description(session, consultation, d)
    except InvalidInput as exc:
        raise ApiRefusal(422, "Some of the practice is not in this consultation's vocabulary.", errors=exc.errors) from exc
    result = answer_practice(session, settings, actor, consultation, d)
    token.last_used_at = utcnow()
    session.add(token)
    refs: list[Any] = [Ref("practice.api_token", token.id), ("consultation", consultation.id), ("organisation", token.organisation_id)]
    if result.model is not None:
        refs.append(Ref("practice.model", result.model.id))
    record_audit(session, actor, "practice.api_check", refs, {"quotes": len(result.quotes)})
    session.commit()
    terms = vocabulary(session, consultation.organisation_id)
    labels = {(t.kind if t.kind != "data_kind" else "kind", t.code): term_label(terms, t.kind, t.code, lang) for t in terms}
    from practice.vocabulary import RETENTION_LABELS, SAFEGUARD_CHANGES

    labels.update({("safeguard", s): v for s, v in SAFEGUARD_CHANGES.items()})
    labels.update({("retention", r): v for r, v in RETENTION_LABELS.items()})
    return result.as_json(labels)
