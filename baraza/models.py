"""Every table of the core, imported in one place for Alembic and the tests."""

from baraza.accounts.models import (  # noqa: F401
    Context,
    Organisation,
    PasswordReset,
    RoleGrant,
    StaffSession,
    ThrottleEvent,
    User,
    YouthGroup,
)
from baraza.audit.models import AuditEntry, AuditHead, AuditRecordRef  # noqa: F401
from baraza.consultations.models import Consultation, ConsultationContext, ConsultationDataCategory  # noqa: F401, E402
from baraza.governance.models import DataDecision, DataExport, ImpactAssessment, SharingAgreement  # noqa: F401, E402
from baraza.jobs.models import Job  # noqa: F401, E402
from baraza.live.models import LiveEvent  # noqa: F401, E402
from baraza.participation.models import ConsentRecord, Correction, Notice, Participant, ParticipantDevice  # noqa: F401, E402
from baraza.safeguarding.models import SafeguardingCase  # noqa: F401, E402
from baraza.updates.models import FeedState, ParticipantContact  # noqa: F401, E402
