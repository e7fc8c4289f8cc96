"""Tiny but real files for every app's factories and upload tests.

Real enough for the upload validators (magic bytes, Pillow): a one-page PDF and a small
PNG, each generated once per test process.
"""

from __future__ import annotations

import io
from functools import cache


@cache
def tiny_pdf(text: str = "IPMS test document") -> bytes:
    """A real one-page PDF (Latin text, so no CJK font is needed)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buffer.getvalue()


@cache
def tiny_png() -> bytes:
    """A real 16×9 PNG in the brand colour."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), "#9e1c26").save(buffer, format="PNG")
    return buffer.getvalue()
