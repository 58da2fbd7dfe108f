from accounts import selectors


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_organizer": False, "nav_profile_incomplete": False}
    return {
        "nav_is_organizer": selectors.is_organizer_anywhere(user=user),
        "nav_profile_incomplete": bool(selectors.missing_profile_fields(user)),
    }
