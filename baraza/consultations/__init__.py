"""Consultations: what is asked, where, why, which data it collects and for how long."""
