"""Page links for lists: ``paginate()`` (templates/partials/pagination.html).

Two kinds of list:

* small ones (the portal's sections): Django's ``Paginator`` over the queryset;
* the admin lists that grow with an enterprise (成员管理, 学习管理; 50,000 rows and more):
  :class:`KeyedPaginator`, which keeps page numbers (上一页, 1 2 … N, 下一页) and still
  costs about the same on the last page as on the first. docs/performance.md ("Lists")
  says why it is bounded offsets on an index rather than keyset pagination.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

DEFAULT_PAGE_SIZE = 20


class KeyedPaginator(Paginator):
    """Pages of a long list ordered by an index, read in one query per page.

    ``keys`` is the list's queryset, filtered and ordered so that one index serves both
    (its ordering must end in the primary key, so that it is total). The page's keys are
    a slice of it, taken from the nearer end: a page in the second half of the list is
    counted from the last row with the ordering reversed, so the index walks at most
    half the list, and the last page costs what the first does. Only the slice's keys
    are read there (``SELECT id … LIMIT 20 OFFSET k``, an index-only scan where the index
    holds the filtered columns); the rows, with their joins and annotations, come from
    ``rows`` for those twenty keys only, in the same query (``WHERE id IN (…)``).

    ``lead``: objects listed before all the keys (the admin's own row of 成员管理),
    fetched apart; they count as rows of the first page.

    Count: ``len(lead) + keys.count()`` (the same index). Queries for a page: the count
    and the page, plus whatever the caller spent on ``lead``.
    """

    def __init__(
        self,
        keys: QuerySet,
        per_page: int,
        *,
        rows: QuerySet,
        lead: Sequence = (),
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ):
        if not keys.ordered or not keys.query.order_by:
            raise ValueError("KeyedPaginator needs keys with an explicit order_by().")
        super().__init__(keys, per_page, orphans, allow_empty_first_page)
        self.rows = rows
        self.lead = list(lead)

    @cached_property
    def count(self) -> int:
        return len(self.lead) + self.object_list.order_by().count()

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        led = len(self.lead)
        objects = self.lead[bottom:top]
        start, stop = max(bottom - led, 0), top - led
        if stop > start or self.count == led:
            objects = objects + self.keyed(start, max(stop, start + 1))
        return self._get_page(objects, number, self)

    def keyed(self, start: int, stop: int) -> list:
        """Rows ``start:stop`` of ``keys`` (0-based, without the lead), in order.

        A list of the lead alone still asks (for nothing), so that a page costs the same
        queries whatever the list holds.
        """
        keys = self.object_list
        total = self.count - len(self.lead)
        if total and total - stop < start:
            # Nearer the end: walk the index backwards from the last row.
            keys = keys.reverse()
            start, stop = total - stop, total - start
        page_keys = keys.values("pk")[start:stop]
        return list(self.rows.filter(pk__in=page_keys).order_by(*self.object_list.query.order_by))


def paginate(
    request,
    queryset: QuerySet,
    *,
    per_page: int = DEFAULT_PAGE_SIZE,
    rows: QuerySet | None = None,
    lead: Sequence = (),
) -> Page:
    """The page ``?page=`` asks for, with ``page_links`` for templates/partials/pagination.html.

    With ``rows`` the list is paged by :class:`KeyedPaginator` (``queryset`` gives the
    keys, ``rows`` the objects shown, ``lead`` what comes before them); without it, by
    Django's ``Paginator``.

    ``get_page()`` never raises: a bad or too-large ``?page=`` shows the first or last page.
    """
    if rows is None:
        paginator = Paginator(queryset, per_page)
    else:
        paginator = KeyedPaginator(queryset, per_page, rows=rows, lead=lead)
    page_obj = paginator.get_page(request.GET.get("page"))
    page_obj.page_links = list(
        paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    )
    return page_obj
