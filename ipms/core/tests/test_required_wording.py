"""One wording for a missing value on every form: 请填写<名称>。 or 请选择<名称>。"""

import importlib
import inspect
from unittest import mock

import pytest
from django import forms
from django.urls import reverse

from ipms.core.forms import REQUIRED_WORDING, required_message

FORM_MODULES = ["ipms.accounts.forms", "ipms.enterprises.forms", "ipms.content.forms"]
# Fields that ask for an action rather than a value keep their own sentence.
ACTIONS = {
    "请先完成滑块验证。",
    "请阅读并勾选同意《用户协议》。",
    "请设置登录密码。",
    "请确认登录密码。",
}


def _forms():
    user = mock.MagicMock(is_authenticated=True, phone="13600002925", name="")
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != module_name:
                continue
            for kwargs in ({}, {"user": user}, {"phone": "13600002925"}):
                try:
                    yield name, cls(data={}, **kwargs)
                    break
                except TypeError:
                    continue
            else:
                pytest.fail(f"{name}: add its constructor arguments to this test")


def test_every_required_field_has_the_one_wording():
    seen = 0
    for form_name, form in _forms():
        for field_name, field in form.fields.items():
            if not field.required or field.widget.is_hidden or not field.label:
                continue  # not typed by the user (e.g. the SMS button's purpose)
            message = str(field.error_messages["required"])
            seen += 1
            assert REQUIRED_WORDING.match(message) or message in ACTIONS, (
                f"{form_name}.{field_name}: {message}"
            )
    assert seen > 30


@pytest.mark.parametrize(
    ("label", "widget", "message"),
    [
        ("姓名", forms.TextInput, "请填写姓名。"),
        ("职位", forms.Select, "请选择职位。"),
        ("手机", forms.TextInput, "请填写手机号。"),
        ("设置登录密码", forms.PasswordInput, "请设置登录密码。"),
        ("选择文件", forms.FileInput, "请选择文件。"),
        ("", forms.TextInput, "请填写此项。"),
    ],
)
def test_the_wording_comes_from_the_label(label, widget, message):
    assert required_message(forms.CharField(label=label, widget=widget)) == message


@pytest.mark.django_db
def test_an_empty_login_names_both_fields(client):
    body = client.post(reverse("accounts:login"), {}).content.decode()
    assert "请填写手机号。" in body and "请填写登录密码。" in body
    assert "这个字段是必" not in body


@pytest.mark.django_db
def test_the_console_login_uses_the_same_wording(client):
    body = client.post(reverse("admin:login"), {}).content.decode()
    assert "请填写手机号。" in body and "请填写密码。" in body
