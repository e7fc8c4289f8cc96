from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from ipms.core.errors import DomainError

from .models import User
from .validators import normalize_mobile

OPERATOR_GROUP = "平台运营"


@transaction.atomic
def operator_group_ensure() -> Group:
    """The operators' group holds every permission on the content apps, nothing else.

    Operators run content; they are not superusers (MLPS separation of duties).
    """
    group, _ = Group.objects.get_or_create(name=OPERATOR_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=settings.OPERATOR_APP_LABELS)
    group.permissions.set(perms)
    return group


@transaction.atomic
def operator_create(*, phone: str, password: str, name: str = "") -> User:
    """Create an operator account, or make an existing user an operator."""
    phone = normalize_mobile(phone)
    group = operator_group_ensure()
    user = User.objects.filter(phone=phone).first()
    if user is None:
        from django.contrib.auth.password_validation import validate_password

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
