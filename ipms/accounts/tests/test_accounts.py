import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from ipms.accounts.models import User
from ipms.accounts.services import OPERATOR_GROUP, operator_create
from ipms.accounts.validators import LettersAndDigitsValidator
from ipms.core.audit import audit_record
from ipms.core.phone import mask_mobile, normalize_mobile

pytestmark = pytest.mark.django_db


@pytest.mark.real_hashers
def test_user_is_keyed_by_a_valid_mobile_number():
    user = User.objects.create_user(phone="+86 136-0000-2925", password="Secret2026")
    assert user.phone == "13600002925"
    assert user.masked_phone == "136****2925"
    assert user.password.startswith("argon2")
    with pytest.raises(ValidationError):
        User.objects.create_user(phone="12345", password="Secret2026")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13600002925", "13600002925"),
        ("0086 13600002925", "13600002925"),
        (" 136 0000 2925 ", "13600002925"),
    ],
)
def test_normalize_mobile(raw, expected):
    assert normalize_mobile(raw) == expected


def test_mask_leaves_odd_values_alone():
    assert mask_mobile("12") == "12"


def test_password_must_mix_letters_and_digits():
    validator = LettersAndDigitsValidator()
    validator.validate("abc12345")
    for weak in ("abcdefgh", "12345678"):
        with pytest.raises(ValidationError, match="字母和数字"):
            validator.validate(weak)


def test_createoperator_makes_a_staff_member_of_the_operator_group(capsys):
    call_command("createoperator", phone="13900000001", password="Ops2026pass", name="小王")
    user = User.objects.get(phone="13900000001")
    assert user.is_staff and not user.is_superuser
    group = user.groups.get()
    assert group.name == OPERATOR_GROUP
    labels = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert labels == {*settings.OPERATOR_APP_LABELS, "core"} >= {"content", "learning"}
    assert user.has_perm("content.add_policy")
    assert not user.has_perm("accounts.change_user")
    # Of core, operators only read the audit log and the state history.
    core = group.permissions.filter(content_type__app_label="core")
    assert set(core.values_list("codename", flat=True)) == {
        "view_auditlog",
        "view_statetransition",
    }


def test_operators_read_the_audit_log_in_the_console(client):
    operator = operator_create(phone="13900000005", password="Ops2026pass")
    row = audit_record(action="auth.login_failed")
    client.force_login(operator)
    response = client.get(reverse("admin:core_auditlog_changelist"))
    assert response.status_code == 200
    listed = [r.pk for r in response.context["cl"].result_list if r.actor_id != operator.pk]
    assert listed == [row.pk]
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    assert not operator.has_perm("core.delete_auditlog")


def test_createoperator_refuses_a_weak_password():
    with pytest.raises(CommandError):
        call_command("createoperator", phone="13900000002", password="password")
    assert not User.objects.filter(phone="13900000002").exists()


def test_operator_create_promotes_an_existing_user():
    user = User.objects.create_user(phone="13900000003", password="Learner2026")
    operator_create(phone="13900000003", password="ignored-here1")
    user.refresh_from_db()
    assert user.is_staff
    assert user.check_password("Learner2026")  # an existing password is not replaced


def test_operator_group_gets_permissions_of_new_models():
    operator_create(phone="13900000004", password="Ops2026pass")
    assert Permission.objects.filter(group__name=OPERATOR_GROUP, codename="view_feedback").exists()


class TestLogin:
    url = reverse("accounts:login")

    def test_page_renders_in_chinese(self, client):
        response = client.get(self.url)
        assert response.status_code == 200
        assert "手机号登录" in response.content.decode()

    def test_login_with_phone_and_password(self, client):
        User.objects.create_user(phone="13600002925", password="Learner2026")
        response = client.post(self.url, {"username": "13600002925", "password": "Learner2026"})
        assert response.status_code == 302
        assert response.url == reverse("content:home")
        page = client.get(reverse("content:home")).content.decode()
        assert "136****2925" in page
        assert "安全退出" in page

    def test_wrong_password_keeps_the_phone_and_says_why(self, client):
        User.objects.create_user(phone="13600002925", password="Learner2026")
        response = client.post(self.url, {"username": "13600002925", "password": "nope12345"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "手机号或密码不正确" in body
        assert 'value="13600002925"' in body

    def test_malformed_phone_gets_a_field_message(self, client):
        response = client.post(self.url, {"username": "1360000", "password": "x"})
        assert "请输入正确的11位手机号码" in response.content.decode()

    def test_logout_returns_to_home(self, client):
        user = User.objects.create_user(phone="13600002925", password="Learner2026")
        client.force_login(user)
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302
        assert response.url == reverse("content:home")
        assert "_auth_user_id" not in client.session

    def test_console_refuses_non_staff(self, client):
        user = User.objects.create_user(phone="13600002925", password="Learner2026")
        client.force_login(user)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert reverse("admin:login") in response.url
