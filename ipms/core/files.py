"""Uploaded files: type and size checks, private storage, safe downloads.

Every file stays behind Django's storage API so that object storage can replace the
local folders in production without touching the apps.
"""

from __future__ import annotations

import datetime
import logging
import mimetypes
import os
import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import FileResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty

logger = logging.getLogger("ipms.core.files")


@dataclass(frozen=True)
class FileKind:
    label: str
    # extension -> MIME types the file's leading bytes may be detected as
    extensions: dict[str, tuple[str, ...]]
    max_size_setting: str

    @property
    def max_size(self) -> int:
        return getattr(settings, self.max_size_setting)


_OLE = (
    "application/x-ole-storage",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-cfb",
)
FILE_EMPTY = "文件是空的，请重新选择。"

_ZIP_OFFICE = ("application/zip",)

IMAGE = FileKind(
    "图片",
    {
        "jpg": ("image/jpeg",),
        "jpeg": ("image/jpeg",),
        "png": ("image/png",),
        "webp": ("image/webp",),
    },
    "UPLOAD_MAX_IMAGE",
)
DOCUMENT = FileKind(
    "文档",
    {
        "pdf": ("application/pdf",),
        "docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            *_ZIP_OFFICE,
        ),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", *_ZIP_OFFICE),
        "pptx": (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            *_ZIP_OFFICE,
        ),
        "doc": _OLE,
        "xls": _OLE,
        "ppt": _OLE,
        "zip": ("application/zip",),
    },
    "UPLOAD_MAX_DOCUMENT",
)
VIDEO = FileKind(
    "视频",
    {"mp4": ("video/mp4",), "m4v": ("video/x-m4v", "video/mp4"), "webm": ("video/webm",)},
    "UPLOAD_MAX_VIDEO",
)


def _human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"  # pragma: no cover - loop always returns


@deconstructible
class UploadValidator:
    """Refuses files whose extension, leading bytes or size do not fit the kind."""

    def __init__(self, kind_name: str) -> None:
        self.kind_name = kind_name

    @property
    def kind(self) -> FileKind:
        return {"image": IMAGE, "document": DOCUMENT, "video": VIDEO}[self.kind_name]

    def __call__(self, value) -> None:
        kind = self.kind
        name = os.path.basename(value.name or "")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        allowed = ", ".join(sorted(kind.extensions))
        if ext not in kind.extensions:
            raise ValidationError(
                f"不支持的{kind.label}格式：{name}。允许的格式：{allowed}。", code="file_type"
            )
        size = getattr(value, "size", 0) or 0
        if size > kind.max_size:
            limit = _human_size(kind.max_size)
            raise ValidationError(
                f"文件过大（{_human_size(size)}），{kind.label}不能超过 {limit}。",
                code="file_size",
            )
        if size == 0:
            raise ValidationError(FILE_EMPTY, code="file_empty")
        head = _read_head(value)
        guessed = filetype.guess(head)
        mime = guessed.mime if guessed else None
        if mime not in kind.extensions[ext]:
            raise ValidationError(
                f"文件内容与扩展名 .{ext} 不符，请上传真实的{kind.label}文件。", code="file_magic"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadValidator) and other.kind_name == self.kind_name

    def __hash__(self) -> int:
        return hash(self.kind_name)


def _read_head(value, length: int = 8192) -> bytes:
    handle = getattr(value, "file", value)
    try:
        position = handle.tell()
    except (AttributeError, OSError):
        position = None
    try:
        handle.seek(0)
        head = handle.read(length)
    finally:
        if position is not None:
            handle.seek(position)
    return head or b""


validate_image = UploadValidator("image")
validate_document = UploadValidator("document")
validate_video = UploadValidator("video")


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage for files that have no public address.

    ``url()`` refuses, so a template or view can never leak a private file by link; views
    hand these files out after an access check (``download_response``).
    """

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


class _PrivateStorage(LazyObject):
    """Resolves ``STORAGES["private"]`` on first use and again after settings change.

    ``FileField(storage=callable)`` calls the callable once, when the model class is
    built; the lazy object keeps that single instance following the settings (tests
    point it at a temporary folder, production at a private bucket).
    """

    def _setup(self):
        self._wrapped = storages["private"]


_private_storage = _PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting in {"STORAGES", "PRIVATE_MEDIA_ROOT"}:
        _private_storage._wrapped = empty


def private_storage():
    """Storage for files that only authorised users may fetch (never under MEDIA_URL)."""
    return _private_storage


@deconstructible
class UploadTo:
    """``upload_to`` that keeps the extension but never the uploader's file name."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, instance, filename: str) -> str:
        ext = os.path.splitext(filename)[1].lower()[:10]
        return f"{self.prefix}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadTo) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


