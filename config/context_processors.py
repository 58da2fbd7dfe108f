"""Navigation flags for the base layout (one place that knows every app)."""

from accounts import selectors as account_selectors
from questionbank import selectors as bank_selectors


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_organizer": False, "nav_profile_incomplete": False, "nav_has_bank": False}
    return {
        "nav_is_organizer": account_selectors.is_organizer_anywhere(user=user),
        "nav_profile_incomplete": bool(account_selectors.missing_profile_fields(user)),
        "nav_has_bank": bank_selectors.has_bank_access(user=user),
    }
