"""Who may learn (product-rules §1): the one rule, in one function.

“Who may learn: verified members of an enterprise and individually registered users.”

Read precisely, that is every active platform account that is a learner account:

* a verified member (学员 or 企业管理员, who is also a learner of their enterprise) — yes;
* an individually registered user (个人注册) — yes;
* a user whose only membership is 待验证 — yes, as an individual, until they confirm
  (the enterprise's name appears on their records only once they are 已验证);
* a removed member (已移除) — yes, as an individual again; their records stay theirs;
* platform operators (``is_staff`` / superusers: accounts created on the command line to
  run the console) — no: their accounts exist to run the platform, not to earn evidence;
* a disabled account (``is_active`` false) or a visitor — no.

Membership therefore only decides *under which name* a learner's records appear (the
enterprise, or none), never *whether* they may learn; so the check needs no query and
can run on every heartbeat. Reviewer accounts (certification-body staff, a later issue)
are not learner accounts either: the reviews app must add its test here.
"""

from __future__ import annotations

MSG_NOT_A_LEARNER = "当前账号不能参加课程学习。"


def learner_may_learn(user) -> bool:
    """True when ``user`` may watch lessons, download courseware and earn learning time."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    return not (user.is_staff or user.is_superuser)
