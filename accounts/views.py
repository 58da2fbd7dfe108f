import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors
from accounts.forms import ProfileForm, wards_of
from accounts.services import ProfileError


@require_GET
def home(request):
    return render(request, "home.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except ProfileError as exc:  # a concurrent sign-up took the same CCCD
            form.add_error("cccd", str(exc))
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile_form.html",
        {
            "form": form,
            "missing": selectors.missing_profile_fields(request.user),
            "memberships": request.user.memberships.select_related("agency"),
        },
    )


@require_GET
def wards(request):
    """Communes / wards of one province, for the profile form's script."""
    try:
        province = int(request.GET.get("province", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Unknown province."))
    items = wards_of(province)
    if not items:
        return JsonResponse({"code": "unknown_province", "message": _("Unknown province.")}, status=400)
    response = JsonResponse({"wards": [{"code": code, "name": name} for code, name in items]})
    response["Cache-Control"] = "public, max-age=86400"
    return response


async def _channel_layer_ok():
    # A private layer instance: channels-redis binds its receive loop to one
    # event loop, and under a WSGI server every check runs on its own loop.
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    try:
        channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz.ping", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        return message.get("token") == token
    finally:
        close = getattr(layer, "close_pools", None)
        if close is not None:
            await close()


@never_cache
@require_GET
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            checks["database"] = cursor.fetchone()[0] == 1
    except Exception:  # noqa: BLE001 — any failure means unhealthy
        checks["database"] = False
    try:
        checks["channel_layer"] = async_to_sync(_channel_layer_ok)()
    except Exception:  # noqa: BLE001
        checks["channel_layer"] = False
    ok = all(checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
