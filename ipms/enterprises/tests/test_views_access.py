"""Who may open which enterprise page (S2, S3): anonymous → login, learner → 403, an
admin only ever reaches their own enterprise's members (404 for anyone else's)."""

import pytest
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises import imports
from ipms.enterprises.identity import SESSION_KEY, Identity
from ipms.enterprises.models import Membership

from .factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Every admin page: (URL name, needs a member id, methods to try).
ADMIN_PAGES = [
    ("enterprises:index", False, ["get"]),
    ("enterprises:profile", False, ["get", "post"]),
    ("enterprises:member_list", False, ["get"]),
    ("enterprises:member_add", False, ["get", "post"]),
    ("enterprises:member_remove", True, ["get", "post"]),
    ("enterprises:member_resend", True, ["post"]),
    ("enterprises:member_import", False, ["get", "post"]),
    ("enterprises:member_import_template", False, ["get"]),
    ("enterprises:member_import_preview", "preview", ["get", "post"]),
    ("enterprises:member_import_result", "preview", ["get"]),
]


def _url(name, arg, member_pk=1, preview_id="x" * 22):
    if arg is True:
        return reverse(name, args=[member_pk])
    if arg == "preview":
        return reverse(name, args=[preview_id])
    return reverse(name)


def _cases():
    for name, arg, methods in ADMIN_PAGES:
        for method in methods:
            yield pytest.param(name, arg, method, id=f"{name}-{method}")


def test_every_url_of_the_app_is_classified():
    """A new enterprise URL must be added to ADMIN_PAGES (or to the public ones)."""
    from ipms.enterprises import urls

    names = {f"enterprises:{pattern.name}" for pattern in urls.admin_patterns}
    classified = {name for name, _, _ in ADMIN_PAGES} | {"enterprises:joined"}
    assert names == classified
    # Besides the admin pages: 企业注册 (test_register) and 身份切换 (accounts' menu tests).
    others = {f"enterprises:{p.name}" for p in urls.urlpatterns if hasattr(p, "name")}
    assert others == {"enterprises:register", "enterprises:identity_switch"}


@pytest.mark.parametrize(("name", "arg", "method"), list(_cases()))
def test_anonymous_goes_to_login_with_next(client, enterprise, name, arg, method):
    member = MembershipFactory(enterprise=enterprise)
    url = _url(name, arg, member.pk)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert Membership.objects.get(pk=member.pk).status == Membership.Status.VERIFIED


@pytest.mark.parametrize(("name", "arg", "method"), list(_cases()))
@pytest.mark.parametrize("who", ["learner", "individual", "pending_invitee"])
def test_a_non_admin_gets_403(client, enterprise, name, arg, method, who):
    member = MembershipFactory(enterprise=enterprise)
    if who == "learner":
        user = MembershipFactory(enterprise=enterprise).user
    elif who == "individual":
        user = UserFactory()
    else:
        user = UserFactory()
        MembershipFactory(enterprise=enterprise, user=user, status="pending", verified_at=None)
    client.force_login(user)
    response = getattr(client, method)(_url(name, arg, member.pk))
    assert response.status_code == 403
    body = response.content.decode()
    assert "只有企业管理员可以访问此页面" in body
    assert Membership.objects.get(pk=member.pk).status == Membership.Status.VERIFIED


def test_the_403_page_is_chinese_and_names_the_learners_enterprise(client, enterprise):
    client.force_login(MembershipFactory(enterprise=enterprise).user)
    body = client.get(reverse("enterprises:member_list")).content.decode()
    assert "无权访问" in body
    assert enterprise.name in body


def test_a_removed_admin_row_is_no_admin(client, enterprise, admin_user):
    Membership.objects.filter(user=admin_user).update(role=Membership.Role.LEARNER)
    client.force_login(admin_user)
    assert client.get(reverse("enterprises:member_list")).status_code == 403


MEMBER_ACTIONS = [
    ("enterprises:member_remove", "get"),
    ("enterprises:member_remove", "post"),
    ("enterprises:member_resend", "post"),
]


