"""Generated files for demo content and tests: PDFs, images and videos with Chinese text.

Chinese needs a CJK font (``ipms.core.fonts``): images draw with any installed one, PDFs
embed a TrueType one or fall back to reportlab's built-in CID font. Without any font file
image functions fail with a message that says what to install.
"""

from __future__ import annotations

import io
import tempfile
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

import imageio_ffmpeg
from django.conf import settings
from PIL import Image, ImageDraw
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ipms.core import fonts


def make_pdf(title: str, paragraphs: list[str]) -> bytes:
    """An A4 PDF with a title and paragraphs of Chinese text (font embedded if TrueType)."""
    font = fonts.pdf_font_name()
    title_style = ParagraphStyle(
        "title", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER, wordWrap="CJK"
    )
    body_style = ParagraphStyle(
        "body", fontName=font, fontSize=11, leading=20, firstLineIndent=22, wordWrap="CJK"
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=settings.PLATFORM_NAME,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    story = [Paragraph(escape(title), title_style), Spacer(1, 8 * mm)]
    for text in paragraphs:
        story += [Paragraph(escape(text), body_style), Spacer(1, 3 * mm)]
    doc.build(story)
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    # CJK has no spaces; wrap by character count.
    return textwrap.wrap(text, width=width, break_long_words=True) or [""]


def _draw_centered(draw, size: tuple[int, int], lines: list[str], font, fill) -> None:
    width, height = size
    boxes = [draw.textbbox((0, 0), line, font=font) for line in lines]
    line_heights = [box[3] - box[1] for box in boxes]
    gap = max(4, int(font.size * 0.35))
    total = sum(line_heights) + gap * (len(lines) - 1)
    y = (height - total) / 2
    for line, box, line_height in zip(lines, boxes, line_heights, strict=True):
        x = (width - (box[2] - box[0])) / 2 - box[0]
        draw.text((x, y - box[1]), line, font=font, fill=fill)
        y += line_height + gap


def _render(text: str, size: tuple[int, int], bg: str, fg: str = "#ffffff"):
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    font_size = max(12, min(size[1] // 5, size[0] // 9))
    font = fonts.pillow_font(font_size)
    chars_per_line = max(4, int(size[0] * 0.85 // font_size))
    _draw_centered(draw, size, _wrap(text, chars_per_line)[:4], font, fg)
    return image


def make_image(text: str, size: tuple[int, int] = (480, 270), bg: str = "#9e1c26") -> bytes:
    """A PNG with ``text`` centred in white on ``bg``."""
    buffer = io.BytesIO()
    _render(text, size, bg).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def make_video(
    title: str, *, seconds: int = 8, size: tuple[int, int] = (320, 180), fps: int = 10
) -> bytes:
    """An H.264 MP4 clip showing ``title`` and a running clock, playable in browsers."""
    base = _render(title, size, "#2b2f36")
    small = fonts.pillow_font(max(10, size[1] // 12))
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "clip.mp4"
        writer = imageio_ffmpeg.write_frames(
            str(target),
            size,
            fps=fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            macro_block_size=2,
            output_params=["-movflags", "+faststart", "-preset", "veryfast", "-crf", "30"],
        )
        writer.send(None)
        total = seconds * fps
        for index in range(total):
            frame = base.copy()
            draw = ImageDraw.Draw(frame)
            elapsed = index / fps
            bar = int(size[0] * (index + 1) / total)
            draw.rectangle((0, size[1] - 6, bar, size[1]), fill="#9e1c26")
            draw.text((6, 4), f"{int(elapsed) // 60:02d}:{int(elapsed) % 60:02d}", font=small)
            writer.send(frame.tobytes())
        writer.close()
        return target.read_bytes()
