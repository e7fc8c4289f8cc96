import pytest
from django.core.exceptions import ValidationError

from ipms.accounts.tests.factories import UserFactory
from ipms.content.models import Feedback
from ipms.content.services import feedback_mark_handled, feedback_submit
from ipms.core.errors import DomainError

from .factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def test_feedback_submit_stores_normalised_values():
    user = UserFactory()
    feedback = feedback_submit(
        content="  希望增加更多案例讲解。  ",
        phone="+86 136 1234 2925",
        ip_address="2001:db8::1",
        user=user,
    )
    feedback.refresh_from_db()
    assert feedback.content == "希望增加更多案例讲解。"
    assert feedback.phone == "13612342925"
    assert feedback.ip_address == "2001:db8::1"
    assert feedback.user == user


def test_feedback_submit_ignores_anonymous_user():
    from django.contrib.auth.models import AnonymousUser

    feedback = feedback_submit(
        content="匿名访客的反馈。", phone="13612342925", ip_address=None, user=AnonymousUser()
    )
    assert feedback.user is None
    assert feedback.ip_address is None


@pytest.mark.parametrize(
    ("content", "message"),
    [("短短", "内容太短了，请至少写 5 个字。"), ("字" * 2001, "内容不能超过 2000 个字。")],
)
def test_feedback_submit_enforces_length(content, message):
    with pytest.raises(DomainError) as caught:
        feedback_submit(content=content, phone="13612342925", ip_address=None, user=None)
    assert caught.value.message == message
    assert caught.value.field == "content"
    assert not Feedback.objects.exists()


def test_feedback_submit_refuses_bad_phone():
    with pytest.raises(ValidationError) as caught:
        feedback_submit(content="内容足够长了。", phone="10000000000", ip_address=None, user=None)
    assert "phone" in caught.value.message_dict
    assert not Feedback.objects.exists()


def test_feedback_mark_handled_records_who_and_when():
    operator = UserFactory(is_staff=True)
    feedback = FeedbackFactory()

    handled = feedback_mark_handled(feedback=feedback, user=operator)

    feedback.refresh_from_db()
    assert handled.is_handled and feedback.is_handled
    assert feedback.handled_by == operator
    assert feedback.handled_at is not None


def test_feedback_mark_handled_is_idempotent_and_keeps_the_first_handler():
    first, second = UserFactory(is_staff=True), UserFactory(is_staff=True)
    feedback = FeedbackFactory()
    feedback_mark_handled(feedback=feedback, user=first)
    feedback.refresh_from_db()
    handled_at = feedback.handled_at

    feedback_mark_handled(feedback=feedback, user=second)

    feedback.refresh_from_db()
    assert feedback.handled_by == first
    assert feedback.handled_at == handled_at
