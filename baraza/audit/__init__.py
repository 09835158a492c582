"""The tamper-evident audit log (SECURITY 23-26)."""
