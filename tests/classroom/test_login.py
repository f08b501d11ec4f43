"""Logging in and out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_then_home_then_logout(client):
    UserFactory(username="alice")
    response = client.post(reverse("login"), {"username": "alice", "password": "pass12345"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Hello, " in response.content.decode()
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_says_so(client):
    UserFactory(username="alice")
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert "That username and password do not match." in response.content.decode()


def test_deep_link_explains_and_returns_there(client):
    UserFactory(username="alice")
    page = client.get(reverse("login") + "?next=/classes/1/").content.decode()
    assert "Log in to see that page." in page
    assert "Log in to see that page." not in client.get(reverse("login") + "?next=/").content.decode()
    response = client.post(
        reverse("login") + "?next=/problem-sets/format/",
        {"username": "alice", "password": "pass12345", "next": "/problem-sets/format/"},
    )
    assert response["Location"] == "/problem-sets/format/"
