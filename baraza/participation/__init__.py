"""Pseudonymous participants, notices, consent and assent, and the participant's data rights."""
