"""Handing a lesson video to a browser that passed the access check.

``settings.VIDEO_DELIVERY`` chooses how (docs/learning.md, “视频分发”):

* ``"django"`` (embedded mode): the app streams the file itself and honours single HTTP
  ``Range`` requests (206 Partial Content), so the player can seek;
* ``"x-accel"``: the app answers with ``X-Accel-Redirect`` to an nginx ``internal``
  location (``VIDEO_ACCEL_PREFIX`` + the stored name); nginx serves the bytes and the
  ranges, and no worker is tied up streaming video;
* ``"signed-url"``: a redirect to a short-lived signed URL of the private object-storage
  bucket (``storage.url(name, expire=VIDEO_URL_EXPIRY)``, django-storages' S3 backend).

Every response is ``private, no-store``: the access check runs on each request.
"""

from __future__ import annotations

import inspect
import mimetypes
import re
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

DELIVERY_MODES = ("django", "x-accel", "signed-url")
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_CHUNK = 256 * 1024


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def video_response(request, field_file) -> HttpResponse:
    """The response that delivers ``field_file`` (a lesson's video) per VIDEO_DELIVERY."""
    mode = settings.VIDEO_DELIVERY
    name = field_file.name
    if mode == "x-accel":
        response = HttpResponse(content_type=_content_type(name))
        prefix = "/" + settings.VIDEO_ACCEL_PREFIX.strip("/") + "/"
        response["X-Accel-Redirect"] = prefix + quote(name)
        return _private(response)
    if mode == "signed-url":
        return _private(HttpResponseRedirect(signed_url(field_file)))
    if mode != "django":
        raise ImproperlyConfigured(f"VIDEO_DELIVERY must be one of {', '.join(DELIVERY_MODES)}.")
    return ranged_file_response(request, field_file)


def signed_url(field_file) -> str:
    """A time-limited URL from storages that sign them (django-storages S3 and friends)."""
    storage = field_file.storage
    expiry = int(settings.VIDEO_URL_EXPIRY)
    try:
        accepts_expire = "expire" in inspect.signature(storage.url).parameters
    except (TypeError, ValueError):
        accepts_expire = False
    if not accepts_expire:
        raise ImproperlyConfigured(
            "VIDEO_DELIVERY='signed-url' needs a private storage that signs URLs with an "
            "expiry (e.g. django-storages S3Storage with querystring_auth)."
        )
    return storage.url(field_file.name, expire=expiry)


class _Slice:
    """A read-only window ``[start, start + length)`` of an open file.

    It has no ``fileno`` on purpose: the WSGI server's sendfile wrapper would send the
    whole file and ignore the range.
    """

    def __init__(self, handle, start: int, length: int) -> None:
        self._handle = handle
        self._left = length
        handle.seek(start)

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._handle.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


class _RangedFileResponse(FileResponse):
    block_size = _CHUNK


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """``(start, end)`` inclusive for a satisfiable single range, ``False`` when the range
    cannot be satisfied (416), ``None`` when the header is to be ignored (RFC 9110 lets a
    server ignore a Range it does not support, e.g. several ranges: it sends it all)."""
    match = _RANGE_RE.match(header or "")
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        return False
    return start, min(end, size - 1)


def ranged_file_response(request, field_file) -> HttpResponse:
    """Stream a stored file inline, answering ``Range: bytes=…`` with 206 Partial Content."""
    storage = field_file.storage
    name = field_file.name
    size = storage.size(name)
    content_type = _content_type(name)
    start, end, status = 0, size - 1, 200
    requested = parse_range(request.headers.get("Range", ""), size)
    if requested is False:
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return _private(response)
    if requested:
        start, end = requested
        status = 206
    length = max(0, end - start + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    else:
        handle = storage.open(name, "rb")
        response = _RangedFileResponse(
            _Slice(handle, start, length), status=status, content_type=content_type
        )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _private(response)
