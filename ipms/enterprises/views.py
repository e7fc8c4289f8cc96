"""Enterprise admin pages (product-rules §4) and the invitation link (账号确认 / 账号激活).

Views stay thin: ``enterprise_admin_required`` resolves the admin's enterprise from the
signed-in user, selectors read (scoped to that enterprise), services write, and a
service's ``DomainError`` becomes a field error or a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ipms.accounts import limits as account_limits
from ipms.accounts.models import SmsCodePurpose
from ipms.accounts.sms import USED as SMS_CODE_USED
from ipms.accounts.sms import sms_code_verify
from ipms.accounts.views import login_phone_remember, sms_slider
from ipms.core import ratelimit
from ipms.core.errors import DomainError
from ipms.core.pagination import paginate
from ipms.core.phone import mask_mobile

from . import imports, selectors, services
from .access import enterprise_admin_required
from .forms import (
    EnterpriseProfileForm,
    EnterpriseRegisterForm,
    InvitationSignupForm,
    MemberAddForm,
    MemberImportForm,
    add_domain_error,
)
from .identity import Identity, identity_get, identity_set
from .models import MSG_CREDIT_CODE_TAKEN, Membership

# Several backends are configured (django-axes first), so logins name the one that applies.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

MEMBERS_PER_PAGE = 20
IMPORT_PREVIEW_OK_ROWS = 100

ENTERPRISE_REGISTERED = "企业注册成功！您是“{name}”的企业管理员，可以开始添加企业成员。"
ENTERPRISE_REGISTERED_INCOMPLETE = (
    "企业注册成功！您是“{name}”的企业管理员。添加企业成员前，"
    '请先完善<a href="{url}" class="alert-link">企业信息</a>。'
)
SWITCHED_TO_ADMIN = "已切换为管理员身份。"
SWITCHED_TO_LEARNER = "已切换为学员身份。"
NOT_ADMIN = "您不是企业管理员，无需切换身份。"
PROFILE_SAVED = "企业信息已保存。"
MEMBER_ADDED = "已添加成员 {who}，邀请短信已发送至 {phone}。"
MEMBER_REMOVED = "已移除成员 {who}。其学习记录仍保留在其个人账号中。"
MEMBER_ALREADY_REMOVED = "该成员已移除。"
INVITATION_RESENT = "已重新发送邀请短信至 {phone}，之前的链接已失效。"
IMPORT_EXPIRED = "导入预览已过期或不存在，请重新上传文件。"


def _posted(request):
    """Form data for a POST (even an empty one, which must show "required"), else None."""
    return request.POST if request.method == "POST" else None


def _who(member: Membership) -> str:
    name = member.display_name
    return f"{name}（{member.masked_phone}）" if name else member.masked_phone


def _safe_back(value: str | None) -> str:
    """A query string of 成员管理 (``?q=…&page=…``) to return to, or "" for anything else."""
    value = value or ""
    if value.startswith("?") and len(value) <= 200 and not any(c in value for c in "\r\n\\"):
        return value
    return ""


def _members_url(request) -> str:
    """成员管理 with the search and page the admin came from."""
    back = _safe_back(request.POST.get("back") or request.GET.get("back"))
    return reverse("enterprises:member_list") + back


# --- 企业注册 / 身份切换 ----------------------------------------------------------------------


@sensitive_post_parameters("password", "code")
@never_cache
def register_enterprise(request):
    """企业注册 (/accounts/register/, beside 个人注册). A signed-in user registers their
    enterprise with their own account; a visitor proves the admin's phone with an SMS code
    (the same 获取验证码 flow as 个人注册)."""
    user = request.user if request.user.is_authenticated else None
    form = EnterpriseRegisterForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        refused = account_limits.register_refused(request, count=False)
        if refused:
            form.add_error(None, refused)
            status = 429
        elif form.is_valid() and not _enterprise_code_taken(form):
            done = _register_enterprise(request, form, user)
            if done is not None:
                return done
        form.keep_entries()
    context = {"form": form, "tab": "enterprise"}
    if user is None:
        context.update(sms_purpose=SmsCodePurpose.REGISTER.value, sms_slider=sms_slider())
    return render(request, "enterprises/register.html", context, status=status)


def _register_enterprise(request, form, user):
    """Verify the visitor's code, then register; the redirect, or None with form errors."""
    data = form.cleaned_data
    try:
        if user is None:
            # Outside any transaction: a wrong try is committed even if we stop here.
            sms_code_verify(phone=data["phone"], purpose=SmsCodePurpose.REGISTER, code=data["code"])
    except DomainError as error:
        add_domain_error(form, error)
        return None
    # From here on the code is spent: a refusal asks for a new one.
    if user is None and selectors.account_for_phone(data["phone"]) is not None:
        # Only a valid code proves the number, so only now may the page say it is taken.
        form.add_error("phone", services.PHONE_REGISTERED_ENTERPRISE)
        return None
    try:
        admin, enterprise = services.enterprise_signup(
            user=user,
            phone=data.get("phone", ""),
            password=data.get("password", ""),
            agreement_accepted=data["agree"],
            name=data["name"],
            credit_code=data["credit_code"],
            address=data["address"],
            scale=data["scale"],
            industry=data["industry"],
            type=data["type"],
        )
    except DomainError as error:
        add_domain_error(form, error)
        if user is None and "code" not in form.errors:
            form.add_error("code", SMS_CODE_USED)
        return None
    account_limits.register_refused(request, count=True)
    if user is None:
        login(request, admin, backend=MODEL_BACKEND)
    else:
        # A new privilege for this session: give it a new key.
        request.session.cycle_key()
    identity_set(request, Identity.ADMIN)
    if enterprise.is_profile_complete:
        messages.success(request, ENTERPRISE_REGISTERED.format(name=enterprise.name))
    else:
        messages.success(
            request,
            format_html(
                ENTERPRISE_REGISTERED_INCOMPLETE,
                name=enterprise.name,
                url=reverse("enterprises:profile"),
            ),
        )
    return redirect("enterprises:index")


