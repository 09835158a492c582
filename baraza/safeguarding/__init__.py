"""The safeguarding queue: what a young person wrote that may disclose harm, for a person.

When screening (`registry.screen(...).disclosure`) flags a text, the app that stored it calls
`raise_concern(...)`. The text then reaches no screen, result, quote or theme (apps leave out
`held_sources(...)`) until someone holding `safeguarding.review` on the consultation (its
facilitators and data protection focal point) decides: referred, no concern, or kept out.

- models.py: the `safeguarding_case` table;
- services.py: `raise_concern`, `held_sources`, `is_cleared` (for every app), the permission-
  checked getters and the reviewer's use cases (`do_decide_concern`, `do_set_referral_contact`);
- views.py: the staff queue at /safeguarding/;
- registration in baraza/core_registry.py (permissions, kind, events, channel, menu entry).

docs/safeguarding.md describes it for the people who use it.
"""
