from django.urls import path

from . import views

app_name = "insight"

urlpatterns = [
    path("", views.index, name="index"),
    # Site staff
    path("audit/", views.audit_log_page, name="audit_log"),
    path("agreement/", views.agreement_page, name="agreement"),
    path("training-data/", views.training_data, name="training_data"),
    path("submissions/<int:pk>/", views.submission_story, name="submission"),
    path("submissions/<int:pk>/replay/", views.replay_create, name="replay_create"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("replays/<int:pk>/", views.replay_detail, name="replay"),
    # A class's teachers (and site staff)
    path("assignments/<int:pk>/analytics/", views.assignment_analytics_page, name="assignment_analytics"),
    path("problems/<int:pk>/analytics/", views.problem_analytics_page, name="problem_analytics"),
]
