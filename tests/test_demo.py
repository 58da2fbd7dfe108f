import pytest
from django.core.management import CommandError, call_command

from accounts.models import Agency, Membership, User
from accounts.selectors import can_manage_agency, missing_profile_fields

pytestmark = pytest.mark.django_db


def test_it_loads_idempotently_and_prints_logins(capsys):
    call_command("load_demo", force=True)
    counts = (Agency.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("load_demo", force=True)
    assert (Agency.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    out = capsys.readouterr().out
    assert "tochuc@demo.thitimhieu.vn" in out and "ThiTimHieu@2021" in out


def test_the_demo_people_are_complete_and_placed():
    call_command("load_demo", force=True)
    assert Agency.objects.filter(name="Báo Bình Định").exists()
    assert Agency.objects.filter(kind="district").count() == 11
    organizer = User.objects.get(email="tochuc@demo.thitimhieu.vn")
    assert can_manage_agency(user=organizer, agency=Agency.objects.get(code="snv"))
    assert not can_manage_agency(user=organizer, agency=Agency.objects.get(code="quynhon"))
    for user in User.objects.all():
        assert missing_profile_fields(user) == [], user.email


# pytest-django runs with DEBUG off, as production does; the loading tests pass --force.
def test_it_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing"):
        call_command("load_demo")
    assert User.objects.count() == 0
