"""Demo learning proofs: every demo learner who meets a course's conditions (the exams
demo gives 张总监 passing attempts) holds its 学习证明, made by the real service, so the
证书 tab, 在学课程, 学习管理 and 证书查验 have something to show. Idempotent: a learner
who holds the proof is skipped. 吴思远 (all lessons done, exam not taken) is left to try
the exam and the proof himself."""

from __future__ import annotations

from ipms.accounts.models import User
from ipms.credentials import eligibility, services
from ipms.credentials.models import Credential
from ipms.demo import enterprises
from ipms.learning.models import Course


def _demo_learners():
    phones = [member.phone for member in enterprises.MEMBERS]
    phones += [enterprises.ADMIN["phone"], enterprises.INDIVIDUAL["phone"]]
    return User.objects.filter(phone__in=phones, is_active=True)


def load(*, stdout) -> None:
    made = 0
    courses = list(Course.objects.published())
    for user in _demo_learners():
        held = set(Credential.objects.filter(user=user).values_list("course_id", "kind"))
        for course in courses:
            if (course.pk, "proof") in held:
                continue
            standing = eligibility.standing_for(user=user, course=course)
            if eligibility.proof_refusal(standing) is None:
                # Drawn now (load_demo runs without a worker; Celery is eager).
                proof = services.proof_generate(user=user, course=course)
                services.credential_render(credential_id=proof.pk)
                made += 1
    if made:
        stdout.write(f"演示学习证明：新生成 {made} 份。")
