"""The 身份证 number never appears in plain text: database, dumps, logs, SQL, console,
other pages (S10). Only a Fernet token and a keyed digest are stored."""

import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.models import User
from ipms.core import crypto
from ipms.enterprises.tests.factories import MembershipFactory

from .conftest import ID_NUMBER, OTHER_ID_NUMBER, PASSWORD

pytestmark = pytest.mark.django_db

MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
BIRTH_DATE = ID_NUMBER[6:14]


def fragments(number: str) -> list[str]:
    """The number and the parts that would identify it on their own."""
    return [number, number[6:14] + number[14:17]]


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(phone="13700000001", password=PASSWORD)


def test_a_number_entered_on_the_page_is_nowhere_in_plain_text(
    signed_in, learner, caplog, operator, client
):
    caplog.set_level(logging.DEBUG)
    data = {
        "name": "张总监",
        "id_number": ID_NUMBER,
        "id_number_consent": "on",
        "position": "ip_manager",
        "province": "110000",
        "city": "110000",
    }
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.post(reverse("accounts:settings"), data).status_code == 302
        signed_in.get(reverse("accounts:settings"))
    learner.refresh_from_db()
    assert learner.reveal_id_number() == ID_NUMBER

    # 1. The row holds a token and a digest, not the number.
    row = User.objects.filter(pk=learner.pk).values().get()
    for value in row.values():
        for fragment in fragments(ID_NUMBER):
            assert fragment not in str(value)
    assert crypto.decrypt(row["id_number_encrypted"]) == ID_NUMBER

    # 2. A full database dump (what a backup or a leaked export would hold).
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    dump = out.getvalue()
    assert learner.id_number_encrypted in dump  # the dump did include the row
    for fragment in fragments(ID_NUMBER):
        assert fragment not in dump

    # 3. Every SQL statement and its parameters.
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert ID_NUMBER not in sql

    # 4. Logs (every logger at DEBUG) during the whole exchange.
    assert ID_NUMBER not in caplog.text and BIRTH_DATE not in caplog.text

    # 5. The operator console shows it masked, and only on the change page.
    client.force_login(operator)
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert ID_NUMBER not in listing and MASKED not in listing
    change = client.get(reverse("admin:accounts_user_change", args=[learner.pk])).content.decode()
    assert MASKED in change and ID_NUMBER not in change
    assert learner.id_number_encrypted not in change  # nor the token
    history = client.get(reverse("admin:accounts_user_history", args=[learner.pk]))
    assert ID_NUMBER not in history.content.decode()


def test_console_search_does_not_find_users_by_number(client, operator, learner):
    learner.set_id_number(ID_NUMBER)
    learner.save()
    client.force_login(operator)
    url = reverse("admin:accounts_user_changelist")
    body = client.get(url, {"q": ID_NUMBER}).content.decode()
    assert "0 个用户" in body or "0 用户" in body or learner.phone not in body


def test_console_saving_a_user_keeps_the_number(client, operator, learner):
    learner.set_id_number(ID_NUMBER)
    learner.save()
    token = learner.id_number_encrypted
    client.force_login(operator)
    url = reverse("admin:accounts_user_change", args=[learner.pk])
    response = client.post(
        url,
        {
            "phone": learner.phone,
            "name": "张三",
            "position": "",
            "province": "",
            "city": "",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            # smuggled fields are ignored: the 身份证 columns are not in the form
            "id_number_encrypted": "forged",
            "id_number_digest": "forged",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    learner.refresh_from_db()
    assert learner.name == "张三" and learner.id_number_encrypted == token


def test_str_repr_and_templates_never_show_it(learner):
    learner.set_id_number(ID_NUMBER)
    learner.save()
    for text in (str(learner), repr(learner)):
        assert ID_NUMBER not in text
    rendered = Template(
        "{{ user.reveal_id_number }}|{{ user.masked_id_number }}"
        "|{{ user.id_number_encrypted|length }}"
    ).render(Context({"user": learner}))
    assert ID_NUMBER not in rendered
    assert rendered.startswith("|" + MASKED)


def test_other_people_never_see_it(client, learner):
    """A colleague (even the enterprise admin) browsing pages sees neither number nor mask."""
    learner.set_id_number(ID_NUMBER)
    learner.save()
    admin = MembershipFactory(admin=True).user
    MembershipFactory(user=learner, enterprise=admin.memberships.get().enterprise)
    client.force_login(admin)
    for url in [reverse("content:home"), reverse("accounts:settings")]:
        body = client.get(url).content.decode()
        assert ID_NUMBER not in body and MASKED not in body


def test_digest_lookup_and_unique_constraint(learner):
    from django.db import IntegrityError, transaction

    learner.set_id_number(ID_NUMBER.lower() if ID_NUMBER[-1] == "X" else f" {ID_NUMBER} ")
    learner.save()
    assert learner.id_number_digest == User.id_number_digest_for(ID_NUMBER)
    other = User.objects.create_user(phone="13900001111", password=PASSWORD)
    other.set_id_number(ID_NUMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()
    # Users without a number never collide.
    User.objects.create_user(phone="13900002222", password=PASSWORD)
    User.objects.create_user(phone="13900003333", password=PASSWORD)


def test_masked_value_when_keys_are_lost(learner, settings, caplog):
    learner.set_id_number(OTHER_ID_NUMBER)
    learner.save()
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    fresh = User.objects.get(pk=learner.pk)
    assert fresh.masked_id_number == "（无法解密）"
    assert fresh.reveal_id_number() == ""
    assert OTHER_ID_NUMBER not in caplog.text


def test_rotation_command_reencrypts_and_redigests(learner, settings):
    old = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    learner.set_id_number(ID_NUMBER)
    learner.save()
    new = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    settings.FIELD_DIGEST_KEY = "a-new-digest-key-" + "z" * 40
    out = io.StringIO()
    call_command("field_encryption_rotate", stdout=out)
    assert "已重新加密 1 条" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new]
    learner.refresh_from_db()
    assert learner.reveal_id_number() == ID_NUMBER
    assert learner.id_number_digest == User.id_number_digest_for(ID_NUMBER)


@pytest.mark.parametrize(
    ("view_name", "hidden"),
    [
        ("settings_profile", {"id_number"}),
        ("settings_password", {"old_password", "new_password1", "new_password2"}),
        ("settings_phone", {"code", "password"}),
        ("password_reset", {"code", "new_password1", "new_password2"}),
        ("register_personal", {"code", "password"}),
        ("ipms.enterprises.views.register_enterprise", {"password"}),
    ],
)
def test_error_reports_mask_the_secrets(rf, learner, view_name, hidden):
    """Django's error reports (mails, Sentry-style tools) never carry these values."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.module_loading import import_string
    from django.views.debug import SafeExceptionReporterFilter

    view = import_string(view_name if "." in view_name else f"ipms.accounts.views.{view_name}")
    data = dict.fromkeys(hidden, ID_NUMBER) | {"name": "张三"}
    request = rf.post("/", data)
    anonymous = view.__name__.startswith(("register", "password"))
    request.user = AnonymousUser() if anonymous else learner
    request.session = SessionStore()
    request.htmx = False
    view(request)
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    for name in hidden:
        assert cleansed[name] != ID_NUMBER
    assert cleansed["name"] == "张三"
