"""Results back to the young people: the participant's updates feed and follow-up messages.

- models.py: `participant_feed_state` (when the participant last looked at their feed) and
  `participant_contact` (the e-mail or phone number a participant gave with their follow-up
  consent, encrypted at rest);
- services.py: the feed (every app's `update_sources`, translated by the core), the contact's
  use cases, and `announce_updates`, which an app calls when it stored news;
- sending.py: the background job that tells consenting participants "there is news on Baraza
  about <consultation>" by e-mail (baraza.mail) or SMS, batched, rate-limited and audited.

docs/architecture.md ("Updates to participants") says how the parts meet; docs/decisions.md
why the feed is asked of the apps rather than stored.

Apps call `baraza.updates.services.announce_updates`; this package imports nothing at import
time, so the core's models can be imported from it without a cycle.
"""
