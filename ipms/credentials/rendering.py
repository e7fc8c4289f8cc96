"""The paper: a PNG (Pillow, ≥ 1200 px wide) and an A4 PDF (reportlab, CJK font embedded
when a TrueType one is installed) of a snapshot, each with the QR code of its 证书查验
page, the number and the content hash. Both are pure functions of the snapshot."""

from __future__ import annotations

import io

import segno
from PIL import Image, ImageDraw
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from ipms.core import fonts
from ipms.credentials import documents

# A4 landscape proportions; wide enough to read and print on A5 (≥ 1200 px, issue 11),
# small enough to encode quickly (bench/credentials.py).
PNG_WIDTH, PNG_HEIGHT = 1280, 905
INK = (33, 37, 41)
BRAND = (153, 27, 30)
GOLD = (176, 141, 87)
PAPER = (255, 252, 245)
MUTED = (108, 117, 125)


# --- shared --------------------------------------------------------------------------


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules of ``url`` (error correction M, without the quiet zone)."""
    qr = segno.make_qr(url, error="m")
    return [[bool(cell) for cell in row] for row in qr.matrix]


def _wrap(text: str, fits) -> list[str]:
    """Break Chinese text into lines that ``fits(line)``; never start a line with punctuation."""
    lines, line = [], ""
    for char in text:
        if line and not fits(line + char) and char not in "，。、；：）》":
            lines.append(line)
            line = char
        else:
            line += char
    if line:
        lines.append(line)
    return lines


def footer_lines(snapshot: dict) -> list[str]:
    return [
        f"编号：{snapshot['number']}",
        f"内容摘要（SHA-256）：{documents.content_hash(snapshot)}",
        "扫描二维码或在平台“证书查验”页面输入编号，即可查验真伪。",
    ]


# --- PNG -------------------------------------------------------------------------------


def _qr_image(url: str, size: int) -> Image.Image:
    matrix = qr_matrix(url)
    count = len(matrix) + 8  # a quiet zone of four modules each side
    image = Image.new("1", (count, count), 1)
    pixels = image.load()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + 4, y + 4] = 0
    return image.resize((size, size), Image.Resampling.NEAREST)


def _u(value: float) -> int:
    """A length of the 1600-px design at the PNG's real width."""
    return round(value * PNG_WIDTH / 1600)


def render_png(snapshot: dict) -> bytes:
    width, height = PNG_WIDTH, PNG_HEIGHT
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([_u(28), _u(28), width - _u(29), height - _u(29)], outline=BRAND, width=_u(10))
    draw.rectangle([_u(52), _u(52), width - _u(53), height - _u(53)], outline=GOLD, width=_u(3))

    title = documents.TITLES[snapshot["kind"]]
    draw.text((width / 2, _u(170)), title, font=fonts.pillow_font(_u(84)), fill=BRAND, anchor="mm")
    draw.text(
        (width / 2, _u(250)),
        snapshot["platform"],
        font=fonts.pillow_font(_u(34)),
        fill=MUTED,
        anchor="mm",
    )

    body_font = fonts.pillow_font(_u(38))
    left, right = _u(150), width - _u(150)
    lines = _wrap(
        "　　" + documents.body_text(snapshot),
        lambda line: draw.textlength(line, font=body_font) <= right - left,
    )
    y = _u(330)
    for line in lines:
        draw.text((left, y), line, font=body_font, fill=INK)
        y += _u(62)

    detail_font = fonts.pillow_font(_u(30))
    y += _u(24)
    for label, value in documents.detail_rows(snapshot):
        draw.text((left, y), f"{label}：", font=detail_font, fill=MUTED)
        draw.text((left + _u(200), y), value, font=detail_font, fill=INK)
        y += _u(46)

    qr_size = _u(250)
    qr_left, qr_top = right - qr_size, height - _u(110) - qr_size
    image.paste(_qr_image(documents.verify_url(snapshot["number"]), qr_size), (qr_left, qr_top))
    draw.text(
        (qr_left + qr_size / 2, qr_top + qr_size + _u(22)),
        "扫码查验",
        font=fonts.pillow_font(_u(26)),
        fill=MUTED,
        anchor="mm",
    )
    sign_x = qr_left - _u(60)
    sign_font = fonts.pillow_font(_u(34))
    draw.text(
        (sign_x, qr_top + _u(70)), snapshot["platform"], font=sign_font, fill=INK, anchor="rm"
    )
    issued = documents.issued_on_text(snapshot)
    draw.text((sign_x, qr_top + _u(130)), issued, font=sign_font, fill=INK, anchor="rm")

    small = fonts.pillow_font(_u(22))
    foot_y = height - _u(200)
    for line in footer_lines(snapshot):
        draw.text((left, foot_y), line, font=small, fill=MUTED)
        foot_y += _u(34)

    buffer = io.BytesIO()
    # Fastest zlib level: the page is mostly flat colour, so the file stays small, and
    # encoding is the largest share of a proof's time otherwise (make bench).
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