@pytest.mark.parametrize(("name", "method"), MEMBER_ACTIONS)
def test_admin_of_a_cannot_touch_any_member_of_b(
    client, enterprise, admin_user, other_enterprise, other_admin, name, method, sms_outbox
):
    theirs = [
        MembershipFactory(enterprise=other_enterprise),
        MembershipFactory(enterprise=other_enterprise, pending=True),
        other_enterprise.memberships.get(user=other_admin),
    ]
    client.force_login(admin_user)
    for member in theirs:
        response = getattr(client, method)(reverse(name, args=[member.pk]))
        assert response.status_code == 404, (name, method, member)
        member.refresh_from_db()
        assert member.status != Membership.Status.REMOVED
    assert sms_outbox == []


def test_admin_of_a_does_not_see_members_of_b(client, enterprise, admin_user, other_enterprise):
    theirs = MembershipFactory(enterprise=other_enterprise, name="别家员工")
    client.force_login(admin_user)
    body = client.get(reverse("enterprises:member_list")).content.decode()
    assert "别家员工" not in body
    assert theirs.phone not in body
    body = client.get(reverse("enterprises:member_list"), {"q": theirs.phone}).content.decode()
    assert f'data-member="{theirs.pk}"' not in body
    assert "没有找到匹配" in body


@pytest.mark.parametrize(
    "name", ["enterprises:member_import_preview", "enterprises:member_import_result"]
)
def test_admin_of_a_cannot_open_or_confirm_an_import_of_b(
    client, enterprise, admin_user, other_enterprise, other_admin, name
):
    rows = imports.check_rows(
        other_enterprise,
        [imports.ImportRow(row=2, phone="13600002925", position_label="法务")],
        by=other_admin,
    )
    preview_id = imports.preview_store(
        enterprise=other_enterprise, user=other_admin, filename="b.xlsx", rows=rows
    )
    client.force_login(admin_user)
    assert client.get(reverse(name, args=[preview_id])).status_code == 404
    if name.endswith("preview"):
        assert client.post(reverse(name, args=[preview_id])).status_code == 404
    assert not Membership.objects.filter(phone="13600002925").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/enterprise/members/abc/remove/",
        "/enterprise/members/-1/remove/",
        "/enterprise/members/1%20OR%201=1/resend/",
        "/enterprise/members/99999999999999999999999999/remove/",
        "/enterprise/members/9223372036854775808/resend/",
        "/enterprise/members/0/remove/",
        "/enterprise/members/import/..%2F..%2Fetc/",
        "/enterprise/members/import/" + "a" * 200 + "/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_ids_are_404_not_500(client, enterprise, admin_user, path, method):
    client.force_login(admin_user)
    # 重新发送邀请 is POST only: a GET is refused before the id is even looked at.
    # (a non-numeric id matches no URL at all: 404 either way).
    status = getattr(client, method)(path).status_code
    assert status == 404 or (status == 405 and method == "get" and path.endswith("/resend/"))


def test_opening_an_admin_page_switches_to_the_admin_identity(client, enterprise, admin_user):
    client.force_login(admin_user)
    assert client.session.get(SESSION_KEY) is None
    client.get(reverse("enterprises:member_list"))
    assert client.session[SESSION_KEY] == Identity.ADMIN.value


def test_admin_layout_shows_the_admin_navigation_and_the_enterprise(client, enterprise, admin_user):
    client.force_login(admin_user)
    body = client.get(reverse("enterprises:member_list")).content.decode()
    assert enterprise.name in body
    assert f'href="{reverse("enterprises:member_list")}" aria-current="page">成员管理</a>' in body
    assert f'href="{reverse("enterprises:profile")}">企业信息</a>' in body
    # The public navigation is replaced on admin pages.
    assert ">政策文件</a>" not in body.split("</nav>")[0]


def test_nav_items_appear_only_once_their_pages_exist(client, enterprise, admin_user, monkeypatch):
    from ipms.enterprises.templatetags import enterprise_admin

    client.force_login(admin_user)
    body = client.get(reverse("enterprises:member_list")).content.decode()
    assert ">学习管理</a>" in body  # learning:enterprise_report
    assert ">监督反馈</a>" in body  # reviews:enterprise_review

    # An item whose page is not (or no longer) there is left out, not a broken link.
    nav = [*enterprise_admin.ADMIN_NAV, ("未来功能", "reviews:no_such_page", ("x",))]
    monkeypatch.setattr(enterprise_admin, "ADMIN_NAV", nav)
    body = client.get(reverse("enterprises:member_list")).content.decode()
    assert "未来功能" not in body and ">监督反馈</a>" in body


def test_joined_page_needs_login(client):
    response = client.get(reverse("enterprises:joined"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
