"""The CJK font this machine offers for generated images (Pillow) and PDFs (reportlab).

Any installed font with Simplified Chinese will do, found in this order: the file named by
``CJK_FONT_PATH``; the fonts fontconfig knows for Chinese (``fc-list :lang=zh-cn``); the
files the common packages install (``FONT_DIRS`` × ``KNOWN_FONTS``: fonts-noto-cjk,
fonts-wqy-microhei, fonts-wqy-zenhei, fonts-arphic-*, fonts-droid-fallback and the
Fedora/Arch equivalents).

reportlab embeds only TrueType outlines, and Noto CJK has CFF (PostScript) outlines, so a
PDF embeds the first TrueType CJK font found and otherwise uses reportlab's built-in CID
font STSong-Light (Adobe-GB1), which PDF viewers draw with a Chinese font of their own.
Images need a font file; without any, ``cjk_font()`` raises a message that says what to
install.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FONT_DIRS = [
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
]
# Paths under a FONT_DIRS entry, best first, with the face index of Simplified Chinese
# inside a collection (Noto CJK orders its faces JP, KR, SC, TC, HK).
KNOWN_FONTS = [
    ("truetype/wqy/wqy-microhei.ttc", 0),
    ("truetype/wqy/wqy-zenhei.ttc", 0),
    ("truetype/arphic/uming.ttc", 0),
    ("truetype/arphic/ukai.ttc", 0),
    ("truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc", 2),
    ("google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("noto-cjk/NotoSansCJK-Regular.ttc", 2),
]
NOTO_CJK_SC_INDEX = 2
FC_LIST = "fc-list"
CID_FONT = "STSong-Light"

MISSING_FONT = (
    "未找到中文字体，生成的图片无法显示中文。请先安装一种中文字体，例如 Debian/Ubuntu："
    "apt-get install -y fonts-noto-cjk（或 fonts-wqy-microhei）；也可以用 CJK_FONT_PATH "
    "指定字体文件。 / No CJK font found, so Chinese text cannot be drawn. Install one "
    "(Debian: apt-get install -y fonts-noto-cjk or fonts-wqy-microhei) or set CJK_FONT_PATH."
)


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int = 0  # the face inside a .ttc collection
    truetype: bool = True  # TrueType outlines (reportlab can embed them), else CFF


def _outlines(path: str, index: int) -> str | None:
    """ "truetype", "cff", or None when the file is not a font (or has no such face)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
            if head[:4] == b"ttcf":
                count = struct.unpack(">I", head[8:12])[0]
                if index >= count:
                    return None
                handle.seek(12 + 4 * index)
                handle.seek(struct.unpack(">I", handle.read(4))[0])
                head = handle.read(4)
    except (OSError, struct.error):
        return None
    tag = head[:4]
    if tag in (b"\x00\x01\x00\x00", b"true"):
        return "truetype"
    if tag == b"OTTO":
        return "cff"
    return None


def _face(path: str, index: int) -> FontFace | None:
    kind = _outlines(path, index)
    return FontFace(path=path, index=index, truetype=kind == "truetype") if kind else None


def _index_for(path: str) -> int:
    return NOTO_CJK_SC_INDEX if "CJK" in Path(path).name else 0


def _fontconfig_faces() -> list[tuple[str, int]]:
    """(file, face index) of the Chinese fonts fontconfig knows, Simplified Chinese first."""
    if shutil.which(FC_LIST) is None:
        return []
    try:
        listing = subprocess.run(  # noqa: S603 - fixed arguments, fontconfig's own tool
            [FC_LIST, "-f", "%{file}\t%{index}\t%{family}\t%{style}\n", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_fc_list(listing)


def parse_fc_list(listing: str) -> list[tuple[str, int]]:
    rows = []
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[1].isdigit():
            continue
        path, index, family, style = parts[0], int(parts[1]), parts[2], parts[3]
        # Simplified Chinese faces before JP/KR/TC ones; regular sans before bold, serif, mono.
        rank = (
            " SC" not in family and "CN" not in family,
            "Regular" not in style,
            "Mono" in family,
            "Serif" in family,
        )
        rows.append((rank, path, index))
    return [(path, index) for _rank, path, index in sorted(rows)]


def _candidates() -> Iterator[tuple[str, int]]:
    configured = settings.CJK_FONT_PATH
    if configured:
        yield configured, _index_for(configured)
    yield from _fontconfig_faces()
    for folder in FONT_DIRS:
        base = Path(folder).expanduser()
        for relative, index in KNOWN_FONTS:
            yield str(base / relative), index


def _faces() -> Iterator[FontFace]:
    seen = set()
    for path, index in _candidates():
        if (path, index) in seen or not os.path.isfile(path):
            continue
        seen.add((path, index))
        face = _face(path, index)
        if face is not None:
            yield face


@cache
def cjk_font() -> FontFace:
    """A CJK face for Pillow (any outlines); raises with an install hint when none."""
    for face in _faces():
        return face
    raise ImproperlyConfigured(MISSING_FONT)


@cache
def cjk_truetype_font() -> FontFace | None:
    """A CJK face reportlab can embed in a PDF, or None (PDFs then use ``CID_FONT``)."""
    return next((face for face in _faces() if face.truetype), None)


@cache
def pillow_font(size: int):
    """The CJK font at ``size`` pixels for Pillow's ``ImageDraw.text`` (loaded once per
    size)."""
    from PIL import ImageFont

    face = cjk_font()
    return ImageFont.truetype(face.path, size=size, index=face.index)


def pdf_font_name() -> str:
    """The name of the CJK font registered with reportlab (the TrueType face, embedded in
    the PDF; else ``CID_FONT``)."""
    return _pdf_font_registered(cjk_truetype_font())


@cache
def _pdf_font_registered(face: FontFace | None) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    if face is None:
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        return CID_FONT
    name = f"CJK-{Path(face.path).stem}-{face.index}"
    pdfmetrics.registerFont(TTFont(name, face.path, subfontIndex=face.index))
    return name


def cache_clear() -> None:
    """Forget the faces found (after fonts are installed, or in tests)."""
    cjk_font.cache_clear()
    cjk_truetype_font.cache_clear()
    pillow_font.cache_clear()
