"""Pure checks and normalisers for personal details. No ORM calls here.

Each `clean_*` function returns the normalised value or raises
`django.core.exceptions.ValidationError` with a translated message.
"""

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Province codes that open a 12-digit CCCD number: the 63 codes of Circular
# 07/2016/TT-BCA (Appendix), which are the pre-2025 GSO province codes. IDs
# keep the code of the province where the birth was registered, so the
# 2025 merger of provinces does not change which prefixes are valid.
CCCD_PROVINCE_CODES = frozenset(
    """001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027
    030 031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056
    058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087
    089 091 092 093 094 095 096""".split()
)

# The 4th digit encodes century of birth and gender (Circular 07/2016/TT-BCA,
# Art. 7): even = male, odd = female; 0/1 = 1900s, 2/3 = 2000s, 4/5 = 2100s,
# 6/7 = 2200s, 8/9 = 1800s.
_CENTURY_BY_DIGIT = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 1800, 9: 1800}

MALE = "male"
FEMALE = "female"


def normalize_text(value):
    """NFC-normalise and collapse runs of white space."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")


def clean_full_name(value):
    name = normalize_text(value)
    if not name:
        raise ValidationError(_("Enter your full name."), code="required")
    if len(name) > 100:
        raise ValidationError(_("The name is too long (100 characters at most)."), code="max_length")
    if not _NAME_RE.match(name):
        raise ValidationError(
            _("A name may contain only letters, spaces, hyphens and apostrophes."), code="invalid"
        )
    return name


# Vietnamese mobile numbers after the 2018 move to 10 digits: 03x, 05x, 07x,
# 08x, 09x with the operator prefixes in use.
_MOBILE_RE = re.compile(r"^0(?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}$")


def clean_phone(value):
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a mobile phone number."), code="required")
    if re.search(r"[^\d\s.\-+()]", raw):
        raise ValidationError(
            _("A phone number may contain only digits, spaces, dots, dashes and a leading +."),
            code="invalid",
        )
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") and not digits.startswith("84"):
        raise ValidationError(_("Only Vietnamese numbers (+84) are accepted."), code="invalid")
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif digits.startswith("0084") and len(digits) == 13:
        digits = "0" + digits[4:]
    if len(digits) != 10:
        raise ValidationError(
            _("A Vietnamese mobile number has 10 digits, e.g. 0912 345 678."), code="invalid"
        )
    if not _MOBILE_RE.match(digits):
        raise ValidationError(
            _("This is not a Vietnamese mobile number (it must start with 03, 05, 07, 08 or 09)."),
            code="invalid",
        )
    return digits


def clean_date_of_birth(value, *, today):
    if value is None:
        raise ValidationError(_("Enter your date of birth."), code="required")
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    if value < date(today.year - 120, 1, 1):
        raise ValidationError(_("Check the year of birth."), code="too_old")
    return value


def clean_cccd(value, *, date_of_birth, gender):
    """Validate a 12-digit CCCD against the person's birth year and gender.

    Returns the 12 digits. `gender` may be empty (the field is optional); the
    century digit is then checked against the birth year only.
    """
    raw = re.sub(r"[\s.]", "", value or "")
    if not raw:
        raise ValidationError(_("Enter your citizen ID number (CCCD)."), code="required")
    if not raw.isdigit() or not raw.isascii():
        raise ValidationError(_("A CCCD number contains digits only."), code="invalid")
    if len(raw) != 12:
        raise ValidationError(
            _("A CCCD number has exactly 12 digits (you entered %(count)d).") % {"count": len(raw)},
            code="length",
        )
    if raw[:3] not in CCCD_PROVINCE_CODES:
        raise ValidationError(
            _("The first three digits (%(code)s) are not a province code used in CCCD numbers.")
            % {"code": raw[:3]},
            code="province",
        )
    digit = int(raw[3])
    if date_of_birth is not None:
        year = _CENTURY_BY_DIGIT[digit] + int(raw[4:6])
        if year != date_of_birth.year:
            raise ValidationError(
                _(
                    "The CCCD number does not match the year of birth: digits 4–6 encode %(year)d, "
                    "but the date of birth is in %(dob_year)d."
                )
                % {"year": year, "dob_year": date_of_birth.year},
                code="birth_year",
            )
    if gender in (MALE, FEMALE):
        encoded = FEMALE if digit % 2 else MALE
        if encoded != gender:
            raise ValidationError(
                _(
                    "The CCCD number does not match the gender you chose (its 4th digit encodes the other gender)."
                ),
                code="gender",
            )
    return raw


def cccd_digest(number, *, key):
    """Keyed hash of a CCCD number: equal numbers give equal digests."""
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()
