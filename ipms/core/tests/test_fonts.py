"""Any installed CJK font is found: Noto CJK alone, WenQuanYi alone, fontconfig's list."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from ipms.core import fonts
from ipms.core.testing import NOTO_CJK, fake_noto, fake_wqy


def test_noto_cjk_alone_is_accepted_with_its_simplified_chinese_face(font_dir):
    path = fake_noto(font_dir)
    assert fonts.cjk_font() == fonts.FontFace(path=str(path), index=2, truetype=False)
    # reportlab cannot embed CFF outlines: PDFs use the built-in CID font instead.
    assert fonts.cjk_truetype_font() is None


def test_wenquanyi_alone_is_accepted_and_embeddable(font_dir):
    path = fake_wqy(font_dir)
    assert fonts.cjk_font() == fonts.FontFace(path=str(path), index=0, truetype=True)
    assert fonts.cjk_truetype_font() == fonts.cjk_font()


def test_both_installed_pdfs_embed_the_truetype_one(font_dir):
    fake_noto(font_dir)
    wqy = fake_wqy(font_dir)
    assert fonts.cjk_truetype_font().path == str(wqy)


def test_no_font_says_what_to_install_in_chinese_and_english(font_dir):
    (font_dir / "truetype/dejavu").mkdir(parents=True)
    (font_dir / "truetype/dejavu/DejaVuSans.ttf").write_bytes(b"\x00\x01\x00\x00")
    with pytest.raises(ImproperlyConfigured) as error:
        fonts.cjk_font()
    message = str(error.value)
    assert "未找到中文字体" in message
    assert "No CJK font found" in message
    assert "apt-get install -y fonts-noto-cjk" in message


def test_a_file_that_is_not_a_font_is_skipped(font_dir):
    (font_dir / NOTO_CJK).parent.mkdir(parents=True)
    (font_dir / NOTO_CJK).write_text("not a font")
    with pytest.raises(ImproperlyConfigured):
        fonts.cjk_font()


def test_cjk_font_path_setting_comes_first(font_dir, settings):
    fake_wqy(font_dir)
    own = fake_noto(font_dir / "own")
    settings.CJK_FONT_PATH = str(own)
    assert fonts.cjk_font() == fonts.FontFace(path=str(own), index=2, truetype=False)


def test_fontconfig_list_prefers_regular_simplified_chinese_faces():
    listing = "\n".join(
        [
            "/f/NotoSansCJK-Bold.ttc\t2\tNoto Sans CJK SC\tBold",
            "/f/NotoSansCJK-Regular.ttc\t0\tNoto Sans CJK JP\tRegular",
            "/f/NotoSansCJK-Regular.ttc\t7\tNoto Sans Mono CJK SC\tRegular",
            "/f/NotoSansCJK-Regular.ttc\t2\tNoto Sans CJK SC\tRegular",
            "garbage line",
        ]
    )
    assert fonts.parse_fc_list(listing) == [
        ("/f/NotoSansCJK-Regular.ttc", 2),
        ("/f/NotoSansCJK-Regular.ttc", 7),
        ("/f/NotoSansCJK-Bold.ttc", 2),
        ("/f/NotoSansCJK-Regular.ttc", 0),
    ]


def test_pdfs_use_the_built_in_cid_font_without_a_truetype_one(font_dir):
    from reportlab.pdfbase import pdfmetrics

    fake_noto(font_dir)
    assert fonts.pdf_font_name() == fonts.CID_FONT == "STSong-Light"
    assert pdfmetrics.getFont(fonts.CID_FONT).fontName == fonts.CID_FONT


@pytest.mark.skipif(fonts.cjk_truetype_font() is None, reason="no TrueType CJK font installed")
def test_the_installed_font_is_registered_once_and_drawn_per_size():
    from reportlab.pdfbase import pdfmetrics

    name = fonts.pdf_font_name()
    assert name.startswith("CJK-") and pdfmetrics.getFont(name).fontName == name
    assert fonts.pdf_font_name() == name
    small, large = fonts.pillow_font(20), fonts.pillow_font(40)
    assert (small.size, large.size) == (20, 40)
    assert fonts.pillow_font(20) is small  # loaded once per size
    assert small.getbbox("学习证明")[2] > 0
