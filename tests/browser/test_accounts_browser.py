"""A newcomer signs up as a citizen, verifies, completes the profile; demo users log in."""

import re

import pytest

pytestmark = pytest.mark.browser

DEMO_EMAILS = [
    "admin@demo.thitimhieu.vn",
    "tochuc@demo.thitimhieu.vn",
    "thamdinh@demo.thitimhieu.vn",
    "congchuc1@demo.thitimhieu.vn",
    "congchuc2@demo.thitimhieu.vn",
    "nguoidan@demo.thitimhieu.vn",
]


def log_in(page, email, password="ThiTimHieu@2021"):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")


def test_a_citizen_signs_up_verifies_and_completes_the_profile(phone, site):
    phone.goto("/")
    phone.click("text=Đăng ký dự thi")
    phone.fill("input[name=email]", "dan.moi@example.vn")
    phone.fill("input[name=full_name]", "Nguyễn Văn Mới")
    phone.fill("input[name=password1]", "Mat-khau-cua-toi-2026")
    phone.fill("input[name=password2]", "Mat-khau-cua-toi-2026")
    phone.click("form[action='/accounts/signup/'] button[type=submit]")
    phone.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    link = site.last_link(r"http://127\.0\.0\.1:\d+/accounts/confirm-email/[^\s/]+/")
    phone.goto(link)
    phone.click("main button[type=submit]")
    phone.wait_for_url(re.compile(r"/me/$"))
    assert "Hồ sơ của bạn chưa đầy đủ" in phone.content()

    phone.fill("#id_date_of_birth", "1990-05-17")
    phone.select_option("#id_gender", "male")
    phone.fill("#id_phone", "0912 345 678")
    phone.fill("#id_cccd", "052090777888")
    phone.check("input[name=kind][value=citizen]")
    assert phone.is_hidden("#id_agency")  # officials only
    phone.select_option("#id_province_code", "52")
    phone.wait_for_function("() => document.querySelectorAll('#id_ward_code option').length > 50")
    phone.select_option("#id_ward_code", label="Phường Quy Nhơn")
    phone.click("form.stacked-form button[type=submit]")
    phone.wait_for_selector(".message-success")
    body = phone.content()
    assert "Hồ sơ của bạn đã đầy đủ" in body
    assert "052090777888" not in body and "*********888" in body


def test_bad_profile_input_is_explained_in_vietnamese(phone, site):
    log_in(phone, "nguoidan@demo.thitimhieu.vn")
    phone.wait_for_url(re.compile(r"/me/$"))
    phone.fill("#id_cccd", "05230000060")
    phone.click("form.stacked-form button[type=submit]")
    error = phone.locator("#id_cccd_errors")
    assert "12 chữ số" in error.inner_text()
    assert phone.get_attribute("#id_cccd", "aria-describedby").endswith("id_cccd_errors")


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_every_demo_user_can_log_in(phone, email):
    log_in(phone, email)
    phone.wait_for_url(re.compile(r"/me/$"))
    assert "Đăng xuất" in phone.content()
    phone.click("header button:has-text('Đăng xuất')")
    phone.wait_for_url(re.compile(r"/$"))
    assert "Đăng nhập" in phone.content()


def test_the_language_switch_changes_the_interface(phone):
    phone.goto("/")
    phone.select_option("#lang-select", "en")
    phone.wait_for_load_state()
    phone.wait_for_selector("text=Sign up to take part")
