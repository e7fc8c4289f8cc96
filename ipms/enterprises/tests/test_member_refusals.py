"""An enterprise admin learns nothing about people outside the enterprise (issue 9, C2).

添加成员 and 批量导入 said "该手机号已是其他企业的成员" or "…已停用". Now a phone of another
enterprise's member and one of a disabled account get the same answer, and the answers
are limited per admin (MEMBER_REFUSAL_RATE), so a list of phones cannot be looked up.
"""

import pytest
from django.urls import reverse

from ipms.enterprises import imports, messages
from ipms.enterprises.models import Membership

from .factories import MembershipFactory, UserFactory
from .helpers import upload, xlsx

pytestmark = pytest.mark.django_db

ADD = reverse("enterprises:member_add")
IMPORT = reverse("enterprises:member_import")
ELSEWHERE, DISABLED = "13600000001", "13600000002"
REVEALING = ("其他企业", "停用", "已是", "移除")


@pytest.fixture
def outsiders(other_enterprise):
    MembershipFactory(enterprise=other_enterprise, user=UserFactory(phone=ELSEWHERE))
    UserFactory(phone=DISABLED, is_active=False)


def add(client, phone):
    data = {"name": "", "phone": phone, "position": Membership.Position.LEGAL}
    return client.post(ADD, data)


def test_add_member_gives_one_answer_for_both(admin_client, outsiders, other_enterprise):
    answers = []
    for phone in (ELSEWHERE, DISABLED):
        response = add(admin_client, phone)
        assert response.status_code == 200
        answers.append(response.context["form"].errors["phone"])
        body = response.content.decode()
        assert other_enterprise.name not in body
        assert not any(word in body for word in REVEALING), body
    assert answers == [[messages.PHONE_NOT_ADDABLE]] * 2


def test_the_import_preview_gives_one_answer_for_both(admin_client, outsiders, other_enterprise):
    content = xlsx([("甲", ELSEWHERE, "法务", "", ""), ("乙", DISABLED, "法务", "", "")])
    response = admin_client.post(IMPORT, {"file": upload(content)})
    preview = admin_client.get(response["Location"])
    rows = preview.context["error_rows"]
    assert [row.errors for row in rows] == [[messages.PHONE_NOT_ADDABLE]] * 2
    body = preview.content.decode()
    assert other_enterprise.name not in body
    # The template's 填写说明 states the rule in general; the page names no case.
    assert "其他企业" not in body and "停用" not in body


def test_refusals_are_limited_per_admin(settings, admin_client, outsiders, sms_outbox):
    settings.MEMBER_REFUSAL_RATE = "3/d"
    for _ in range(3):
        assert add(admin_client, ELSEWHERE).context["form"].errors["phone"] == [
            messages.PHONE_NOT_ADDABLE
        ]
    # Spent: now even a phone that could be added gets the limit's answer (so the answer
    # tells nothing), and nothing is written or sent.
    for phone in (DISABLED, "13600009999"):
        errors = add(admin_client, phone).context["form"].errors["phone"]
        assert errors[0].startswith("无法添加的手机号过多，请 "), errors
    assert not Membership.objects.filter(phone="13600009999").exists()
    assert sms_outbox == []


def test_another_admin_has_a_count_of_their_own(
    settings, admin_client, client, outsiders, other_admin
):
    settings.MEMBER_REFUSAL_RATE = "1/d"
    add(admin_client, ELSEWHERE)
    assert (
        add(admin_client, "13600009999")
        .context["form"]
        .errors["phone"][0]
        .startswith("无法添加的手机号过多")
    )
    client.force_login(other_admin)
    assert add(client, DISABLED).context["form"].errors["phone"] == [messages.PHONE_NOT_ADDABLE]


def test_an_import_stops_answering_when_the_limit_is_spent(
    settings, enterprise, admin_user, outsiders
):
    settings.MEMBER_REFUSAL_RATE = "2/d"
    phones = [ELSEWHERE, "13600000011", DISABLED, "13600000012", "13600000013"]
    rows = [
        imports.ImportRow(row=n, phone=phone, position_label="法务")
        for n, phone in enumerate(phones, start=2)
    ]
    imports.check_rows(enterprise, rows, by=admin_user)
    assert rows[0].errors == [messages.PHONE_NOT_ADDABLE]
    assert rows[1].ok  # answered before the limit was reached
    assert rows[2].errors == [messages.PHONE_NOT_ADDABLE]  # the second, the last answered
    for row in rows[3:]:
        # Good phones too: past the limit no row says whether its phone is free.
        assert len(row.errors) == 1 and row.errors[0].startswith("无法添加的手机号过多")
    # The next upload answers nothing at all.
    again = [imports.ImportRow(row=2, phone="13600000014", position_label="法务")]
    imports.check_rows(enterprise, again, by=admin_user)
    assert again[0].errors[0].startswith("无法添加的手机号过多")


def test_with_the_limit_cache_down_adding_is_refused(
    admin_client, outsiders, ratelimit_cache_down, sms_outbox
):
    errors = add(admin_client, "13600009999").context["form"].errors["phone"]
    assert errors == ["服务暂时不可用，请稍后再试。"]
    assert sms_outbox == []
