"""Pages of a long list of schools read in one query: the rows of the page and the total found come together
(a window count over the filtered rows, taken before LIMIT/OFFSET), so a page costs the same for 50 and 40,000 rows."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


def page_of(queryset: QuerySet, number, *, size: int) -> Page:
    """Like `Paginator(queryset, size).get_page(number)` (a bad or too large number gives the first or last page),
    without the separate COUNT query."""
    try:
        number = min(max(int(number), 1), 10**6)  # a page past the end is the last page; no OFFSET the database refuses
    except (TypeError, ValueError):
        number = 1
    rows = list(queryset.annotate(_found=Window(Count("pk")))[(number - 1) * size : number * size])
    if not rows and number > 1:  # past the end: the last page, as get_page gives
        found = queryset.count()
        number = max((found + size - 1) // size, 1)
        rows = list(queryset.annotate(_found=Window(Count("pk")))[(number - 1) * size : number * size])
    paginator = Paginator(queryset, size)
    paginator.__dict__["count"] = rows[0]._found if rows else 0  # the cached_property, filled from the window count
    return Page(rows, number, paginator)
