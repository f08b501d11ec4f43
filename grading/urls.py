from django.urls import path

from . import views

urlpatterns = [
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/override-step/", views.step_override, name="submission_step_override"),
    path("submissions/<int:pk>/override-score/", views.score_override, name="submission_score_override"),
    path("submissions/<int:pk>/regrade/", views.regrade, name="submission_regrade"),
    path("submissions/<int:pk>/accept/", views.review_accept, name="submission_review_accept"),
    path("submissions/<int:pk>/audit/", views.submission_audit, name="submission_audit"),
    path("review/", views.review_queue, name="review_queue"),
    path("assignments/<int:pk>/gradebook/", views.gradebook, name="gradebook"),
]
