"""The body console (认证审核 · 学习证明查询) and the enterprise's 监督反馈 wizard.

Views stay thin: ``access`` decides who may open a page and resolves the body or the
enterprise from the signed-in user, selectors scope every read to it, services do every
write (product-rules §7).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ipms.core.errors import DomainError
from ipms.core.files import download_response
from ipms.core.pagination import paginate
from ipms.enterprises.access import enterprise_admin_required

from . import jobs, proofs, selectors, services
from . import messages as review_messages
from .access import reviewer_required
from .models import (
    APPROVE,
    RATING_CHOICES,
    REJECT,
    Application,
    ApplicationStatus,
    ReviewJob,
    body_actions,
)

PER_PAGE = 20
ACTION_LABELS = {APPROVE: "通过", REJECT: "拒绝"}
DECIDED = "已{action}：{enterprise}（{status}）。"


# --- the body console --------------------------------------------------------------------


@never_cache
@require_safe
@reviewer_required
def console_home(request, reviewer):
    """审核首页: the counts per state, each a link to the filtered list."""
    counts = selectors.status_counts(reviewer.body)
    return render(
        request,
        "reviews/console/home.html",
        {"reviewer": reviewer, "body": reviewer.body, "counts": counts},
    )


def _seen(request) -> str | None:
    """The state the page showed (its hidden ``seen`` field): a decision on a row that has
    moved since is a conflict, not a decision on the new state."""
    seen = request.POST.get("seen", "")
    return seen if seen in ApplicationStatus.values else None


def _list_filters(request) -> tuple[str, str]:
    return (
        selectors.clean_status(request.GET.get("status")),
        selectors.clean_search(request.GET.get("q")),
    )


def _row_context(reviewer, application, index=None) -> dict:
    return {
        "application": application,
        "actions": body_actions(application.status),
        "index": index,
    }


@never_cache
@require_safe
@reviewer_required
def console_list(request, reviewer):
    """认证审核: the body's applications, 审核状态 filter, fuzzy 公司名称 search, pages."""
    status, search = _list_filters(request)
    page_obj = paginate(
        request,
        selectors.body_applications(reviewer.body, status=status, search=search),
        per_page=PER_PAGE,
    )
    start = page_obj.start_index()
    rows = [
        _row_context(reviewer, application, start + offset)
        for offset, application in enumerate(page_obj.object_list)
    ]
    return render(
        request,
        "reviews/console/list.html",
        {
            "reviewer": reviewer,
            "body": reviewer.body,
            "status": status,
            "search": search,
            "statuses": ApplicationStatus.choices,
            "page_obj": page_obj,
            "rows": rows,
        },
    )


def _console_application(reviewer, pk: int) -> Application:
    try:
        return selectors.body_application(reviewer.body, pk)
    except Application.DoesNotExist:
        raise Http404(review_messages.NOT_FOUND) from None


@never_cache
@require_http_methods(["GET", "POST"])
@reviewer_required
def console_decide(request, reviewer, pk: int, action: str):
    """通过 / 拒绝: GET asks for confirmation (拒绝 for the reason), POST decides.

    With htmx both answer with the table row: the confirmation in place of the row, then
    the updated row; without it, a confirmation page and a redirect to the list.
    """
    if action not in ACTION_LABELS:
        raise Http404("没有这个操作。")
    application = _console_application(reviewer, pk)
    index = request.GET.get("i") or request.POST.get("i") or ""
    index = int(index) if index.isdigit() and len(index) < 9 else None
    context = {
        **_row_context(reviewer, application, index),
        "action": action,
        "action_label": ACTION_LABELS[action],
        "back": reverse("reviews:console_list"),
    }
    if request.method == "GET":
        if action not in context["actions"]:
            return _decide_refused(request, context, review_messages.ACTION_NOT_OFFERED)
        template = (
            "reviews/console/partials/confirm_row.html"
            if request.htmx
            else ("reviews/console/confirm.html")
        )
        return render(request, template, {**context, "body": reviewer.body, "reviewer": reviewer})
    seen = _seen(request)
    reason = request.POST.get("reason", "")
    try:
        services.application_decide(
            application=application, reviewer=reviewer, action=action, reason=reason, seen=seen
        )
    except DomainError as error:
        if error.field == "reason":
            context.update({"error": error.message, "reason": reason})
            template = (
                "reviews/console/partials/confirm_row.html"
                if request.htmx
                else ("reviews/console/confirm.html")
            )
            return render(
                request,
                template,
                {**context, "body": reviewer.body, "reviewer": reviewer},
                status=200 if request.htmx else 400,
            )
        application = _console_application(reviewer, pk)
        return _decide_refused(
            request, {**_row_context(reviewer, application, index)}, error.message
        )
    done = DECIDED.format(
        action=ACTION_LABELS[action],
        enterprise=application.enterprise.name,
        status=application.get_status_display(),
    )
    if request.htmx:
        row = {**_row_context(reviewer, application, index), "notice": done}
        return render(request, "reviews/console/partials/row.html", row)
    messages.success(request, done)
    return redirect("reviews:console_list")


