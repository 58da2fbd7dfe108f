"""Sign-up, e-mail verification, login, logout and password reset (allauth)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "citizen@example.vn",
    "full_name": "Đặng Văn Dân",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def link_in(message):
    return re.search(r"https?://[^\s]+", message.body).group(0).replace("http://testserver", "")


def test_it_signs_up_and_sends_a_verification_email(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="citizen@example.vn")
    assert user.full_name == "Đặng Văn Dân"
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_login_waits_for_verification_then_works(client):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": PASSWORD})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]  # mandatory verification stops here
    confirm_url = link_in(mail.outbox[-1])
    assert client.get(confirm_url).status_code == 200  # GET shows a confirm button, changes nothing
    response = client.post(confirm_url)
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")


def test_signup_refuses_a_bad_name_and_creates_nothing(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "full_name": "R2D2"})
    assert response.status_code == 200
    assert not User.objects.filter(email=SIGNUP["email"]).exists()


def test_signup_refuses_mismatched_passwords(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "password2": "other-Password-1"})
    assert response.status_code == 200
    assert not User.objects.exists()


def test_wrong_password_is_refused(client, db):
    make_user("x@example.vn", complete=False)
    response = client.post(reverse("account_login"), {"login": "x@example.vn", "password": "nope-nope-1"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client, db):
    user = make_user("y@example.vn", complete=False)
    client.force_login(user)
    client.get(reverse("account_logout"))
    assert "_auth_user_id" in client.session  # GET only shows a confirmation
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_password_reset_round_trip(client, db):
    make_user("z@example.vn", complete=False)
    client.post(reverse("account_reset_password"), {"email": "z@example.vn"})
    assert len(mail.outbox) == 1
    url = link_in(mail.outbox[0])
    response = client.get(url, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else url
    new = "Mot-mat-khau-moi-2026"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    assert client.login(email="z@example.vn", password=new)


def test_failed_logins_are_rate_limited(client, db):
    make_user("rl@example.vn", complete=False)
    for i in range(5):
        client.post(reverse("account_login"), {"login": "rl@example.vn", "password": f"wrong-{i}-x"})
    response = client.post(
        reverse("account_login"), {"login": "rl@example.vn", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password waits


def test_auth_pages_use_our_layout(client, db):
    body = client.get(reverse("account_login")).content.decode()
    assert "Thi Tìm Hiểu" in body and "/static/css/site.css" in body
