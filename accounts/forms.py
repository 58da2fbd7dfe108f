from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from vietnam_provinces import Province, Ward

from accounts import selectors, services, validation
from accounts.models import Agency, User


def province_choices():
    return [("", _("— choose —"))] + sorted(
        ((p.code.value, p.name) for p in Province.iter_all()), key=lambda c: c[1]
    )


def wards_of(province_code):
    return sorted(
        ((w.code.value, w.name) for w in Ward.iter_all() if w.province_code.value == province_code),
        key=lambda c: c[1],
    )


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to e-mail and password."""

    full_name = forms.CharField(label=_("Full name"), max_length=100)

    def clean_full_name(self):
        return validation.clean_full_name(self.cleaned_data["full_name"])

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.save(update_fields=["full_name"])


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        required=False,
        choices=[("", _("— not stated —"))] + list(User.Gender.choices),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    cccd = forms.CharField(
        label=_("Citizen ID number (CCCD)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("You take part as"), choices=User.Kind.choices, widget=forms.RadioSelect)
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    position = forms.ChoiceField(
        label=_("Position"), required=False, choices=[("", _("— choose —"))] + list(User.Position.choices)
    )
    province_code = forms.TypedChoiceField(label=_("Province / city"), coerce=int, empty_value=None)
    ward_code = forms.TypedChoiceField(label=_("Commune / ward"), coerce=int, empty_value=None)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        initial = {
            "full_name": user.full_name,
            "date_of_birth": user.date_of_birth,
            "gender": user.gender,
            "phone": user.phone,
            "kind": user.kind,
            "agency": user.agency_id,
            "position": user.position,
            "province_code": user.province_code,
            "ward_code": user.ward_code,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["agency"].choices = [("", _("— choose —"))] + selectors.agency_choices()
        self.fields["province_code"].choices = province_choices()
        chosen = self.data.get("province_code") if self.is_bound else user.province_code
        try:
            chosen = int(chosen) if chosen not in (None, "") else None
        except (TypeError, ValueError):
            chosen = None
        self.fields["ward_code"].choices = [("", _("— choose —"))] + (wards_of(chosen) if chosen else [])
        self.fields["ward_code"].widget.attrs["data-wards-url"] = reverse("accounts:wards")
        self.fields["province_code"].widget.attrs["data-controls"] = "id_ward_code"
        if user.cccd_hash:
            self.fields["cccd"].help_text = _(
                "On file: %(masked)s. Leave empty to keep it, or enter the full number to change it."
            ) % {"masked": user.cccd_display}
        else:
            self.fields["cccd"].help_text = _(
                "12 digits. Only a keyed fingerprint and the last 3 digits are stored."
            )

    def clean_full_name(self):
        return validation.clean_full_name(self.cleaned_data["full_name"])

    def clean_phone(self):
        return validation.clean_phone(self.cleaned_data["phone"])

    def clean_date_of_birth(self):
        return validation.clean_date_of_birth(
            self.cleaned_data.get("date_of_birth"), today=timezone.localdate()
        )

    def clean(self):
        data = super().clean()
        cccd = data.get("cccd", "")
        if cccd or not self.user.cccd_hash:
            if "date_of_birth" in data:
                try:
                    number = validation.clean_cccd(
                        cccd, date_of_birth=data["date_of_birth"], gender=data.get("gender", "")
                    )
                except forms.ValidationError as exc:
                    self.add_error("cccd", exc)
                else:
                    if services.cccd_is_taken(number=number, exclude_user=self.user):
                        self.add_error("cccd", services.duplicate_cccd_message())
                    data["cccd"] = number
        elif "date_of_birth" in data and self.user.date_of_birth != data["date_of_birth"]:
            self.add_error(
                "cccd", _("You changed the date of birth: enter the CCCD number again so it can be checked.")
            )
        if data.get("kind") == User.Kind.OFFICIAL:
            if not data.get("agency"):
                self.add_error("agency", _("Officials must choose their agency."))
            elif not Agency.objects.filter(pk=data["agency"], is_active=True).exists():
                self.add_error("agency", _("Choose an agency from the list."))
            if not data.get("position"):
                self.add_error("position", _("Officials must state whether they hold a leadership position."))
        province, ward = data.get("province_code"), data.get("ward_code")
        if province and ward and ward not in dict(wards_of(province)):
            self.add_error("ward_code", _("This commune / ward is not in the chosen province."))
        return data

    def save(self):
        data = self.cleaned_data
        agency = None
        if data["kind"] == User.Kind.OFFICIAL:
            agency = Agency.objects.get(pk=data["agency"])
        return services.update_profile(
            user=self.user,
            cccd=data.get("cccd") or None,
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            gender=data.get("gender", ""),
            phone=data["phone"],
            kind=data["kind"],
            agency=agency,
            position=data.get("position", "") if agency else "",
            province_code=data["province_code"],
            ward_code=data["ward_code"],
        )


class AgencyImportForm(forms.Form):
    file = forms.FileField(label=_("Agency spreadsheet (.xlsx)"))