def _decide_refused(request, context, message: str):
    if request.htmx:
        return render(request, "reviews/console/partials/row.html", {**context, "refusal": message})
    messages.error(request, message)
    return redirect("reviews:console_list")


# --- 监督反馈 (the enterprise admin) -------------------------------------------------------

STEP_PROOFS = 1
STEP_CERTIFICATE = 2
STEP_DONE = 3

# What the wizard shows for the current application's state.
MODE_CHOOSE = "choose"  # no application in progress: 选择认证机构 → 确认,下一步
MODE_WAIT_PRE_REVIEW = "wait_pre_review"  # 学习证明审查已提交，请等待 … 撤销
MODE_CERTIFICATE = "certificate"  # 请填写认证企业贯标证书编号 → 问卷 → 提交
MODE_WAIT_REVIEW = "wait_review"  # 正在验证企业贯标证书编码，请稍等
MODE_DONE = "done"  # 企业贯标认证审核完成

S = ApplicationStatus
MODES = {
    S.PRE_REVIEW_PENDING: (STEP_PROOFS, MODE_WAIT_PRE_REVIEW),
    S.PRE_REVIEW_PASSED: (STEP_CERTIFICATE, MODE_CERTIFICATE),
    S.REVIEW_PENDING: (STEP_CERTIFICATE, MODE_WAIT_REVIEW),
    S.APPROVED: (STEP_DONE, MODE_DONE),
}


def wizard_position(application: Application | None) -> tuple[int, str]:
    """(step, mode): a rejected or withdrawn application leaves the wizard at step 1,
    to start again (its reason shown)."""
    if application is None:
        return STEP_PROOFS, MODE_CHOOSE
    return MODES.get(application.status, (STEP_PROOFS, MODE_CHOOSE))


def _wizard_context(enterprise, **extra) -> dict:
    current = selectors.enterprise_current(enterprise)
    step, mode = wizard_position(current)
    context = {
        "enterprise": enterprise,
        "application": current,
        "step": step,
        "mode": mode,
        "steps": (("1", "学习证明审查"), ("2", "贯标证书审核")),
        "applications": selectors.enterprise_applications(enterprise)[:20],
        "notices": selectors.enterprise_notices(enterprise),
        "rating_choices": RATING_CHOICES,
    }
    if mode == MODE_CHOOSE:
        context["bodies"] = list(selectors.active_bodies())
        context["has_proof"] = proofs.enterprise_has_proof(enterprise.pk)
        context["no_proof_message"] = review_messages.NO_PROOF
        context["no_body_message"] = review_messages.NO_BODY
    if mode == MODE_CERTIFICATE:
        context["questions"] = services.questionnaire_questions()
    if current is not None:
        context["history"] = selectors.history(current)
    context.update(extra)
    return context


@never_cache
@require_http_methods(["GET", "POST"])
@enterprise_admin_required
def enterprise_review(request, enterprise):
    """监督反馈: the wizard at its current step; POST is step 1's 确认,下一步."""
    if request.method == "POST":
        body_id = request.POST.get("body", "")
        body = (
            selectors.active_bodies().filter(pk=int(body_id)).first()
            if body_id.isdigit() and len(body_id) < 19
            else None
        )
        try:
            services.application_submit(enterprise=enterprise, body=body, by=request.user)
        except DomainError as error:
            context = _wizard_context(enterprise, error=error.message, chosen_body=body_id)
            return render(request, "reviews/enterprise/wizard.html", context, status=400)
        return redirect("reviews:enterprise_review")
    return render(request, "reviews/enterprise/wizard.html", _wizard_context(enterprise))


def _enterprise_application(enterprise, pk: int) -> Application:
    try:
        return selectors.enterprise_application(enterprise, pk)
    except Application.DoesNotExist:
        raise Http404(review_messages.NOT_FOUND) from None


@require_POST
@enterprise_admin_required
def enterprise_withdraw(request, enterprise, pk: int):
    """撤销: the application becomes 无效."""
    application = _enterprise_application(enterprise, pk)
    seen = _seen(request)
    try:
        services.application_withdraw(application=application, by=request.user, seen=seen)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, review_messages.WITHDRAWN)
    return redirect("reviews:enterprise_review")


