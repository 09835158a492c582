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
