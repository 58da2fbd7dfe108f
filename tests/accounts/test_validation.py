from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts import validation as v

DOB = date(1990, 5, 17)


def codes(exc_info):
    return exc_info.value.code


class TestCccd:
    def test_it_accepts_a_valid_number_and_strips_spaces(self):
        assert v.clean_cccd("052 090 123456", date_of_birth=DOB, gender="male") == "052090123456"

    @pytest.mark.parametrize(
        "number, code",
        [
            ("05209012345", "length"),  # too short
            ("0520901234567", "length"),  # too long
            ("05209012345a", "invalid"),  # letters
            ("０５２０９０１２３４５６", "invalid"),  # full-width digits are not ASCII digits
            ("003090123456", "province"),  # 003 is not a province code
            ("099090123456", "province"),
            ("052085123456", "birth_year"),  # encodes 1985
            ("052290123456", "birth_year"),  # century digit 2 = 2000s
            ("052190123456", "gender"),  # odd digit = female, but gender says male
            ("", "required"),
        ],
    )
    def test_it_refuses_bad_numbers(self, number, code):
        with pytest.raises(ValidationError) as exc_info:
            v.clean_cccd(number, date_of_birth=DOB, gender="male")
        assert codes(exc_info) == code

    def test_it_checks_century_without_gender(self):
        assert v.clean_cccd("052190123456", date_of_birth=DOB, gender="") == "052190123456"

    def test_it_handles_2000s_births(self):
        assert v.clean_cccd("079305000001", date_of_birth=date(2005, 1, 1), gender="female")

    def test_the_message_names_both_years(self):
        with pytest.raises(ValidationError) as exc_info:
            v.clean_cccd("052085123456", date_of_birth=DOB, gender="")
        assert "1985" in exc_info.value.messages[0] and "1990" in exc_info.value.messages[0]

    def test_digest_is_keyed(self):
        assert v.cccd_digest("052090123456", key="a") != v.cccd_digest("052090123456", key="b")
        assert v.cccd_digest("052090123456", key="a") == v.cccd_digest("052090123456", key="a")


class TestPhone:
    @pytest.mark.parametrize(
        "raw",
        ["0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678", "(+84) 912-345-678"],
    )
    def test_it_normalises_to_ten_digits(self, raw):
        assert v.clean_phone(raw) == "0912345678"

    @pytest.mark.parametrize(
        "raw",
        ["091234567", "09123456789", "0212345678", "0112345678", "+1 415 555 0100", "09l2345678", "abc", ""],
    )
    def test_it_refuses_wrong_formats(self, raw):
        with pytest.raises(ValidationError):
            v.clean_phone(raw)


class TestName:
    def test_it_normalises_nfd_to_nfc_and_spaces(self):
        decomposed = "Nguye\u0302\u0303n  Thi\u0323   Ba"
        assert v.clean_full_name(decomposed) == "Nguyễn Thị Ba"

    @pytest.mark.parametrize("raw", ["", "   ", "Nguyen 2", "<script>", "A" * 101])
    def test_it_refuses_bad_names(self, raw):
        with pytest.raises(ValidationError):
            v.clean_full_name(raw)


class TestDateOfBirth:
    def test_it_refuses_the_future(self):
        with pytest.raises(ValidationError) as exc_info:
            v.clean_date_of_birth(date(2030, 1, 1), today=date(2026, 11, 26))
        assert exc_info.value.code == "future"

    def test_it_refuses_implausible_ages(self):
        with pytest.raises(ValidationError):
            v.clean_date_of_birth(date(1890, 1, 1), today=date(2026, 11, 26))

    def test_it_accepts_today(self):
        assert v.clean_date_of_birth(date(2026, 11, 26), today=date(2026, 11, 26))