@never_cache
@require_POST
@enterprise_admin_required
def enterprise_certificate(request, enterprise, pk: int):
    """贯标证书审核: 确认,下一步 checks the number and shows the questionnaire; 提交
    (``submit``) sends the number and the answers (→ 待审核)."""
    application = _enterprise_application(enterprise, pk)
    number = request.POST.get("certificate_number", "")
    answers = {k: v for k, v in request.POST.items() if k.startswith("q") and k[1:].isdigit()}
    stage = "questionnaire" if request.POST.get("stage") == "submit" else "number"
    try:
        number = services.certificate_number_check(number)
        if stage == "number":
            if application.status != ApplicationStatus.PRE_REVIEW_PASSED:
                raise DomainError(review_messages.ACTION_NOT_OFFERED, code="action_not_offered")
            context = _wizard_context(
                enterprise, questionnaire=True, certificate_number=number, answers={}
            )
            return render(request, "reviews/enterprise/wizard.html", context)
        seen = _seen(request)
        services.application_submit_certificate(
            application=application,
            by=request.user,
            certificate_number=number,
            answers=answers,
            seen=seen,
        )
    except DomainError as error:
        if error.code in ("action_not_offered", "transition_conflict", "transition_not_allowed"):
            messages.error(request, error.message)
            return redirect("reviews:enterprise_review")
        context = _wizard_context(
            enterprise,
            questionnaire=stage == "questionnaire" and error.field != "certificate_number",
            certificate_number=number,
            answers=answers,
            error=error.message,
            error_field=error.field,
        )
        return render(request, "reviews/enterprise/wizard.html", context, status=400)
    return redirect("reviews:enterprise_review")


# --- 查询学习证明 · 学习证明查询 · 下载全部学习证明 · 导出 -----------------------------------


@never_cache
@require_safe
@reviewer_required
def console_proofs(request, reviewer, pk: int):
    """查询学习证明: the applying enterprise's learners who hold a proof."""
    application = _console_application(reviewer, pk)
    rows = proofs.application_proof_rows(application)
    return render(
        request,
        "reviews/console/proofs.html",
        {"reviewer": reviewer, "body": reviewer.body, "application": application, "rows": rows},
    )


@never_cache
@require_POST
@reviewer_required
def console_proofs_zip(request, reviewer, pk: int):
    """下载全部学习证明: start (or, on a double click, find) the job that packs every proof
    image of the enterprise in one ZIP, then show its progress."""
    application = _console_application(reviewer, pk)
    job, _started = jobs.job_request(
        reviewer=reviewer, kind=ReviewJob.Kind.PROOFS, application=application
    )
    return redirect("reviews:console_job", pk=job.pk)


@never_cache
@require_safe
@reviewer_required
def console_proof_search(request, reviewer):
    """学习证明查询: a proof by number or learner name, among this body's applicants."""
    query = (request.GET.get("q") or "").strip()[: proofs.SEARCH_MAX_LENGTH]
    rows = proofs.body_proof_search(reviewer.body, query) if query else []
    return render(
        request,
        "reviews/console/proof_search.html",
        {"reviewer": reviewer, "body": reviewer.body, "query": query, "rows": rows},
    )


@never_cache
@require_POST
@reviewer_required
def console_export(request, reviewer):
    """导出: start (or find) the job writing the list as filtered now, every row (not only
    the page shown), then show its progress. In the embedded mode it is made right here."""
    job, _started = jobs.job_request(
        reviewer=reviewer,
        kind=ReviewJob.Kind.EXPORT,
        status_filter=request.POST.get("status") or "",
        search=request.POST.get("q") or "",
    )
    return redirect("reviews:console_job", pk=job.pk)


def _console_job(reviewer, pk: int) -> ReviewJob:
    try:
        return selectors.body_job(reviewer.body, pk)
    except ReviewJob.DoesNotExist:
        raise Http404(review_messages.JOB_NOT_FOUND) from None


@never_cache
@require_safe
@reviewer_required
def console_job(request, reviewer, pk: int):
    """The job's progress (htmx polls the partial until it is done) and its link."""
    job = _console_job(reviewer, pk)
    template = "reviews/console/partials/job_status.html"
    if not request.htmx:
        template = "reviews/console/job.html"
    context = {
        "reviewer": reviewer,
        "body": reviewer.body,
        "job": job,
        "retention_hours": settings.REPORT_EXPORT_RETENTION_HOURS,
    }
    return render(request, template, context)


@never_cache
@require_safe
@reviewer_required
def console_job_download(request, reviewer, pk: int):
    """The finished file, to a reviewer of the body it was made for."""
    job = _console_job(reviewer, pk)
    if job.status != job.Status.DONE or not job.file:
        raise Http404(review_messages.JOB_FILE_GONE)
    return download_response(job.file, download_name=job.download_name)
