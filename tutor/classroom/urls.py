from django.urls import path

from . import course_views, views

urlpatterns = [
    path("classes/new/", views.course_create, name="course_create"),
    path("classes/join/", views.course_join, name="course_join"),
    path("classes/<int:pk>/members/add/", views.member_add, name="member_add"),
    path("invitations/<int:pk>/accept/", views.invitation_answer, {"answer": "accept"}, name="invitation_accept"),
    path("invitations/<int:pk>/decline/", views.invitation_answer, {"answer": "decline"}, name="invitation_decline"),
    path("classes/<int:pk>/members/<int:enrollment_pk>/remove/", views.member_remove, name="member_remove"),
    path("classes/<int:pk>/assignments/new/", views.assignment_create, name="assignment_create"),
    path("classes/<int:pk>/assignments/upload/", views.problem_set_upload, name="problem_set_upload"),
    path("assignments/<int:pk>/problems/new/", views.problem_create, name="problem_create"),
    path("problem-sets/format/", views.problem_set_format, name="problem_set_format"),
    path("problem-sets/example.md", views.problem_set_example, name="problem_set_example"),
    path("problem-sets/example.<str:extension>", views.problem_set_example, name="problem_set_example"),
    # Running a class: settings, editing content, imports, people (course_views)
    path("classes/<int:pk>/settings/", course_views.course_settings, name="course_settings"),
    path("classes/<int:pk>/archive/", course_views.course_archive, name="course_archive"),
    path("classes/<int:pk>/import/moodle/", course_views.moodle_import, name="moodle_import"),
    path("problem-sets/moodle-<str:name>.xml", course_views.moodle_example, name="moodle_example"),
    path("classes/<int:pk>/roster/import/", course_views.roster_import, name="roster_import"),
    path(
        "classes/<int:pk>/members/<int:enrollment_pk>/password/", course_views.member_password, name="member_password"
    ),
    path(
        "classes/<int:pk>/members/<int:enrollment_pk>/reset-link/",
        course_views.member_reset_link,
        name="member_reset_link",
    ),
    path("assignments/<int:pk>/edit/", course_views.assignment_edit, name="assignment_edit"),
    path("assignments/<int:pk>/move/", course_views.assignment_move, name="assignment_move"),
    path("assignments/<int:pk>/duplicate/", course_views.assignment_duplicate, name="assignment_duplicate"),
    path("assignments/<int:pk>/archive/", course_views.assignment_archive, name="assignment_archive"),
    path("assignments/<int:pk>/delete/", course_views.assignment_delete, name="assignment_delete"),
    path("problems/<int:pk>/edit/", course_views.problem_edit, name="problem_edit"),
    path("problems/<int:pk>/move/", course_views.problem_move, name="problem_move"),
    path("problems/<int:pk>/duplicate/", course_views.problem_duplicate, name="problem_duplicate"),
    path("problems/<int:pk>/archive/", course_views.problem_archive, name="problem_archive"),
    path("problems/<int:pk>/delete/", course_views.problem_delete, name="problem_delete"),
]