# Characters no file name may carry on Windows, macOS or Linux, and control characters.
_UNSAFE_IN_NAMES = set('\\/:*?"<>|') | {chr(code) for code in range(32)} | {"\x7f"}


def _without_unsafe(name: str) -> str:
    return "".join(ch for ch in name if ch not in _UNSAFE_IN_NAMES).strip()


def safe_file_name(name: str, *, max_length: int = 200) -> str:
    """An uploaded file's name fit to store and to hand back: the last path part only, no
    unsafe characters, at most ``max_length`` characters with the extension kept."""
    name = _without_unsafe(os.path.basename((name or "").replace("\\", "/"))).strip(".")
    stem, ext = os.path.splitext(name)
    ext = ext[:10]
    return f"{stem[: max(1, max_length - len(ext))]}{ext}" if stem else ""


def download_response(field_file, *, download_name: str) -> FileResponse:
    """Serve a stored file as an attachment under a name chosen by the server.

    ``download_name`` is built from trusted data (the object's title, or the name an
    operator's upload had, stored through ``safe_file_name``); the stored extension is
    added when the name lacks it. A visitor's upload name is never echoed back.
    """
    ext = os.path.splitext(field_file.name)[1].lower()
    safe = _without_unsafe(download_name) or "download"
    filename = safe if safe.lower().endswith(ext) else f"{safe}{ext}"
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    field_file.open("rb")
    response = FileResponse(
        field_file, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- files that expire -------------------------------------------------------------------
#
# Generated files (exports) are kept for a while and then removed with their rows. An app
# registers each model holding such files in its AppConfig.ready(); ``expired_files_purge``
# (the ``purge_expired_files`` command and the Celery beat task of the same name) deletes
# the rows older than the model's retention setting and then their stored files.


@dataclass(frozen=True)
class ExpiringFiles:
    model: type
    file_field: str
    # The setting holding the retention time in hours (e.g. REPORT_EXPORT_RETENTION_HOURS).
    retention_setting: str
    age_field: str = "created_at"

    @property
    def retention(self) -> datetime.timedelta:
        return datetime.timedelta(hours=getattr(settings, self.retention_setting))


_expiring: dict[str, ExpiringFiles] = {}
PURGE_BATCH = 500


def expiring_files_register(
    model, *, file_field: str, retention_setting: str, age_field: str = "created_at"
) -> None:
    """Declare that ``model``'s rows and their ``file_field`` files expire (idempotent)."""
    _expiring[model._meta.label] = ExpiringFiles(model, file_field, retention_setting, age_field)


def expiring_files() -> list[ExpiringFiles]:
    return list(_expiring.values())


def expired_files_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete every registered model's expired rows, then their files; counts per model.

    Rows go first, in batches, each batch in its own transaction; a file is deleted only
    after its row's deletion committed, so a failure never leaves a row pointing at a
    missing file (a file left behind by a crash is harmless and has no address).
    """
    now = now or timezone.now()
    removed: dict[str, int] = {}
    for entry in expiring_files():
        manager = entry.model._base_manager
        storage = entry.model._meta.get_field(entry.file_field).storage
        expired = manager.filter(**{f"{entry.age_field}__lt": now - entry.retention})
        count = 0
        while batch := list(
            expired.order_by("pk").values_list("pk", entry.file_field)[:PURGE_BATCH]
        ):
            with transaction.atomic():
                manager.filter(pk__in=[pk for pk, _ in batch]).delete()
            for _, name in batch:
                if name:
                    storage.delete(name)
            count += len(batch)
        removed[entry.model._meta.label] = count
        if count:
            logger.info("expired files purged: model=%s rows=%s", entry.model._meta.label, count)
    return removed
