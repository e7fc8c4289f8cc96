from django.core.paginator import Page, Paginator

DEFAULT_PAGE_SIZE = 20


def paginate(request, queryset, *, per_page: int = DEFAULT_PAGE_SIZE) -> Page:
    """The page ``?page=`` asks for, with ``page_links`` for templates/partials/pagination.html.

    ``get_page()`` never raises: a bad or too-large ``?page=`` shows the first or last page.
    """
    paginator = Paginator(queryset, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    page_obj.page_links = list(
        paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    )
    return page_obj
