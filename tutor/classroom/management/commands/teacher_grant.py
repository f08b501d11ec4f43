"""Give an account the teacher permission (it may then create classes), or take it away with --revoke. The same
as ticking "classroom | class | Can create classes (teacher)" on the user's page in the Django admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission, User
from django.core.management.base import BaseCommand, CommandError, CommandParser


def create_course_permission() -> Permission:
    return Permission.objects.get(codename="create_course", content_type__app_label="classroom")


class Command(BaseCommand):
    help = "Let an account create classes (the teacher permission), or --revoke it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="Take the permission away instead.")

    def handle(self, *args: Any, username: str, revoke: bool = False, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no account with the username {username!r}.")
        permission = create_course_permission()
        if revoke:
            user.user_permissions.remove(permission)
            self.stdout.write(f"{username} can no longer create classes.")
        else:
            user.user_permissions.add(permission)
            self.stdout.write(f"{username} can now create classes.")
