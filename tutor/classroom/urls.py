from django.urls import path

from . import views

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
]
