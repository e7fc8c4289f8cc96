from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from config import urls as platform_urls


@require_POST
def noop(request):
    """An authenticated no-op: the same middleware, session, user and CSRF check as the
    heartbeat, and nothing else."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login"}, status=401)
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/noop/", noop, name="bench_noop"), *platform_urls.urlpatterns]

handler404 = platform_urls.handler404
handler500 = platform_urls.handler500
handler403 = platform_urls.handler403
handler400 = platform_urls.handler400
