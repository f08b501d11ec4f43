from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tutor.classroom import course_views
from tutor.views import csp_report

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", course_views.signup, name="signup"),
    # A teacher sends a student a password-reset link (tutor.classroom.roster); these pages finish it.
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="registration/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("", include("tutor.notifications.urls")),
    path("csp-report/", csp_report, name="csp_report"),
    path("", include("tutor.classroom.urls")),
    path("", include("grading.urls")),
    path("handwriting/", include("tutor.handwriting.urls")),
    path("insight/", include("tutor.insight.urls")),
]
