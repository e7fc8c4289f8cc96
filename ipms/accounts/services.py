"""Every write to accounts: operators, registration, passwords, profile, phone change.

Services take keyword-only arguments, run in one transaction and raise ``DomainError``
with a Chinese message (and the form field it belongs to). SMS codes are verified by the
views *before* calling them (``ipms.accounts.sms.sms_code_verify`` commits its own
bookkeeping and refuses to run inside a transaction).
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ipms.core import regions
from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.core.names import clean_person_name
from ipms.core.phone import PHONE_INVALID, is_mobile, normalize_mobile

from .idcard import parse_id_number
from .models import Position, User
from .signals import phone_changed

OPERATOR_GROUP = "平台运营"
# Beyond the content apps, operators read the audit log and the state history (nobody
# may change them).
OPERATOR_EXTRA_PERMISSIONS = (("core", "view_auditlog"), ("core", "view_statetransition"))


@transaction.atomic
def operator_group_ensure() -> Group:
    """The operators' group holds every permission on the content apps and may read the
    audit log and the state history, nothing else.

    Operators run content; they are not superusers (MLPS separation of duties).
    """
    group, _ = Group.objects.get_or_create(name=OPERATOR_GROUP)
    extra = Q()
    for app_label, codename in OPERATOR_EXTRA_PERMISSIONS:
        extra |= Q(content_type__app_label=app_label, codename=codename)
    perms = Permission.objects.filter(
        Q(content_type__app_label__in=settings.OPERATOR_APP_LABELS) | extra
    )
    group.permissions.set(perms)
    return group


@transaction.atomic
def operator_create(*, phone: str, password: str, name: str = "") -> User:
    """Create an operator account, or make an existing user an operator."""
    phone = normalize_mobile(phone)
    group = operator_group_ensure()
    user = User.objects.filter(phone=phone).first()
    if user is None:
        validate_password(password)
        user = User.objects.create_user(phone=phone, password=password, name=name, is_staff=True)
    else:
        if not user.is_active:
            raise DomainError("该手机号的账号已停用。")
        user.is_staff = True
        if name and not user.name:
            user.name = name
        user.save(update_fields=["is_staff", "name"])
    user.groups.add(group)
    return user


# --- account pages (product-rules §3) ---------------------------------------------------------

PHONE_REGISTERED = "该手机号已注册，请直接登录或找回密码。"
PHONE_TAKEN = "该手机号已被其他账号使用。"
PHONE_UNCHANGED = "新手机号与当前手机号相同。"
AGREEMENT_REQUIRED = "请阅读并勾选同意《用户协议》。"
ACCOUNT_DISABLED = "该账号已停用，请联系平台客服。"
ID_NUMBER_TAKEN = "该身份证号码已登记在其他账号下。如确属本人，请联系平台客服处理。"
ID_NUMBER_CONSENT_REQUIRED = "登记身份证号码需要您的单独同意，请勾选后再提交。"
POSITION_INVALID = "请从列表中选择职位。"


def _domain_error_from(error: ValidationError, *, default_field: str | None = None) -> DomainError:
    """The first message of a ValidationError as a DomainError on its field."""
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        message = errors[0].messages[0]
        return DomainError(message, field=None if field == NON_FIELD_ERRORS else field)
    return DomainError(error.messages[0], field=default_field)


def _clean_phone(phone: str) -> str:
    phone = normalize_mobile(phone)
    if not is_mobile(phone):
        raise DomainError(PHONE_INVALID, code="phone_invalid", field="phone")
    return phone


def password_check_policy(password: str, *, user: User | None = None, field: str = "password"):
    """AUTH_PASSWORD_VALIDATORS, all messages at once, as a DomainError on ``field``."""
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise DomainError("".join(error.messages), field=field) from None


def _consent_now(user: User) -> None:
    user.agreement_version = settings.USER_AGREEMENT_VERSION
    user.agreed_at = timezone.now()


@transaction.atomic
def user_register(*, phone: str, password: str, agreement_accepted: bool, name: str = "") -> User:
    """个人注册 (after the SMS code was verified) and the account part of 企业注册.

    The consent to the current 《用户协议》 is recorded with its version and time (PIPL
    Art. 14: explicit, informed). The caller logs the user in.
    """
    phone = _clean_phone(phone)
    if not agreement_accepted:
        raise DomainError(AGREEMENT_REQUIRED, code="agreement_required", field="agree")
    if User.objects.filter(phone=phone).exists():
        raise DomainError(PHONE_REGISTERED, code="phone_registered", field="phone")
    candidate = User(phone=phone, name=clean_person_name(name))
    password_check_policy(password, user=candidate)
    candidate.set_password(password)
    _consent_now(candidate)
    try:
        candidate.full_clean(exclude=["password"])
    except ValidationError as error:
        raise _domain_error_from(error) from None
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        # The same phone registered a moment ago by a concurrent request.
        raise DomainError(PHONE_REGISTERED, code="phone_registered", field="phone") from None
    return candidate


@transaction.atomic
def user_agreement_accept(*, user: User) -> User:
    """Record consent to the current 《用户协议》 (idempotent for the same version)."""
    if user.agreement_version != settings.USER_AGREEMENT_VERSION or user.agreed_at is None:
        _consent_now(user)
        user.save(update_fields=["agreement_version", "agreed_at"])
    return user


@transaction.atomic
def user_password_reset(*, phone: str, password: str) -> User | None:
    """找回密码 (after the SMS code was verified): set a new password.

    Returns the user, or None when the phone has no active account (the page then says
    the same as for a wrong code, so it never tells who is registered). The new password
    hash ends every session of the user (Django checks the hash on each request), and the
    login lock on the phone is lifted: the SMS code proved control of the phone.
    """
    phone = _clean_phone(phone)
    user = User.objects.select_for_update().filter(phone=phone, is_active=True).first()
    if user is None:
        return None
    password_check_policy(password, user=user, field="new_password1")
    user.set_password(password)
    user.save(update_fields=["password"])
    axes_reset(username=phone)
    audit_record(action="account.password_reset", actor=user, obj=user)
    return user


@transaction.atomic
def user_password_change(*, user: User, password: str) -> User:
    """密码修改 (after the current password was checked). The view keeps its session."""
    password_check_policy(password, user=user, field="new_password1")
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="account.password_changed", actor=user, obj=user)
    return user


def _clean_region(province: str, city: str) -> tuple[str, str]:
    error = regions.region_error(province, city)
    if error is not None:
        field, message = error
        raise DomainError(message, field=field)
    return (province or "").strip(), (city or "").strip()


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    name: str,
    position: str,
    province: str,
    city: str,
    id_number: str | None = None,
    id_number_consent: bool = False,
    clear_id_number: bool = False,
) -> User:
    """个人资料 → 提交.

    ``id_number`` None (or the number already stored) leaves the 身份证 as it is; a new
    number needs the separate consent of PIPL Art. 29 (``id_number_consent``) and must not
    be registered on another account (one person, one account). ``clear_id_number``
    erases it (PIPL Art. 47). The number is never logged, not even when refused.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    name = clean_person_name(name)
    position = position or ""
    if position and position not in Position.values:
        raise DomainError(POSITION_INVALID, code="position_invalid", field="position")
    province, city = _clean_region(province, city)
    locked.name, locked.position, locked.province, locked.city = name, position, province, city

    update_fields = ["name", "position", "province", "city"]
    if clear_id_number:
        locked.set_id_number("")
        locked.id_number_agreed_at = None
        update_fields += ["id_number_encrypted", "id_number_digest", "id_number_agreed_at"]
    elif id_number:
        try:
            number = parse_id_number(id_number).number
        except ValidationError as error:
            raise DomainError(error.messages[0], field="id_number") from None
        digest = User.id_number_digest_for(number)
        if digest != locked.id_number_digest:
            if not id_number_consent:
                raise DomainError(
                    ID_NUMBER_CONSENT_REQUIRED,
                    code="id_number_consent_required",
                    field="id_number_consent",
                )
            if User.objects.filter(id_number_digest=digest).exclude(pk=locked.pk).exists():
                raise DomainError(ID_NUMBER_TAKEN, code="id_number_taken", field="id_number")
            locked.set_id_number(number)
            locked.id_number_agreed_at = timezone.now()
            update_fields += ["id_number_encrypted", "id_number_digest", "id_number_agreed_at"]
    try:
        locked.full_clean(exclude=["password", "phone"], validate_constraints=False)
    except ValidationError as error:
        raise _domain_error_from(error) from None
    try:
        with transaction.atomic():
            locked.save(update_fields=update_fields)
    except IntegrityError:
        raise DomainError(ID_NUMBER_TAKEN, code="id_number_taken", field="id_number") from None
    return locked


