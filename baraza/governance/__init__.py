"""Data governance: impact assessment, decision log, sharing agreements, retention and purge."""
