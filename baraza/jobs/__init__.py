"""Background jobs stored in the database, for the core and every app.

- models.py: the `job` table;
- services.py: `enqueue` (inside a use case's transaction), the schedules, the staff's use
  cases (cancel, retry) and the permission-checked getters;
- worker.py: `Worker`, which claims and runs jobs (`baraza worker`, or the embedded thread);
- live.py: each job's changes on its live channel `job:<id>`, for any page that follows it;
- core_jobs.py: the core's own jobs (the daily purge);
- views.py: the staff pages at /jobs/.

Apps register handlers with `registry.add_job(name, handler, label=...)` and schedules with
`registry.add_schedule(name, every)`. docs/architecture.md ("Jobs") has an example.
"""