@transaction.atomic
def user_phone_change(*, user: User, new_phone: str) -> User:
    """更换手机 (after the SMS code to the new number and the current password were checked).

    ``phone_changed`` is sent inside this transaction, so what its receivers write (the
    enterprises' member lists follow the account) commits with the change. The phone is part
    of the session hash (``User.get_session_auth_hash``), so every other session ends;
    the view keeps its own with ``update_session_auth_hash``.
    """
    new_phone = _clean_phone(new_phone)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise DomainError(ACCOUNT_DISABLED, code="account_disabled")
    if new_phone == locked.phone:
        raise DomainError(PHONE_UNCHANGED, code="phone_unchanged", field="phone")
    if User.objects.filter(phone=new_phone).exclude(pk=locked.pk).exists():
        raise DomainError(PHONE_TAKEN, code="phone_taken", field="phone")
    old_phone = locked.phone
    locked.phone = new_phone
    try:
        with transaction.atomic():
            locked.save(update_fields=["phone"])
    except IntegrityError:
        raise DomainError(PHONE_TAKEN, code="phone_taken", field="phone") from None
    audit_record(
        action="account.phone_changed",
        actor=locked,
        obj=locked,
        details={"old_phone": old_phone, "new_phone": new_phone},  # masked by the log
    )
    phone_changed.send(sender=User, user=locked)
    return locked
