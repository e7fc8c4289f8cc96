import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from ipms.core.files import UploadTo, download_response, validate_document, validate_image
from ipms.demo import media as demo_media


@pytest.fixture(scope="module")
def pdf_bytes():
    return demo_media.make_pdf("测试文档", ["正文"])


def upload(name, data):
    return SimpleUploadedFile(name, data)


def test_real_pdf_is_accepted(pdf_bytes):
    validate_document(upload("规范.pdf", pdf_bytes))


def test_text_renamed_to_pdf_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_document(upload("fake.pdf", b"just some text, not a pdf" * 10))
    assert exc.value.code == "file_magic"
    assert "不符" in exc.value.messages[0]


def test_unknown_extension_is_refused(pdf_bytes):
    with pytest.raises(ValidationError) as exc:
        validate_document(upload("script.exe", pdf_bytes))
    assert exc.value.code == "file_type"
    assert "pdf" in exc.value.messages[0]


def test_oversized_file_is_refused(settings, pdf_bytes):
    settings.UPLOAD_MAX_DOCUMENT = len(pdf_bytes) - 1
    with pytest.raises(ValidationError) as exc:
        validate_document(upload("big.pdf", pdf_bytes))
    assert exc.value.code == "file_size"
    assert "文件过大" in exc.value.messages[0]


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_document(upload("empty.pdf", b""))
    assert exc.value.code == "file_empty"


def test_png_is_an_image_but_not_a_document():
    png = demo_media.make_image("头像", (64, 64))
    validate_image(upload("a.png", png))
    with pytest.raises(ValidationError):
        validate_image(upload("a.jpg", png))  # extension says JPEG, bytes say PNG


def test_upload_to_drops_the_uploaders_file_name():
    path = UploadTo("materials")(None, "../../etc/我的 文件.PDF")
    assert path.startswith("materials/")
    assert path.endswith(".pdf")
    assert "etc" not in path and "文件" not in path


def test_download_response_uses_the_server_chosen_name(tmp_path, settings, pdf_bytes):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("x/abc.pdf", ContentFile(pdf_bytes))
    field_file = storage.open(name)
    field_file.name = name
    response = download_response(field_file, download_name='报告/"2026"')
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "%E6%8A%A5%E5%91%8A2026.pdf" in disposition  # 报告2026.pdf, unsafe chars gone
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes
    assert io.BytesIO(pdf_bytes).read(4) == b"%PDF"