# --- PDF -------------------------------------------------------------------------------


def _rgb(color: tuple[int, int, int]) -> Color:
    return Color(*(part / 255 for part in color))


def render_pdf(snapshot: dict) -> bytes:
    font = fonts.pdf_font_name()
    width, height = landscape(A4)
    buffer = io.BytesIO()
    title = documents.TITLES[snapshot["kind"]]
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"{title} {snapshot['number']}")
    pdf.setAuthor(snapshot["platform"])
    pdf.setSubject(documents.verify_url(snapshot["number"]))

    pdf.setFillColor(_rgb(PAPER))
    pdf.rect(0, 0, width, height, stroke=0, fill=1)
    pdf.setStrokeColor(_rgb(BRAND))
    pdf.setLineWidth(5)
    pdf.rect(14, 14, width - 28, height - 28)
    pdf.setStrokeColor(_rgb(GOLD))
    pdf.setLineWidth(1.5)
    pdf.rect(26, 26, width - 52, height - 52)

    pdf.setFillColor(_rgb(BRAND))
    pdf.setFont(font, 40)
    pdf.drawCentredString(width / 2, height - 95, title)
    pdf.setFillColor(_rgb(MUTED))
    pdf.setFont(font, 15)
    pdf.drawCentredString(width / 2, height - 125, snapshot["platform"])

    left, right = 72, width - 72
    body_size = 17
    lines = _wrap(
        "　　" + documents.body_text(snapshot),
        lambda line: pdfmetrics.stringWidth(line, font, body_size) <= right - left,
    )
    pdf.setFillColor(_rgb(INK))
    pdf.setFont(font, body_size)
    y = height - 170
    for line in lines:
        pdf.drawString(left, y, line)
        y -= 28

    y -= 10
    pdf.setFont(font, 13)
    for label, value in documents.detail_rows(snapshot):
        pdf.setFillColor(_rgb(MUTED))
        pdf.drawString(left, y, f"{label}：")
        pdf.setFillColor(_rgb(INK))
        pdf.drawString(left + 90, y, value)
        y -= 21

    matrix = qr_matrix(documents.verify_url(snapshot["number"]))
    qr_size = 120
    module = qr_size / (len(matrix) + 8)
    qr_left, qr_bottom = right - qr_size, 70
    pdf.setFillColor(_rgb((255, 255, 255)))
    pdf.rect(qr_left, qr_bottom, qr_size, qr_size, stroke=0, fill=1)
    pdf.setFillColor(_rgb((0, 0, 0)))
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                x = qr_left + (col_index + 4) * module
                top = qr_bottom + qr_size - (row_index + 4) * module
                pdf.rect(x, top - module, module, module, stroke=0, fill=1)
    pdf.setFillColor(_rgb(MUTED))
    pdf.setFont(font, 11)
    pdf.drawCentredString(qr_left + qr_size / 2, qr_bottom - 14, "扫码查验")

    pdf.setFillColor(_rgb(INK))
    pdf.setFont(font, 16)
    sign_x = qr_left - 30
    pdf.drawRightString(sign_x, qr_bottom + 80, snapshot["platform"])
    pdf.drawRightString(sign_x, qr_bottom + 52, documents.issued_on_text(snapshot))

    pdf.setFillColor(_rgb(MUTED))
    pdf.setFont(font, 9)
    foot_y = 70
    for line in footer_lines(snapshot):
        pdf.drawString(left, foot_y, line)
        foot_y -= 14

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