def _enterprise_code_taken(form) -> bool:
    """The credit code's "already registered", before any SMS code is spent (it says
    nothing about who holds which phone)."""
    if selectors.enterprise_code_taken(form.cleaned_data["credit_code"]):
        form.add_error("credit_code", MSG_CREDIT_CODE_TAKEN)
        return True
    return False


@login_required
@require_POST
def identity_switch(request):
    """身份切换 between 学员 and 管理员 (enterprise admins only)."""
    if not selectors.is_enterprise_admin(request.user):
        identity_set(request, Identity.LEARNER)
        messages.info(request, NOT_ADMIN)
        return redirect("content:home")
    if identity_get(request) == Identity.ADMIN:
        identity_set(request, Identity.LEARNER)
        messages.info(request, SWITCHED_TO_LEARNER)
        return redirect("content:home")
    identity_set(request, Identity.ADMIN)
    messages.info(request, SWITCHED_TO_ADMIN)
    return redirect("enterprises:index")


# --- 企业管理员 ----------------------------------------------------------------------------


@require_safe
@enterprise_admin_required
def index(request, enterprise):
    return redirect("enterprises:member_list")


@require_http_methods(["GET", "POST"])
@enterprise_admin_required
def profile(request, enterprise):
    """企业信息: edit the registration fields; 提交 saves through the service."""
    form = EnterpriseProfileForm(
        _posted(request), initial=EnterpriseProfileForm.initial_for(enterprise)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update_profile(
                enterprise=enterprise, by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, PROFILE_SAVED)
            return redirect("enterprises:profile")
    return render(request, "enterprises/profile.html", {"enterprise": enterprise, "form": form})


@require_safe
@enterprise_admin_required
def member_list(request, enterprise):
    """成员管理: “+添加成员 共N个人”, the member table, search and pages."""
    search = (request.GET.get("q") or "").strip()[: selectors.MEMBER_SEARCH_MAX_LENGTH]
    listing = selectors.member_rows(enterprise, search=search)
    page_obj = paginate(
        request, listing.keys, rows=listing.rows, lead=listing.lead, per_page=MEMBERS_PER_PAGE
    )
    total = selectors.member_count(enterprise) if search else page_obj.paginator.count
    context = {
        "enterprise": enterprise,
        "page_obj": page_obj,
        "members": page_obj.object_list,
        "total": total,
        "search": search,
        "now": timezone.now(),
        "back": request.GET.urlencode() and f"?{request.GET.urlencode()}",
    }
    return render(request, "enterprises/member_list.html", context)


@require_http_methods(["GET", "POST"])
@enterprise_admin_required
def member_add(request, enterprise):
    """添加成员: 姓名, *手机, *职位, 城市 → 提交 → 待验证 and the SMS link."""
    if not enterprise.is_profile_complete:
        return render(
            request, "enterprises/member_add.html", {"enterprise": enterprise, "blocked": True}
        )
    form = MemberAddForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invited = services.membership_invite(
                enterprise=enterprise,
                by=request.user,
                phone=data["phone"],
                name=data["name"],
                position=data["position"],
                province=data["province"],
                city=data["city"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            member = invited.membership
            messages.success(
                request, MEMBER_ADDED.format(who=_who(member), phone=member.masked_phone)
            )
            return redirect("enterprises:member_list")
    return render(request, "enterprises/member_add.html", {"enterprise": enterprise, "form": form})


@require_http_methods(["GET", "POST"])
@enterprise_admin_required
def member_remove(request, enterprise, pk):
    """移除: GET asks for confirmation, POST removes (the admin's own row never)."""
    member = selectors.membership_in_enterprise(enterprise=enterprise, pk=pk, include_removed=True)
    if member.status == Membership.Status.REMOVED:
        messages.info(request, MEMBER_ALREADY_REMOVED)
        return redirect(_members_url(request))
    if member.is_admin:
        messages.error(request, services.CANNOT_REMOVE_ADMIN)
        return redirect(_members_url(request))
    if request.method == "GET":
        back = _safe_back(request.GET.get("back"))
        context = {"enterprise": enterprise, "member": member, "back": back}
        return render(request, "enterprises/member_remove.html", context)
    try:
        services.membership_remove(membership=member, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, MEMBER_REMOVED.format(who=_who(member)))
    return redirect(_members_url(request))


@require_POST
@enterprise_admin_required
def member_resend(request, enterprise, pk):
    """重新发送邀请 for a 待验证 member: a new link; the previous one stops working."""
    member = selectors.membership_in_enterprise(enterprise=enterprise, pk=pk)
    try:
        services.invitation_resend(membership=member, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, INVITATION_RESENT.format(phone=member.masked_phone))
    return redirect(_members_url(request))


# --- 批量导入 -------------------------------------------------------------------------------


@require_safe
@enterprise_admin_required
def member_import_template(request, enterprise):
    """下载模板: the .xlsx to fill in (the file name is chosen here, never by a user)."""
    response = HttpResponse(imports.build_template(), content_type=imports.XLSX_MIME)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=imports.TEMPLATE_FILENAME
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@enterprise_admin_required
def member_import(request, enterprise):
    """批量导入: upload the filled-in template; the checked rows go to the preview."""
    blocked = not enterprise.is_profile_complete
    form = MemberImportForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and not blocked:
        decision = ratelimit.hit("member_import_upload_user", request)
        if not decision.allowed:
            form.add_error(None, decision.message)
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                preview_id = imports.member_import_upload(
                    enterprise=enterprise, by=request.user, upload=upload
                )
            except imports.ImportFileError as error:
                form.add_error("file", error.message)
            else:
                return redirect("enterprises:member_import_preview", preview_id=preview_id)
    context = {"enterprise": enterprise, "form": form, "blocked": blocked}
    return render(request, "enterprises/member_import.html", context)


@require_http_methods(["GET", "POST"])
@enterprise_admin_required
def member_import_preview(request, enterprise, preview_id):
    """The per-row check of an upload; POST (确认导入) imports its valid rows once."""
    if imports.result_load(enterprise=enterprise, preview_id=preview_id) is not None:
        return redirect("enterprises:member_import_result", preview_id=preview_id)
    preview = imports.preview_load(enterprise=enterprise, preview_id=preview_id)
    if preview is None:
        return render(
            request,
            "enterprises/member_import_missing.html",
            {"enterprise": enterprise, "message": IMPORT_EXPIRED},
            status=404,
        )
    if request.method == "POST":
        return _import_confirm(request, enterprise, preview)
    ok_rows = preview.ok_rows
    context = {
        "enterprise": enterprise,
        "preview": preview,
        "ok_rows": ok_rows[:IMPORT_PREVIEW_OK_ROWS],
        "ok_count": len(ok_rows),
        "ok_hidden": max(0, len(ok_rows) - IMPORT_PREVIEW_OK_ROWS),
        "error_rows": preview.error_rows,
        "skip_rows": preview.skip_rows,
        "in_progress": imports.import_claimed(enterprise=enterprise, preview_id=preview.id),
    }
    return render(request, "enterprises/member_import_preview.html", context)


def _import_confirm(request, enterprise, preview):
    """确认导入: the service imports once (a double click waits for the first request)."""
    try:
        imports.member_import_confirm(enterprise=enterprise, by=request.user, preview=preview)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("enterprises:member_import_preview", preview_id=preview.id)
    return redirect("enterprises:member_import_result", preview_id=preview.id)


@require_safe
@enterprise_admin_required
def member_import_result(request, enterprise, preview_id):
    result = imports.result_load(enterprise=enterprise, preview_id=preview_id)
    if result is None:
        if imports.import_claimed(enterprise=enterprise, preview_id=preview_id):
            context = {"enterprise": enterprise, "in_progress": True}
            return render(request, "enterprises/member_import_result.html", context)
        raise Http404(IMPORT_EXPIRED)
    context = {"enterprise": enterprise, "result": result, "preview_id": preview_id}
    return render(request, "enterprises/member_import_result.html", context)


# --- 账号确认 / 账号激活 --------------------------------------------------------------------

TOKEN_MAX_LENGTH = 100
WRONG_ACCOUNT = (
    "该邀请是发给手机号 {invited} 的，您当前登录的账号是 {current}。"
    "请先安全退出，再用该手机号登录后打开此链接。"
)
# The link page's answer to a refusal of services.invitation_check_user (else 410 Gone).
REFUSAL_STATUS = {"invitation_other_enterprise": 409, "account_disabled": 403}


def _invitation_page(request, template: str, context: dict, status: int = 200):
    # The URL carries a one-time token: never_cache keeps it out of caches, and the site's
    # Referrer-Policy (same-origin) out of other sites' logs. Not "no-referrer": browsers
    # then send "Origin: null" with the form, which Django's CSRF check rightly refuses.
    return render(request, f"enterprises/invitation/{template}.html", context, status=status)


def _refused(request, message: str, *, status: int = 410, invitation=None):
    context = {"message": message, "invitation": invitation}
    return _invitation_page(request, "refused", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_link(request, token: str):
    """/j/<token>/: 账号确认 (the phone has an account) or 账号激活 (set a password first).

    Link preview bots and SMS apps fetch links with GET, so GET never changes anything.
    """
    invitation = selectors.invitation_for_token(token) if len(token) <= TOKEN_MAX_LENGTH else None
    if invitation is None:
        return _refused(request, services.INVITATION_INVALID, status=404)
    membership = invitation.membership
    user = request.user if request.user.is_authenticated else None
    if invitation.used_at is not None and user is not None and invitation.used_by_id == user.pk:
        # Replayed or double-clicked by the person who already joined: that is success.
        return redirect("enterprises:joined")
    try:
        services.invitation_check(invitation)
    except DomainError as error:
        return _refused(request, error.message, invitation=invitation)

    context = {
        "invitation": invitation,
        "enterprise": membership.enterprise,
        "masked_phone": mask_mobile(membership.phone),
        "token": token,
    }
    account = selectors.account_for_phone(membership.phone)
    if account is None:
        if user is not None:
            return _wrong_account(request, context, user)
        return _signup(request, context, membership, token)
    if not account.is_active:
        return _refused(request, services.ACCOUNT_DISABLED, status=403, invitation=invitation)
    if user is None:
        # The login form starts with the invited number (it is the invitee's own, and
        # they hold the link); the session carries it, so it never sits in a URL.
        login_phone_remember(request, membership.phone)
        login_url = f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
        return _invitation_page(request, "login", {**context, "login_url": login_url})
    if user.pk != account.pk:
        return _wrong_account(request, context, user)
    try:
        services.invitation_check_user(invitation, user=user)
    except DomainError as error:
        status = REFUSAL_STATUS.get(error.code, 410)
        return _refused(request, error.message, status=status, invitation=invitation)
    if request.method == "POST":
        try:
            services.invitation_accept(token=token, user=user)
        except DomainError as error:
            return _refused(request, error.message, invitation=invitation)
        return redirect("enterprises:joined")
    return _invitation_page(request, "confirm", context)


def _wrong_account(request, context: dict, user):
    """Signed in as someone else: a forwarded link never joins the wrong account."""
    message = WRONG_ACCOUNT.format(invited=context["masked_phone"], current=user.masked_phone)
    return _invitation_page(request, "wrong_account", {**context, "message": message}, 403)


def _signup(request, context: dict, membership: Membership, token: str):
    form = InvitationSignupForm(_posted(request), phone=membership.phone, name=membership.name)
    if request.method == "POST" and form.is_valid():
        try:
            joined = services.invitation_accept_new_account(
                token=token,
                password=form.cleaned_data["password1"],
                agreement_accepted=form.cleaned_data["agree"],
                name=form.member_name,
            )
        except DomainError as error:
            if error.code == "account_exists":
                return redirect(request.path)
            add_domain_error(form, error, fields={"password": "password1"})
        else:
            login(request, joined.user, backend=MODEL_BACKEND)
            return redirect("enterprises:joined")
    return _invitation_page(request, "signup", {**context, "form": form})


@require_safe
@login_required
def joined(request):
    """激活成功: where the invitation page sends a member who has just joined."""
    membership = selectors.membership_of(request.user)
    if membership is None:
        return redirect("content:home")
    return render(request, "enterprises/joined.html", {"membership": membership})
