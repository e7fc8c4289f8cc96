"""成员管理 offers +添加成员 and 批量导入 only when the completeness gate lets them through."""

import pytest
from django.urls import reverse

from .factories import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ADD = reverse("enterprises:member_add")
IMPORT = reverse("enterprises:member_import")
PROFILE = reverse("enterprises:profile")


def _page(client, enterprise, admin_user):
    MembershipFactory(enterprise=enterprise, user=admin_user, admin=True)
    client.force_login(admin_user)
    return client.get(reverse("enterprises:member_list")).content.decode()


def test_an_incomplete_enterprise_is_told_why_instead_of_offered_a_refusal(client, admin_user):
    html = _page(client, EnterpriseFactory(incomplete=True, created_by=admin_user), admin_user)
    assert f'href="{ADD}"' not in html and "+添加成员" not in html
    assert f'href="{IMPORT}"' not in html
    assert "企业信息填写完整后，才能添加成员和批量导入。" in html
    assert f'<a class="btn btn-brand" href="{PROFILE}">填写企业信息</a>' in html


def test_a_complete_enterprise_gets_both_actions(client, admin_user):
    html = _page(client, EnterpriseFactory(created_by=admin_user), admin_user)
    assert f'href="{ADD}">+添加成员</a>' in html
    assert f'href="{IMPORT}">批量导入</a>' in html
    assert "才能添加成员" not in html
