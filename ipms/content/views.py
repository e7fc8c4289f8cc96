"""Public portal pages (product-rules §2): 首页, 政策文件, 学习资料, 讲师简介, 意见反馈."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ipms.core import ratelimit
from ipms.core.errors import DomainError
from ipms.core.files import download_response
from ipms.core.http import client_ip
from ipms.core.pagination import paginate

from . import selectors, services
from .forms import FeedbackForm

PAGE_SIZE = 20
HOME_POLICIES = 5
HOME_MATERIALS = 5

FEEDBACK_SUCCESS = "提交成功，感谢您的反馈！我们会认真阅读并尽快处理。"


@require_safe
def home(request):
    context = {
        "policies": selectors.policies_latest(limit=HOME_POLICIES),
        "materials": selectors.materials_latest(limit=HOME_MATERIALS),
    }
    return render(request, "content/home.html", context)


# --- 政策文件 ------------------------------------------------------------------------------


def _section_page(request, *, section, not_found, rows, parent, row_template, empty_text):
    """One section of 政策文件 or 学习资料 (None: an unknown slug, 404), all its rows
    paginated; ``empty_text`` may name the section (``{label}``)."""
    if section is None:
        raise Http404(not_found)
    parent_label, parent_url_name = parent
    context = {
        "section": section,
        "page_obj": paginate(request, rows(section.value), per_page=PAGE_SIZE),
        "parent_label": parent_label,
        "parent_url": reverse(parent_url_name),
        "row_template": row_template,
        "empty_text": empty_text.format(label=section.label),
    }
    return render(request, "content/section_page.html", context)


@require_safe
def policy_list(request):
    return render(request, "content/policy_list.html", {"sections": selectors.policy_sections()})


@require_safe
def policy_section(request, scope: str):
    return _section_page(
        request,
        section=selectors.policy_scope_from_slug(scope),
        not_found="没有这个政策栏目。",
        rows=lambda value: selectors.policies_published(scope=value),
        parent=("政策文件", "content:policy_list"),
        row_template="content/partials/policy_row.html",
        empty_text="暂无{label}。",
    )


@require_safe
def policy_detail(request, pk: int):
    policy = selectors.policy_get(pk=pk)
    if policy is None:
        raise Http404("政策文件不存在或已下线。")
    return render(request, "content/policy_detail.html", {"policy": policy})


@require_safe
def policy_attachment_download(request, pk: int, attachment_pk: int):
    attachment = selectors.policy_attachment_get(policy_pk=pk, attachment_pk=attachment_pk)
    if attachment is None or not attachment.file:
        raise Http404("附件不存在或已下线。")
    return _serve(attachment.file, attachment.title)


# --- 学习资料 ------------------------------------------------------------------------------


@require_safe
def material_list(request):
    return render(
        request, "content/material_list.html", {"sections": selectors.material_sections()}
    )


@require_safe
def material_section(request, section: str):
    return _section_page(
        request,
        section=selectors.material_section_from_slug(section),
        not_found="没有这个资料栏目。",
        rows=lambda value: selectors.materials_published(section=value),
        parent=("学习资料", "content:material_list"),
        row_template="content/partials/material_row.html",
        empty_text="暂无{label}资料。",
    )


@require_safe
def material_download(request, pk: int):
    material = selectors.material_get(pk=pk)
    if material is None or not material.file:
        raise Http404("资料不存在或已下线。")
    return _serve(material.file, material.title)


def _serve(field_file, title: str):
    try:
        return download_response(field_file, download_name=title)
    except FileNotFoundError:
        # The row exists but its file went missing from storage: a 404, not a 500.
        raise Http404("文件不存在。") from None


# --- 讲师简介 ------------------------------------------------------------------------------


@require_safe
def lecturer_list(request):
    return render(
        request, "content/lecturer_list.html", {"lecturers": selectors.lecturers_published()}
    )


# --- 意见反馈 / 举报投诉 ---------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def feedback(request):
    """意见反馈, rate-limited per client IP.

    Only valid submissions count towards the limit: the limit protects the operators'
    inbox from floods, and a visitor who mistypes the captcha or a phone number should
    not be locked out for trying again. Invalid posts store nothing, and each captcha
    answers once only, so counting them would add no protection against guessing.
    """
    refusal = None
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        refusal = ratelimit.peek("feedback_ip", request)
        if refusal.allowed and form.is_valid():
            # Count first, atomically, so two tabs racing for the last slot can't both win.
            refusal = ratelimit.hit("feedback_ip", request)
            if refusal.allowed:
                try:
                    services.feedback_submit(
                        content=form.cleaned_data["content"],
                        phone=form.cleaned_data["phone"],
                        ip_address=client_ip(request),
                        user=request.user,
                    )
                except DomainError as exc:
                    form.add_error(exc.field, exc.message)
                except ValidationError as exc:
                    _add_model_errors(form, exc)
                else:
                    messages.success(request, FEEDBACK_SUCCESS)
                    return redirect("content:feedback")
        if not refusal.allowed:
            form.add_error(None, refusal.message)
    else:
        initial = {"phone": request.user.phone} if request.user.is_authenticated else {}
        form = FeedbackForm(initial=initial)
    refused = refusal is not None and not refusal.allowed
    response = render(
        request, "content/feedback.html", {"form": form}, status=429 if refused else 200
    )
    if refused:
        response["Retry-After"] = str(max(1, refusal.retry_after))
    return response


def _add_model_errors(form, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)


# Mail clients expect CRLF line breaks in a mailto: body (RFC 6068).
COMPLAINT_BODY_LINES = ["举报对象：", "问题描述：", "相关链接或证据：", "联系方式（选填）：", ""]


def complaint_mailto() -> str:
    subject = f"【举报投诉】{settings.PLATFORM_NAME}"
    body = "\r\n".join(COMPLAINT_BODY_LINES)
    return (
        f"mailto:{settings.COMPLAINT_EMAIL}"
        f"?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    )


@require_safe
def complaint(request):
    mailto = complaint_mailto() if settings.COMPLAINT_EMAIL else None
    return render(request, "content/complaint.html", {"mailto": mailto})
