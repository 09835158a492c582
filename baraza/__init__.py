"""Baraza's platform core.

The design card called this package `platform/`; that name shadows Python's standard-library
`platform` module, so the core is `baraza/`.
"""

__version__ = "0.1.0"
