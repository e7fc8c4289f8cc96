"""生成学习证明 / 生成内审员人才库合格证, downloads, 证书查验 and the public key set.
Views stay thin: eligibility and services decide, selectors scope."""

from __future__ import annotations

import logging

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from ipms.core import ratelimit
from ipms.core.errors import DomainError
from ipms.core.files import download_response
from ipms.credentials import messages, selectors, services, signing
from ipms.credentials.models import Kind
from ipms.learning import selectors as learning_selectors
from ipms.learning.models import Course

logger = logging.getLogger(__name__)

GENERATED = {
    Kind.PROOF: "学习证明已生成：{number}。",
    Kind.CERTIFICATE: "内审员人才库合格证书已生成：{number}。",
}
FORMATS = {"png", "pdf", "jwt"}


def _course(pk: int) -> Course:
    try:
        return learning_selectors.course_detail(pk=pk)
    except Course.DoesNotExist:
        raise Http404(messages.COURSE_UNAVAILABLE) from None


def _generate(request, course_pk: int, kind: str):
    course = _course(course_pk)
    service = services.proof_generate if kind == Kind.PROOF else services.certificate_generate
    try:
        credential = service(user=request.user, course=course, request=request)
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, GENERATED[kind].format(number=credential.number))
    return redirect(f"{reverse('learning:course_detail', args=[course.pk])}#pane-certificate")


@login_required
@require_POST
def proof_generate(request, course_pk: int):
    return _generate(request, course_pk, Kind.PROOF)


@login_required
@require_POST
def certificate_generate(request, course_pk: int):
    return _generate(request, course_pk, Kind.CERTIFICATE)


def _file_name(credential) -> str:
    title = "学习证明" if credential.kind == Kind.PROOF else "内审员人才库合格证书"
    return f"{title}-{credential.number}"


@never_cache
@login_required
@require_safe
def download(request, pk: int, file_format: str):
    """The PNG, the PDF or the signed credential (VC-JWT), for who may have them."""
    if file_format not in FORMATS:
        raise Http404
    credential = selectors.credential_for_download(user=request.user, pk=pk)
    services.credential_download_record(
        credential=credential, by=request.user, file_format=file_format, request=request
    )
    if file_format == "jwt":
        response = HttpResponse(credential.signed_credential, content_type="application/jwt")
        response["Content-Disposition"] = f'attachment; filename="{credential.number}.jwt"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
    if not credential.is_rendered:
        # The worker has not drawn it yet (or no worker runs): draw it now, once.
        credential = services.credential_render(credential_id=credential.pk)
    response = download_response(
        getattr(credential, file_format), download_name=_file_name(credential)
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _verify_page(request, number: str | None):
    context = {
        "number": number or "",
        "jwks_url": request.build_absolute_uri(reverse("credentials:jwks")),
    }
    status = 200
    if number is not None:
        number = selectors.normalize_number(number)
        context["number"] = number
        decision = ratelimit.hit("credential_verify_ip", request)
        if not decision.allowed:
            context["error"] = decision.message
            return render(request, "credentials/verify.html", context, status=429)
        if not number:
            context["error"] = messages.NUMBER_REQUIRED
        else:
            verification = selectors.verify_number(number)
            context["searched"] = True
            context["verification"] = verification
            if verification is None:
                status = 404
                context["error"] = messages.NOT_FOUND
    return render(request, "credentials/verify.html", context, status=status)


@require_safe
def verify(request):
    """证书查验: type the number printed on the paper."""
    number = request.GET.get("number")
    return _verify_page(request, number)


@require_safe
def verify_number(request, number: str):
    """证书查验 by QR code: the address printed on the paper."""
    return _verify_page(request, number)


@require_safe
def jwks(request):
    """The public key set (RFC 7517) that verifies every proof and certificate."""
    response = JsonResponse(signing.jwks(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
