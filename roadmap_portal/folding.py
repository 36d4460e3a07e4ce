"""Per-district tables that stay readable (and cheap to render) in a region of hundreds of districts:
a city's few districts are shown whole; a region's are folded to the weakest ones, with every district
on demand, a page at a time."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import QueryDict

FOLDED_DISTRICTS = 20  # shown first, weakest first; up to this many districts the table is never folded
ALL_DISTRICTS_PAGE = 50


@dataclass
class DistrictTable:
    rows: list
    count: int  # districts in the table, shown or not
    folded: bool  # only the FOLDED_DISTRICTS weakest are shown
    page: Page | None = None  # every district, a page at a time
    param: str = "districts"  # ?<param>=all unfolds, ?<param>_page=N pages
    query: str = ""  # the page's other GET parameters, urlencoded

    @property
    def shown(self) -> int:
        return len(self.rows)


def unfolded(get: QueryDict, param: str) -> bool:
    """Whether the request asks for every district of the table `param` (then `district_table` pages them all);
    otherwise the database may choose the rows shown (`chosen_district_table`)."""
    return get.get(param) == "all"


def chosen_district_table(rows: Sequence, *, count: int, get: QueryDict, param: str) -> DistrictTable:
    """The table `district_table` would make of `count` districts when not unfolded, from the rows the database chose:
    the FOLDED_DISTRICTS weakest (weakest first) when there are more, else every district in natural order. Its cost
    does not grow with the districts of a region."""
    other = get.copy()
    other.pop(param, None)
    other.pop(f"{param}_page", None)
    return DistrictTable(rows=list(rows), count=count, folded=count > FOLDED_DISTRICTS, param=param, query=other.urlencode())


def district_table(rows: Sequence, *, weakest_first: Callable, get: QueryDict, param: str) -> DistrictTable:
    """`rows` in their natural order (by name); `weakest_first` the sort key of the folded view; `get` the request's
    GET parameters, of which `param` (=all) and `<param>_page` belong to this table."""
    other = get.copy()
    other.pop(param, None)
    other.pop(f"{param}_page", None)
    table = DistrictTable(rows=list(rows), count=len(rows), folded=False, param=param, query=other.urlencode())
    if len(rows) <= FOLDED_DISTRICTS:
        return table
    if get.get(param) != "all":
        table.rows, table.folded = sorted(rows, key=weakest_first)[:FOLDED_DISTRICTS], True
        return table
    table.page = Paginator(rows, ALL_DISTRICTS_PAGE).get_page(get.get(f"{param}_page"))
    table.rows = list(table.page.object_list)
    return table


def district_table_live(
    order: Sequence, *, get: QueryDict, param: str, live: Callable[[list], Iterable], district_of: Callable = None, count: int | None = None
) -> DistrictTable:
    """A folded table whose choice and order of districts come from `order` (rows with `district_id` and
    `weakest_first()`, e.g. counts of the last recompute) and whose rows are counted live by `live(district_ids)`
    for the districts shown only: the page costs the same for 100 and 40,000 schools. With `count`, `order` holds only
    the rows to show, as the database chose them (`chosen_district_table`)."""
    if count is None:
        table = district_table(order, weakest_first=lambda row: row.weakest_first(), get=get, param=param)
    else:
        table = chosen_district_table(order, count=count, get=get, param=param)
    shown = [row.district_id for row in table.rows]
    district_of = district_of or (lambda row: row.district_id)
    counted = {district_of(row): row for row in live(shown)} if shown else {}
    table.rows = [counted[pk] for pk in shown if pk in counted]
    return table
