"""Insight: why a grade is what it is, and whether to trust the verifier.

The app above grading (it may import grading and classroom; nothing below imports it):

- `reviews`: which grades a person reviewed, and each step's label with its source (plain values);
- `agreement`: teachers' decisions against the verifier's, per backend/model/prompt version, per problem and per
  confidence band; `analytics`: common errors and item analysis for teachers; `charts`: server-rendered SVG;
- `training`: the step-label exports (ProcessBench records and per-step labels, students pseudonymised);
- `audit_log`: the site-wide audit log's filters and its CSV / JSON Lines export;
- `runlog`: a model's chain of thought cut per step; `replay`: run a graded input again without touching the grade;
- `selectors` read, `services` write (replay requests, exports, each with its audit event), `tasks` run replays.
"""
