import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts.models import User
from accounts.selectors import missing_profile_fields
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

URL = "/me/"


def valid_data(tree, **overrides):
    data = {
        "full_name": "Trần Thị Hoa",
        "date_of_birth": "1995-08-20",
        "gender": "female",
        "phone": "+84 935 123 456",
        "cccd": "052195001234",
        "kind": "official",
        "agency": str(tree["commune"].pk),
        "position": "non_leader",
        "province_code": "52",
        "ward_code": "21583",
    }
    data.update(overrides)
    return data


@pytest.fixture
def newcomer(tree):
    return make_user("hoa@example.vn", complete=False)


@pytest.fixture
def logged_in(client, newcomer):
    client.force_login(newcomer)
    return client


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_it_refuses_put(logged_in):
    assert logged_in.put(URL).status_code == 405


def test_it_lists_what_is_missing(logged_in):
    response = logged_in.get(URL)
    assert response.status_code == 200
    assert "CCCD" in response.content.decode()


def test_it_saves_a_complete_profile(logged_in, newcomer, tree):
    response = logged_in.post(URL, valid_data(tree))
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.full_name == "Trần Thị Hoa"
    assert newcomer.phone == "0935123456"
    assert newcomer.cccd_last3 == "234"
    assert newcomer.agency == tree["commune"]
    assert missing_profile_fields(newcomer) == []


def test_it_never_stores_the_full_cccd(logged_in, newcomer, tree):
    logged_in.post(URL, valid_data(tree))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [newcomer.pk])
        row = cursor.fetchone()
    assert not any("052195001234" in str(value) for value in row)
    page = logged_in.get(URL).content.decode()
    assert "052195001234" not in page
    assert "*********234" in page


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("cccd", "05219500123", "12"),
        ("cccd", "05219500123x", "digits"),
        ("cccd", "003195001234", "003"),
        ("cccd", "052185001234", "1985"),
        ("cccd", "052095001234", "gender"),
        ("phone", "0212345678", "03, 05, 07, 08"),
        ("phone", "12345", "10 digits"),
        ("date_of_birth", "2030-01-01", "future"),
        ("full_name", "", "required"),
        ("agency", "", "Officials must choose"),
        ("ward_code", "70", "valid choice"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(logged_in, newcomer, tree, field, value, fragment):
    with time_machine.travel("2026-11-26 10:00 +0700"):
        response = logged_in.post(URL, valid_data(tree, **{field: value}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.full_name == "" and newcomer.cccd_hash is None


def test_it_speaks_vietnamese_by_default(logged_in, tree):
    response = logged_in.post(URL, valid_data(tree, cccd="05219500123"))
    assert "12 chữ số" in response.content.decode()


def test_a_second_account_with_the_same_cccd_gets_a_message_naming_no_one(client, tree):
    first = make_user("first@example.vn", complete=False)
    second = make_user("second@example.vn", complete=False)
    client.force_login(first)
    client.post(URL, valid_data(tree))
    client.force_login(second)
    response = client.post(URL, valid_data(tree), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "already registered to another account" in body
    assert "first@example.vn" not in body and "Trần Thị Hoa" not in body.split("full_name")[0]
    second.refresh_from_db()
    assert second.cccd_hash is None


def test_a_citizen_needs_no_agency(logged_in, newcomer, tree):
    response = logged_in.post(URL, valid_data(tree, kind="citizen", agency="", position=""))
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.kind == User.Kind.CITIZEN and newcomer.agency is None


def test_changing_birth_date_asks_for_cccd_again(logged_in, newcomer, tree):
    logged_in.post(URL, valid_data(tree))
    response = logged_in.post(
        URL, valid_data(tree, cccd="", date_of_birth="1996-08-20"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "enter the CCCD number again" in response.content.decode()


def test_keeping_the_cccd_empty_keeps_it(logged_in, newcomer, tree):
    logged_in.post(URL, valid_data(tree))
    response = logged_in.post(URL, valid_data(tree, cccd="", phone="0987654321"))
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.phone == "0987654321" and newcomer.cccd_last3 == "234"


def test_wards_endpoint_lists_a_provinces_communes(client):
    response = client.get("/me/wards/?province=52")
    names = [w["name"] for w in response.json()["wards"]]
    assert "Phường Quy Nhơn" in names and len(names) > 50


@pytest.mark.parametrize("query", ["province=999", "province=abc", ""])
def test_wards_endpoint_refuses_unknown_provinces(client, query):
    assert client.get("/me/wards/?" + query).status_code == 400


def test_login_with_password_works(client, tree):
    make_user("pw@example.vn")
    response = client.post(reverse("account_login"), {"login": "pw@example.vn", "password": PASSWORD})
    assert response.status_code == 302
