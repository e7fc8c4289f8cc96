"""Demo images and PDFs with whatever CJK font is installed (Noto CJK alone, none)."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image
from pypdf import PdfReader

from ipms.core import fonts
from ipms.core.testing import NOTO_CJK, fake_noto
from ipms.demo import media as demo_media

REAL_NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def test_pdf_without_a_truetype_font_still_carries_the_chinese_text(font_dir):
    fake_noto(font_dir)
    data = demo_media.make_pdf("知识产权管理体系认证流程", ["企业应当建立知识产权管理体系。"])
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert "知识产权管理体系认证流程" in page.extract_text()
    base_fonts = {font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()}
    assert any(fonts.CID_FONT in name for name in base_fonts)


@pytest.mark.skipif(not REAL_NOTO.exists(), reason="fonts-noto-cjk is not installed")
def test_images_draw_with_the_real_noto_cjk_alone(font_dir):
    target = font_dir / NOTO_CJK
    target.parent.mkdir(parents=True)
    target.symlink_to(REAL_NOTO)
    image = Image.open(io.BytesIO(demo_media.make_image("讲师", (120, 80))))
    assert len(image.getcolors(maxcolors=100000)) > 2  # text was drawn


def test_without_any_font_images_stop_with_the_install_hint(font_dir):
    with pytest.raises(ImproperlyConfigured, match="apt-get install -y fonts-noto-cjk"):
        demo_media.make_image("讲师")
