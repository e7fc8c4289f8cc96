"""One 姓名 rule (ipms.core.names) in every form and service that takes a person's name.

"=…" was refused in 添加成员 but accepted in 个人资料 and 账号激活 (issue 9, C9). Each place
gets the same bad names and must refuse them with the same message, keeping the old name.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ipms.accounts.admin import UserEditForm
from ipms.accounts.services import user_profile_update, user_register
from ipms.accounts.tests.factories import TEST_PASSWORD, UserFactory
from ipms.core.errors import DomainError
from ipms.core.names import NAME_CONTROL, NAME_FORMULA, NAME_TOO_LONG, person_name_error
from ipms.enterprises import imports
from ipms.enterprises.models import Membership
from ipms.enterprises.services import membership_invite
from ipms.enterprises.tests.factories import enterprise_with_admin
from ipms.enterprises.tests.helpers import upload
from ipms.enterprises.tests.test_import_limits import shared_strings_xlsx

pytestmark = pytest.mark.django_db

BAD_NAMES = [
    ('=HYPERLINK（"http://x.example","点我"）', NAME_FORMULA),
    ("+86张三", NAME_FORMULA),
    ("-张三", NAME_FORMULA),
    ("@张三", NAME_FORMULA),
    ("张\n三", NAME_CONTROL),
    ("张\u202e三", NAME_CONTROL),  # right-to-left override: shows reversed text
    ("名" * 51, NAME_TOO_LONG),
]
GOOD_NAMES = ["张三", "阿卜杜拉·买买提", "O'Brien", "李 四", "名" * 50]


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_the_rule(name, message):
    assert person_name_error(name)[0] == message


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_real_names_pass(name):
    assert person_name_error(name) is None


@pytest.fixture
def admin_client(client):
    enterprise, admin = enterprise_with_admin(UserFactory(name="王管理"))
    client.force_login(admin)
    client.enterprise, client.admin = enterprise, admin
    return client


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_add_member(admin_client, name, message):
    data = {"name": name, "phone": "13600002925", "position": "legal"}
    response = admin_client.post(reverse("enterprises:member_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [message]
    assert not Membership.objects.filter(phone="13600002925").exists()


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_import_row(admin_client, name, message):
    # Text cells as Excel writes them (openpyxl would store "=…" as a formula).
    content = shared_strings_xlsx([(name, "13600002925", "法务", "上海市", "上海市")])
    response = admin_client.post(reverse("enterprises:member_import"), {"file": upload(content)})
    preview_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    preview = imports.preview_load(enterprise=admin_client.enterprise, preview_id=preview_id)
    assert preview.rows[0].errors == [message]


@pytest.fixture
def learner_client(client):
    learner = UserFactory(name="张总监")
    client.force_login(learner)
    client.learner = learner
    return client


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_profile(learner_client, name, message):
    data = {"name": name, "id_number": "", "position": "", "province": "", "city": ""}
    response = learner_client.post(reverse("accounts:settings"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [message]
    learner_client.learner.refresh_from_db()
    assert learner_client.learner.name == "张总监"


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_activation(client, admin_client, name, message):
    invited = membership_invite(
        enterprise=admin_client.enterprise,
        by=admin_client.admin,
        phone="13600002925",
        name="",
        position=Membership.Position.LEGAL,
        province="",
        city="",
    )
    client.logout()
    response = client.post(
        f"/j/{invited.token}/",
        {"name": name, "password1": "Xuexi2026ok", "password2": "Xuexi2026ok", "agree": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [message]
    assert not get_user_model().objects.filter(phone="13600002925").exists()


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_console_user_form(name, message):
    user = UserFactory(name="张总监")
    data = {
        "phone": user.phone,
        "name": name,
        "password": user.password,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }
    form = UserEditForm(data, instance=user)
    assert not form.is_valid()
    if message != NAME_TOO_LONG:  # the length is the model field's own check there
        assert form.errors["name"] == [message]


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_services_refuse_it_too(admin_client, name, message):
    """The services behind the forms hold the same rule (a form is not the only caller)."""
    learner = UserFactory(name="张总监")
    with pytest.raises(DomainError) as caught:
        user_profile_update(user=learner, name=name, position="", province="", city="")
    assert (caught.value.message, caught.value.field) == (message, "name")
    with pytest.raises(DomainError) as caught:
        user_register(
            phone="13900000009", password=TEST_PASSWORD, agreement_accepted=True, name=name
        )
    assert caught.value.message == message
    with pytest.raises(DomainError) as caught:
        membership_invite(
            enterprise=admin_client.enterprise,
            by=admin_client.admin,
            phone="13600002925",
            name=name,
            position=Membership.Position.LEGAL,
            province="",
            city="",
        )
    assert caught.value.message == message
