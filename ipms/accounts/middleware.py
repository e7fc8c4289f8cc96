from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from .memo import memo_start

SESSION_STARTED = "ipms_auth_started_at"
SESSION_ACTIVITY = "ipms_last_activity_at"
# Write the activity stamp at most this often: one session write a minute, not per request.
ACTIVITY_RESOLUTION = 60


def _now() -> int:
    return int(timezone.now().timestamp())


def session_mark_login(session) -> None:
    now = _now()
    session[SESSION_STARTED] = now
    session[SESSION_ACTIVITY] = now


class SessionTimeoutMiddleware:
    """Ends a session after ``SESSION_IDLE_TIMEOUT`` idle seconds or
    ``SESSION_ABSOLUTE_TIMEOUT`` seconds after login (ASVS 3.3.2, MLPS 8.1.4.1 b).

    Any authenticated request counts as activity, so a playing video's heartbeats keep
    the learner signed in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._expired(request.session)
            if expired:
                return self._end(request, expired)
            # What this request looks up about its user once, later readers reuse
            # (ipms.accounts.memo).
            memo_start(request.user)
        return self.get_response(request)

    def _expired(self, session) -> str | None:
        now = _now()
        started = session.get(SESSION_STARTED)
        last = session.get(SESSION_ACTIVITY)
        if started is None or last is None:
            # Sessions from before this middleware, or created without our login hook.
            session_mark_login(session)
            return None
        if now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
            return "登录已超过有效期，为保障账号安全请重新登录。"
        if now - last > settings.SESSION_IDLE_TIMEOUT:
            minutes = settings.SESSION_IDLE_TIMEOUT // 60
            return f"您已超过 {minutes} 分钟未操作，为保障账号安全已自动退出，请重新登录。"
        if now - last >= ACTIVITY_RESOLUTION:
            session[SESSION_ACTIVITY] = now
        return None

    def _end(self, request, message: str):
        logout(request)
        login_url = reverse("accounts:login")
        wants_json = request.headers.get("Accept", "").startswith("application/json")
        if request.headers.get("HX-Request") or wants_json:
            response = JsonResponse({"error": message, "login_url": login_url}, status=401)
            if request.headers.get("HX-Request"):
                response["HX-Redirect"] = login_url
            return response
        messages.info(request, message)
        target = login_url
        if request.method == "GET":
            target = f"{login_url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)
