"""The one plain contest builder of the tests.

`make_contest` writes a Contest row directly (no services, no permission
checks): published, open to officials and citizens, and, unless `slug` is
given, under a slug no other contest has (thu-1, thu-2, …). Every other field
keeps the model's default unless the caller passes it. Builders that go
through the services live with the setup tests (tests/contests/setup/builders_org.py).
"""

from contests.models import Contest


def _free_slug():
    number = Contest.objects.count() + 1
    while Contest.objects.filter(slug=f"thu-{number}").exists():
        number += 1
    return f"thu-{number}"


def make_contest(owner, **fields):
    values = {
        "owner_agency": owner,
        "title": "Cuộc thi thử",
        "status": Contest.Status.PUBLISHED,
        "audience_officials": True,
        "audience_citizens": True,
        **fields,
    }
    if "slug" not in values:
        values["slug"] = _free_slug()
    return Contest.objects.create(**values)
