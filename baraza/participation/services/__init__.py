"""Use cases of participation: joining, notices, consent and assent, and the participant's rights.

Each `do_` function commits once and writes its audit entry in the same transaction. Its
`actor` is whoever acts: a participant acts as themselves (`participant_actor`); a staff member
helping them with their recovery phrase (needs `participant.assist`) passes their own actor, the
use case records it as assisted (`actor.is_staff`) and the audit names the staff member and the
participant. Who joins, recovers or types a join code is `ANONYMOUS` until then.

By concern: `notices`, `joining` (age bands, join codes, coming back), `consent` (consent
records, guardian consent, choices, withdrawal, counts) and `rights` (about you, my data, help
with the recovery phrase, erasure). Every public name is re-exported here, so
`from baraza.participation.services import X` works as before. Apps use
`baraza.participation.api`, never this package.
"""

from baraza.participation.services.consent import (
    CHOICE_LABELS,
    CHOICES,
    CONSENT_KIND_LABELS,
    consent_history,
    do_change_consent_choices,
    do_record_guardian_consent,
    do_withdraw_participant,
    emit_participant_event,
    participation_counts,
    pending_guardian_code,
    record_consent,
)
from baraza.participation.services.joining import (
    AgeBand,
    Joined,
    age_bands,
    band_for,
    consultation_bands,
    do_check_join_code,
    do_forget_devices,
    do_join_consultation,
    do_recover_participant,
)
from baraza.participation.services.notices import (
    NOTICE_FIELDS,
    NOTICE_HEADINGS,
    do_publish_notice,
    latest_notice,
    notice_template,
    notices_of,
)
from baraza.participation.services.rights import (
    ASSIST_LOOKUPS_PER_WINDOW,
    CORE_SOURCE,
    CORRECTION_PURPOSE,
    GENDER_OPTIONS,
    access_assisted_participant,
    core_items,
    core_value_label,
    corrections_of,
    do_correct_item,
    do_delete_item,
    do_download_my_data,
    do_find_participant_by_phrase,
    do_forget_earlier,
    do_record_assist_view,
    do_save_about_you,
    erase_participant,
    my_data,
    neutralise_cell,
    participant_items,
)

__all__ = [
    "CHOICES",
    "CHOICE_LABELS",
    "CONSENT_KIND_LABELS",
    "consent_history",
    "do_change_consent_choices",
    "do_record_guardian_consent",
    "do_withdraw_participant",
    "emit_participant_event",
    "participation_counts",
    "pending_guardian_code",
    "record_consent",
    "age_bands",
    "AgeBand",
    "band_for",
    "consultation_bands",
    "do_check_join_code",
    "do_forget_devices",
    "do_join_consultation",
    "do_recover_participant",
    "Joined",
    "NOTICE_FIELDS",
    "NOTICE_HEADINGS",
    "do_publish_notice",
    "latest_notice",
    "notice_template",
    "notices_of",
    "ASSIST_LOOKUPS_PER_WINDOW",
    "CORE_SOURCE",
    "CORRECTION_PURPOSE",
    "GENDER_OPTIONS",
    "access_assisted_participant",
    "core_items",
    "core_value_label",
    "corrections_of",
    "do_correct_item",
    "do_delete_item",
    "do_forget_earlier",
    "do_download_my_data",
    "do_find_participant_by_phrase",
    "do_record_assist_view",
    "do_save_about_you",
    "erase_participant",
    "my_data",
    "neutralise_cell",
    "participant_items",
]
