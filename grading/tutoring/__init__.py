"""Tutoring on top of grading: what the tutor knows about each step (`findings`, `stored`), the hint policy
(`policy`), hints that never give the answer away (`hints`, `wording`), the verdict cache behind "fix from here"
(`reuse`) and the attempt history a student and their teacher read (`history`). Writes are in
grading.services.hints and grading.services.fixing."""
