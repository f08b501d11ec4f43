from django.urls import path

from . import views
from .views import coursework

urlpatterns = [
    # Pages that show a student's work (the class's own management pages are tutor.classroom.urls)
    path("", views.home, name="home"),
    path("classes/<int:pk>/", views.course_detail, name="course_detail"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/preview/", views.problem_preview, name="problem_preview"),
    path("problems/<int:pk>/submit/", views.problem_submit, name="problem_submit"),
    # Feedback and teachers' actions
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/override-step/", views.step_override, name="submission_step_override"),
    path("submissions/<int:pk>/override-score/", views.score_override, name="submission_score_override"),
    path("submissions/<int:pk>/clear-step/", views.step_override_clear, name="submission_step_clear"),
    path("submissions/<int:pk>/override-answer/", views.final_answer_override, name="submission_final_answer"),
    path("submissions/<int:pk>/clear-score/", views.score_override_clear, name="submission_score_clear"),
    path("submissions/<int:pk>/rubric/", views.rubric_tick, name="submission_rubric_tick"),
    path("submissions/<int:pk>/regrade/", views.regrade, name="submission_regrade"),
    path("submissions/<int:pk>/accept/", views.review_accept, name="submission_review_accept"),
    path("submissions/<int:pk>/audit/", views.submission_audit, name="submission_audit"),
    # Tutoring: hints and fix from here
    path("submissions/<int:pk>/hint/", views.submission_hint, name="submission_hint"),
    path("submissions/<int:pk>/hints/", views.submission_hints, name="submission_hints"),
    path("submissions/<int:pk>/fix/", views.submission_fix, name="submission_fix"),
    path("submissions/<int:pk>/fix/preview/", views.submission_fix_preview, name="submission_fix_preview"),
    path("submissions/<int:pk>/fix/submit/", views.submission_fix_submit, name="submission_fix_submit"),
    path("problems/<int:pk>/hint/", views.problem_hint, name="problem_hint"),
    path("problems/<int:pk>/hints/", views.problem_hints, name="problem_hints"),
    path("review/", views.review_queue, name="review_queue"),
    path("assignments/<int:pk>/gradebook/", views.gradebook, name="gradebook"),
    # Running a term: exceptions, regrade requests, bulk regrades, gradebooks and exports (views.coursework)
    path("assignments/<int:pk>/exceptions/", coursework.exception_save, name="exception_save"),
    path("exceptions/<int:pk>/clear/", coursework.exception_clear, name="exception_clear"),
    path("submissions/<int:pk>/regrade-request/", coursework.regrade_request_create, name="regrade_request_create"),
    path("regrade-requests/<int:pk>/answer/", coursework.regrade_request_answer, name="regrade_request_answer"),
    path("assignments/<int:pk>/regrade/", coursework.regrade_run_new, name="regrade_run_new"),
    path("regrades/<int:pk>/", coursework.regrade_run_detail, name="regrade_run_detail"),
    path("classes/<int:pk>/gradebook/", coursework.class_gradebook, name="class_gradebook"),
    path("classes/<int:pk>/gradebook.csv", coursework.class_gradebook_csv, name="class_gradebook_csv"),
    path("classes/<int:pk>/submissions.csv", coursework.class_submissions_csv, name="class_submissions_csv"),
    path("assignments/<int:pk>/gradebook.csv", coursework.gradebook_csv, name="gradebook_csv"),
    path("assignments/<int:pk>/submissions.csv", coursework.submissions_csv, name="submissions_csv"),
]
