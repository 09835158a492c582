"""Live updates: the only way Baraza pushes anything to a browser.

A use case publishes to a channel (`Ref(kind, key)`) inside its transaction; browsers follow
the channel with an event stream (`GET /live/{kind}/{key}`, server-sent events) or poll it
(`/live/{kind}/{key}/poll`). Events say what changed (ids, counts), never what a person wrote;
the page then fetches the block it shows through its own permission-checked view. See
docs/architecture.md, "Live updates".
"""

from baraza.live.services import publish

__all__ = ["publish"]
