"""Generation rules, numbering, the frozen snapshot, signing, rendering, revocation."""

from __future__ import annotations

import datetime
import io
import re

import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from PIL import Image
from pypdf import PdfReader

from ipms.accounts.tests.factories import UserFactory
from ipms.core.models import AuditLog
from ipms.credentials import documents, selectors, services, signing
from ipms.credentials.models import Credential, CredentialSequence, Kind
from ipms.credentials.tests.conftest import complete_course

pytestmark = pytest.mark.django_db


def _generate(user, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.proof_generate(user=user, course=course)


def test_proof_freezes_snapshot_number_hash_and_signature(
    passed_member, course, django_capture_on_commit_callbacks
):
    proof = _generate(passed_member, course, django_capture_on_commit_callbacks)
    assert re.fullmatch(r"CNIPA-\d{4}E0000001", proof.number)
    assert proof.snapshot == {
        "kind": "proof",
        "number": proof.number,
        "name": "张三丰",
        "id_number": "110105********002X",
        "enterprise": "苏州测试知识产权科技有限公司",
        "course": "知识产权管理人员课程",
        "credits": 6,
        "exam_score": 85,
        "issued_on": proof.snapshot["issued_on"],
        "platform": "知识产权贯标认证学习平台",
    }
    assert proof.content_hash == documents.content_hash(proof.snapshot)
    assert selectors.signature_matches(proof)
    assert AuditLog.objects.filter(action="credential.proof_generated", object_id=str(proof.pk))
    # Rendered after the commit (inline here, as in the embedded mode).
    proof.refresh_from_db()
    assert proof.is_rendered


def test_profile_edits_change_nothing_already_issued(
    passed_member, course, django_capture_on_commit_callbacks
):
    proof = _generate(passed_member, course, django_capture_on_commit_callbacks)
    proof.refresh_from_db()
    before = (proof.number, dict(proof.snapshot), proof.content_hash, proof.signed_credential)
    png_before = proof.png.read()
    passed_member.name = "李四"
    passed_member.set_id_number("110101199003077777")
    passed_member.save()
    proof.refresh_from_db()
    assert (proof.number, proof.snapshot, proof.content_hash, proof.signed_credential) == before
    assert selectors.verify_number(proof.number).genuine
    proof.png.open("rb")
    assert proof.png.read() == png_before


def test_a_changed_snapshot_fails_the_signature_check(
    passed_member, course, django_capture_on_commit_callbacks
):
    proof = _generate(passed_member, course, django_capture_on_commit_callbacks)
    Credential.objects.filter(pk=proof.pk).update(snapshot={**proof.snapshot, "exam_score": 100})
    verification = selectors.verify_number(proof.number)
    assert not verification.signature_valid and not verification.genuine


def test_a_token_signed_by_another_key_fails(passed_member, course, settings):
    proof = services.proof_generate(user=passed_member, course=course)
    settings.CREDENTIAL_SIGNING_KEY = signing.generate_private_key_pem()
    assert not selectors.signature_matches(proof)


def test_once_per_learner_and_course(passed_member, course):
    services.proof_generate(user=passed_member, course=course)
    with pytest.raises(services.CredentialRefused) as refused:
        services.proof_generate(user=passed_member, course=course)
    assert refused.value.code == "credential_exists"
    assert Credential.objects.count() == 1
    # The sequence did not move for the refused attempt.
    assert CredentialSequence.objects.get(kind=Kind.PROOF).last == 1


def test_the_database_refuses_a_second_proof(passed_member, course):
    proof = services.proof_generate(user=passed_member, course=course)
    duplicate = Credential(
        kind=Kind.PROOF,
        number=proof.number.replace("0000001", "0000099"),
        user=passed_member,
        course=course,
        snapshot={},
        content_hash="x",
        signed_credential="x",
        key_id="x",
        issued_at=proof.issued_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_numbers_follow_each_other(course, exam_scores):
    numbers = []
    for _ in range(3):
        user = UserFactory()
        complete_course(user, course)
        exam_scores[(user.pk, course.pk)] = 90
        numbers.append(services.proof_generate(user=user, course=course).number)
    assert [n[-7:] for n in numbers] == ["0000001", "0000002", "0000003"]


def test_number_format_is_a_constraint(passed_member, course):
    proof = services.proof_generate(user=passed_member, course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Credential.objects.filter(pk=proof.pk).update(number="CNIPA-2026X1")


@pytest.mark.parametrize(
    ("score", "complete", "code"),
    [
        (None, True, "conditions_not_met"),  # no exam taken
        (59, True, "conditions_not_met"),  # below Y
        (85, False, "conditions_not_met"),  # below X
    ],
)
def test_conditions_are_checked_on_the_server(member, course, exam_scores, score, complete, code):
    if complete:
        complete_course(member, course)
    if score is not None:
        exam_scores[(member.pk, course.pk)] = score
    with pytest.raises(services.CredentialRefused) as refused:
        services.proof_generate(user=member, course=course)
    assert refused.value.code == code
    assert "学分 >= 6 分 且 考试得分 >= 60 分" in refused.value.message
    assert not Credential.objects.exists()


def test_operator_proof_conditions_follow_the_course(member, course, exam_scores):
    course.proof_min_credits = 100
    course.save()
    complete_course(member, course)
    exam_scores[(member.pk, course.pk)] = 100
    with pytest.raises(services.CredentialRefused):
        services.proof_generate(user=member, course=course)


def test_operators_cannot_generate(operator, course):
    with pytest.raises(services.CredentialRefused) as refused:
        services.proof_generate(user=operator, course=course)
    assert refused.value.code == "not_a_learner"


def test_a_learner_without_a_name_is_asked_for_one(course, exam_scores):
    user = UserFactory(name="")
    complete_course(user, course)
    exam_scores[(user.pk, course.pk)] = 80
    with pytest.raises(services.CredentialRefused) as refused:
        services.proof_generate(user=user, course=course)
    assert refused.value.code == "name_missing"


# --- certificate -----------------------------------------------------------------------


def test_certificate_needs_proof_and_passed_review(passed_member, course, review_passed):
    with pytest.raises(services.CredentialRefused) as refused:
        services.certificate_generate(user=passed_member, course=course)
    assert refused.value.code == "needs_proof"
    proof = services.proof_generate(user=passed_member, course=course)
    with pytest.raises(services.CredentialRefused) as refused:
        services.certificate_generate(user=passed_member, course=course)
    assert refused.value.code == "review_pending"
    review_passed.add(proof.enterprise_id)
    certificate = services.certificate_generate(user=passed_member, course=course)
    assert re.fullmatch(r"CNIPA-\d{4}C0000001", certificate.number)
    assert certificate.proof == proof
    assert certificate.snapshot["proof_number"] == proof.number
    assert selectors.signature_matches(certificate)
    assert AuditLog.objects.filter(action="credential.certificate_generated").count() == 1


def test_individual_learners_earn_proofs_but_no_certificate(course, exam_scores, review_passed):
    user = UserFactory(name="王五")
    complete_course(user, course)
    exam_scores[(user.pk, course.pk)] = 70
    proof = services.proof_generate(user=user, course=course)
    assert proof.enterprise is None and proof.snapshot["enterprise"] == ""
    with pytest.raises(services.CredentialRefused) as refused:
        services.certificate_generate(user=user, course=course)
    assert refused.value.code == "individual_learner"
    assert "个人学员" in refused.value.message


def test_a_revoked_proof_earns_no_certificate(passed_member, course, review_passed, operator):
    proof = services.proof_generate(user=passed_member, course=course)
    review_passed.add(proof.enterprise_id)
    services.credential_revoke(credential=proof, reason="考试作弊", by=operator)
    with pytest.raises(services.CredentialRefused) as refused:
        services.certificate_generate(user=passed_member, course=course)
    assert refused.value.code == "proof_revoked"


# --- revocation ------------------------------------------------------------------------


def test_revocation_needs_a_reason_and_is_audited(passed_member, course, operator):
    proof = services.proof_generate(user=passed_member, course=course)
    with pytest.raises(services.CredentialRefused):
        services.credential_revoke(credential=proof, reason=" ", by=operator)
    services.credential_revoke(credential=proof, reason="学习记录不实", by=operator)
    proof.refresh_from_db()
    assert proof.status == Credential.Status.REVOKED
    assert proof.revoked_reason == "学习记录不实" and proof.revoked_at
    row = AuditLog.objects.get(action="credential.revoked")
    assert row.actor == operator and row.details["reason"] == "学习记录不实"
    verification = selectors.verify_number(proof.number)
    assert verification.signature_valid and not verification.genuine


# --- rendering -------------------------------------------------------------------------


def test_render_is_idempotent(passed_member, course, settings):
    proof = services.proof_generate(user=passed_member, course=course)
    services.credential_render(credential_id=proof.pk)
    services.credential_render(credential_id=proof.pk)  # a retried task
    proof.refresh_from_db()
    folder = settings.PRIVATE_MEDIA_ROOT / "credentials" / "proof"
    files = sorted(p.name for p in folder.iterdir() if proof.number in p.name)
    assert files == [f"{proof.number}.pdf", f"{proof.number}.png"]


def test_a_retry_after_a_crash_overwrites_the_half_written_file(passed_member, course, settings):
    proof = services.proof_generate(user=passed_member, course=course)
    folder = settings.PRIVATE_MEDIA_ROOT / "credentials" / "proof"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{proof.number}.png").write_bytes(b"half")
    services.credential_render(credential_id=proof.pk)
    proof.refresh_from_db()
    assert proof.png.name == f"credentials/proof/{proof.number}.png"
    assert len([p for p in folder.iterdir() if proof.number in p.name]) == 2


def test_png_is_wide_and_its_qr_leads_to_the_verification_page(passed_member, course):
    proof = services.credential_render(
        credential_id=services.proof_generate(user=passed_member, course=course).pk
    )
    proof.png.open("rb")
    image = Image.open(io.BytesIO(proof.png.read()))
    assert image.width >= 1200
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [documents.verify_url(proof.number)]


def test_pdf_has_the_chinese_text_and_an_embedded_font(passed_member, course):
    proof = services.credential_render(
        credential_id=services.proof_generate(user=passed_member, course=course).pk
    )
    proof.pdf.open("rb")
    reader = PdfReader(io.BytesIO(proof.pdf.read()))
    text = reader.pages[0].extract_text()
    for expected in (
        "学习证明",
        "张三丰",
        "知识产权管理人员课程",
        proof.number,
        proof.content_hash,
    ):
        assert expected in text.replace("\n", "")
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [
        f.get_object()["/DescendantFonts"][0].get_object()
        for f in fonts.values()
        if "/DescendantFonts" in f.get_object()
    ] or [f.get_object() for f in fonts.values()]
    assert any(
        "/FontFile2" in d["/FontDescriptor"].get_object()
        for d in descriptors
        if "/FontDescriptor" in d
    )


def test_model_full_clean_accepts_an_issued_row(passed_member, course):
    proof = services.proof_generate(user=passed_member, course=course)
    proof.full_clean()
    proof.number = "bad"
    with pytest.raises(ValidationError):
        proof.full_clean()


def test_issued_on_is_the_local_date(passed_member, course):
    proof = services.proof_generate(user=passed_member, course=course)
    assert (
        datetime.date.fromisoformat(proof.snapshot["issued_on"])
        == proof.issued_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    )


def test_the_celery_task_run_twice_makes_one_set_of_files(passed_member, course, settings):
    from ipms.credentials import tasks

    proof = services.proof_generate(user=passed_member, course=course)
    assert tasks.credential_render_task.apply(args=[proof.pk]).get() == proof.number
    first = Credential.objects.get(pk=proof.pk)
    tasks.credential_render_task.apply(args=[proof.pk]).get()  # acks_late redelivery
    again = Credential.objects.get(pk=proof.pk)
    assert (again.png.name, again.pdf.name) == (first.png.name, first.pdf.name)
    folder = settings.PRIVATE_MEDIA_ROOT / "credentials" / "proof"
    assert len([p for p in folder.iterdir() if proof.number in p.name]) == 2


def test_generation_hands_rendering_to_the_task_after_commit(
    passed_member, course, django_capture_on_commit_callbacks, monkeypatch
):
    from ipms.credentials import tasks

    queued = []
    monkeypatch.setattr(tasks.credential_render_task, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        proof = services.proof_generate(user=passed_member, course=course)
    assert queued == [] and len(callbacks) == 1  # nothing before the commit
    callbacks[0]()
    assert queued == [proof.pk]
    assert not Credential.objects.get(pk=proof.pk).is_rendered  # the worker draws it
