import json

from django.http import HttpResponseNotAllowed, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from . import ratelimit, regions
from .slider import (
    FAILED,
    SliderError,
    pass_ttl,
    slider_challenge_issue,
    slider_challenge_verify,
)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def server_error(request):
    # No context processors run here on purpose: the failure may be in one of them.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


# --- Slider check (ipms.core.slider) ---------------------------------------------------

_SLIDER_MAX_BODY = 32 * 1024


def _slider_json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    add_never_cache_headers(response)
    return response


def _slider_refused(request) -> JsonResponse | None:
    """A JSON refusal when this client asks too often (policy ``slider_ip``), else None."""
    decision = ratelimit.hit("slider_ip", request)
    if decision.allowed:
        return None
    status = 503 if decision.unavailable else 429
    return _slider_json({"ok": False, "message": decision.message}, status=status)


def slider_challenge(request):
    """GET: a new signed challenge ``{token, target, expires_in}`` for the slider."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    refused = _slider_refused(request)
    if refused:
        return refused
    try:
        challenge = slider_challenge_issue(scope=request.GET.get("scope") or "default")
    except SliderError as exc:
        return _slider_json({"ok": False, "message": exc.message}, status=400)
    return _slider_json(
        {
            "ok": True,
            "token": challenge.token,
            "target": challenge.target,
            "expires_in": challenge.expires_in,
        }
    )


def slider_verify(request):
    """POST JSON ``{token, position, duration_ms, trace}``: a pass token or a message."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    refused = _slider_refused(request)
    if refused:
        return refused
    if len(request.body) > _SLIDER_MAX_BODY:
        return _slider_json({"ok": False, "message": FAILED}, status=400)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return _slider_json({"ok": False, "message": FAILED}, status=400)
    try:
        pass_token = slider_challenge_verify(
            token=data.get("token"),
            position=data.get("position"),
            duration_ms=data.get("duration_ms"),
            trace=data.get("trace"),
        )
    except SliderError as exc:
        return _slider_json({"ok": False, "message": exc.message}, status=400)
    return _slider_json({"ok": True, "pass_token": pass_token, "expires_in": pass_ttl()})


# --- 省份 → 城市 --------------------------------------------------------------------------


@require_safe
def city_options(request):
    """The <option>s of a 城市 select for ``?province=`` (htmx; empty for a bad code).

    Public: the GB/T 2260 list is public data, and registration forms need it too.
    """
    province = (request.GET.get("province") or "").strip()
    cities = regions.city_choices(province) if regions.is_province(province) else []
    response = render(request, "core/partials/city_options.html", {"cities": cities})
    response["Cache-Control"] = "public, max-age=86400"
    return response
