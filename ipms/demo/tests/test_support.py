import io

import pytest

from ipms.demo import support
from ipms.support.models import QuickReply

pytestmark = pytest.mark.django_db


def test_quick_replies_load_once_and_keep_an_operators_edits():
    support.load(stdout=io.StringIO())
    assert QuickReply.objects.count() == len(support.QUICK_REPLIES)
    QuickReply.objects.filter(position=1).update(text="您好，这里是平台客服。")
    support.load(stdout=io.StringIO())
    assert QuickReply.objects.filter(text="您好，这里是平台客服。").exists()
    assert QuickReply.objects.count() == len(support.QUICK_REPLIES) + 1
