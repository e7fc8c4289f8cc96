import io

import imageio_ffmpeg
import pytest
from PIL import Image
from pypdf import PdfReader

from ipms.core import fonts
from ipms.demo import media as demo_media


@pytest.mark.skipif(fonts.cjk_truetype_font() is None, reason="no TrueType CJK font installed")
def test_pdf_embeds_a_cjk_font_and_keeps_the_chinese_text():
    data = demo_media.make_pdf("知识产权管理体系认证流程", ["企业应当建立知识产权管理体系。"])
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert "知识产权管理体系认证流程" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [
        f.get_object()
        for f in fonts.values()
        if "/FontFile2" in f.get_object().get("/FontDescriptor", {})
    ]
    assert embedded, "a TrueType CJK font is installed, so it must be embedded"


def test_image_has_the_requested_size_and_is_not_blank():
    data = demo_media.make_image("讲师", (120, 80))
    image = Image.open(io.BytesIO(data))
    assert image.size == (120, 80)
    assert len(image.getcolors(maxcolors=100000)) > 2  # text was drawn, not a flat fill


def test_video_is_h264_with_the_requested_length(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(demo_media.make_video("课时1", seconds=2, size=(160, 90)))
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert seconds == pytest.approx(2, abs=0.2)
    assert frames >= 15
