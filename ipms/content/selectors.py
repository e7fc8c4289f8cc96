"""Reads for the public portal. Only published rows ever leave these functions.

Each list costs a fixed number of queries whatever the number of rows: related data is
annotated or prefetched here, never fetched per row by a template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db.models import Choices, Count, Prefetch, QuerySet

from .models import Lecturer, Material, Policy, PolicyAttachment

T = TypeVar("T")
C = TypeVar("C", bound=Choices)

# Rows shown per section on the overview pages before "显示所有".
SECTION_PREVIEW = 10


@dataclass(frozen=True)
class Section(Generic[T]):
    """One block of an overview page: its key, label, latest rows and total count."""

    key: str
    slug: str
    label: str
    items: list[T] = field(default_factory=list)
    total: int = 0

    @property
    def has_more(self) -> bool:
        return self.total > len(self.items)


def scope_slug(scope: str) -> str:
    return scope.replace("_", "-")


def _sections(choices, *, rows, total, limit: int) -> list[Section]:
    """A :class:`Section` per choice: ``rows(value)[:limit]`` and ``total(value)``."""
    return [
        Section(
            key=choice.value,
            slug=scope_slug(choice.value),
            label=choice.label,
            items=list(rows(choice.value)[:limit]),
            total=total(choice.value),
        )
        for choice in choices
    ]


def _choice_from_slug(choices: type[C], slug: str) -> C | None:
    return next((choice for choice in choices if scope_slug(choice.value) == slug), None)


# --- Policies ----------------------------------------------------------------------------


def policies_published(*, scope: str | None = None) -> QuerySet[Policy]:
    """Published policies, newest first, each with ``attachment_count``."""
    qs = Policy.objects.published().annotate(attachment_count=Count("attachments"))
    if scope is not None:
        qs = qs.filter(scope=scope)
    return qs.order_by("-published_on", "-id")


def policy_sections(*, limit: int = SECTION_PREVIEW) -> list[Section[Policy]]:
    """国家政策 and 地方政策: the latest ``limit`` rows of each and their totals."""
    return _sections(
        Policy.Scope,
        rows=lambda scope: policies_published(scope=scope),
        # Counted without the attachments' annotation (no GROUP BY).
        total=lambda scope: Policy.objects.published().filter(scope=scope).count(),
        limit=limit,
    )


def policies_latest(*, limit: int = 5) -> list[Policy]:
    """National and local policies together, newest first (首页)."""
    return list(policies_published()[:limit])


def policy_get(*, pk: int) -> Policy | None:
    """A published policy with its attachments in display order, or None."""
    attachments = Prefetch("attachments", queryset=PolicyAttachment.objects.order_by("order", "id"))
    return Policy.objects.published().prefetch_related(attachments).filter(pk=pk).first()


def policy_attachment_get(*, policy_pk: int, attachment_pk: int) -> PolicyAttachment | None:
    """An attachment of a published policy, or None (also when it belongs to another)."""
    return (
        PolicyAttachment.objects.select_related("policy")
        .filter(pk=attachment_pk, policy_id=policy_pk, policy__is_published=True)
        .first()
    )


# --- Materials ---------------------------------------------------------------------------


def materials_published(*, section: str | None = None) -> QuerySet[Material]:
    qs = Material.objects.published()
    if section is not None:
        qs = qs.filter(section=section)
    return qs.order_by("-published_on", "-id")


def material_sections(*, limit: int = SECTION_PREVIEW) -> list[Section[Material]]:
    """服务标准 and 贯标样例: the latest ``limit`` rows of each and their totals."""
    return _sections(
        Material.Section,
        rows=lambda section: materials_published(section=section),
        total=lambda section: materials_published(section=section).count(),
        limit=limit,
    )


def materials_latest(*, limit: int = 5) -> list[Material]:
    """Both sections together, newest first (首页)."""
    return list(materials_published()[:limit])


def material_get(*, pk: int) -> Material | None:
    return Material.objects.published().filter(pk=pk).first()


def material_section_from_slug(slug: str) -> Material.Section | None:
    return _choice_from_slug(Material.Section, slug)


def policy_scope_from_slug(slug: str) -> Policy.Scope | None:
    return _choice_from_slug(Policy.Scope, slug)


# --- Lecturers ---------------------------------------------------------------------------


def lecturers_published() -> QuerySet[Lecturer]:
    return Lecturer.objects.published().order_by("order", "id")
