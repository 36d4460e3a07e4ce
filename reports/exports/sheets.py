"""Write-only sheets laid out as working tables, and the cell conversions every export shares."""

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import BigIntegerField, Expression, Max, QuerySet, Value
from django.db.models.functions import Length
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from roadmap_portal.spreadsheets import neutralise

CHUNK = 1000
Progress = Callable[[int], None]

FORMAT_INT = "0"
FORMAT_SCORE = "0.0"
# A number with up to four decimals («1 530,25»); whole values get FORMAT_WHOLE instead, because Excel shows
# "#,##0.##" of 30 as «30,» with a dangling comma (Sheet.append picks the format by the value).
FORMAT_DECIMAL = "#,##0.####"
FORMAT_WHOLE = "#,##0"
FORMAT_PERCENT = "0.0%"
FORMAT_CHANGE = "+0.0;-0.0;0.0"
FORMAT_CHANGE_INT = "+0;-0;0"
FORMAT_DATE = "DD.MM.YYYY"
FORMAT_DATETIME = "DD.MM.YYYY HH:MM"

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
TOTAL_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


# --- Cells: one conversion per kind of value ----------------------------------------------------
# Every value an export writes is shaped once, by its column's kind: text neutralised against formula injection
# (`text_cell`, the one place the exports call `neutralise`: data, titles and headers alike), words looked up in a
# table made once per column (`Words`), percents made fractions, moments made local; numbers go as they are.

TEXT, NUMBER, PERCENT, DATE, WORDS = "text", "number", "percent", "date", "words"


def text_cell(value) -> str | None:
    """Text as a cell: empty text is an empty cell; text that could start a formula gets a leading apostrophe."""
    if value is None or value == "":
        return None
    return neutralise(value)


def percent_cell(value: Decimal | float | None) -> Decimal | None:
    """0–100 as stored → a fraction that Excel shows with a percent format."""
    return None if value is None else Decimal(value) / 100


def date_cell(value: dt.date | dt.datetime | None, tz: dt.tzinfo | None = None) -> dt.date | dt.datetime | None:
    """Dates stay dates; a moment becomes the portal's local wall-clock time (Excel has no time zones). A sheet
    passes its time zone, looked up once (Django's lookup of the current one costs more than the conversion)."""
    if value is None or not isinstance(value, dt.datetime):
        return value
    if value.tzinfo is None:
        return value.replace(microsecond=0)
    return value.astimezone(tz or timezone.get_current_timezone()).replace(tzinfo=None, microsecond=0)


# NUMBER: numbers stay numbers (int or Decimal), so Excel sums and filters them; nothing to shape.
CONVERT = {TEXT: text_cell, NUMBER: None, PERCENT: percent_cell, DATE: date_cell}


class Words(dict):
    """A column of words (yes/no, choices, states): each raw value from the database → its text, spelled and
    neutralised once per distinct value, so that a row looks its words up instead of building them."""

    def __init__(self, spell: Callable[[object], str | None]):
        super().__init__()
        self.spell = spell

    def __missing__(self, raw):
        text = self[raw] = text_cell(self.spell(raw))
        return text


# --- Sheets ------------------------------------------------------------------------------------


@dataclass
class Column:
    header: str
    width: float = 12
    number_format: str | None = None
    wrap: bool = False
    kind: str = ""  # TEXT, NUMBER, PERCENT, DATE or WORDS; by default WORDS with `words`, else taken from the number format
    words: Words | None = None

    def __post_init__(self) -> None:
        if not self.kind:
            if self.words is not None:
                self.kind = WORDS
            else:
                self.kind = DATE if self.number_format in (FORMAT_DATE, FORMAT_DATETIME) else NUMBER if self.number_format else TEXT

    @property
    def convert(self) -> Callable | None:
        """This column's one conversion (None: its values go as they are)."""
        return self.words.__getitem__ if self.kind == WORDS else CONVERT[self.kind]


def fit(header: str, longest: int | None = 0, *, minimum: int = 8, maximum: int = 60) -> float:
    """A width that fits the longest value and the header's longest word (headers wrap)."""
    words = max((len(w) for w in header.split()), default=0)
    return float(max(minimum, min(maximum, max(longest or 0, words) + 2)))


class _RowSheet(WriteOnlyWorksheet):
    """A write-only worksheet whose data rows are plain values, each bound into its column's cell (`data_cells`, set
    by Sheet below its header): one cell object per column, made and styled once, handed to openpyxl on every row
    with that row's value (openpyxl 3.1 writes each cell before asking for the next). This skips openpyxl's
    try-the-value-then-catch detour for styled cells (which formats the cell's repr in an exception: a third of a
    big export's time). The other rows (title, header, totals) come as ready cells, `data_cells` unset."""

    data_cells: list | None = None

    def _values_to_row(self, values, row_idx):
        cells = self.data_cells
        if cells is None:
            for cell in values:
                if cell is not None:
                    cell.row = row_idx
                    yield cell
            return
        for value, cell in zip(values, cells, strict=True):
            if value is not None:
                cell.value = value
                cell.row = row_idx
                yield cell


class _ColumnCell(Cell):
    """A column's cell: its style id is looked up once, not hashed again for every row."""

    __slots__ = ("style_id", "has_style")


class _DecimalCell(_ColumnCell):
    """A FORMAT_DECIMAL column's cell: a whole value takes FORMAT_WHOLE, because Excel shows "#,##0.##" of 30 as «30,»
    with a dangling comma."""

    __slots__ = ("whole_id", "fraction_id")

    def _bind(self, value) -> None:
        self.style_id = self.whole_id if isinstance(value, int | Decimal) and value == int(value) else self.fraction_id
        self._bind_value(value)

    value = property(Cell.value.fget, _bind)


class Sheet:
    """One write-only sheet: title and the export's parameters (row 1), the moment of export (row 2), an optional note (row 3),
    the header (row 4), then the rows. Call `close()` last.

    Each column has one cell with its style, made once, and one conversion (`Column.convert`), so a row
    costs what bare openpyxl costs for the same values."""

    def __init__(
        self, workbook: Workbook, name: str, title: str, columns: list[Column], exported_at: dt.datetime, note: str = "", freeze_cols: int = 0, scope: str = ""
    ):
        self.ws = _RowSheet(parent=workbook, title=name[:31])
        workbook._add_sheet(self.ws)
        self.columns = columns
        self.tz = timezone.get_current_timezone()
        for i, column in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = column.width
        self.header_row = 4
        self.ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{self.header_row + 1}"
        # The title row states every parameter the file was made with (ExportRequest.scope): a file read alone says what it covers.
        self._write([self._cell(f"{title} — {scope}" if scope else title, font=TITLE_FONT)])
        self._write([self._cell("Выгружено:"), self._cell(date_cell(exported_at, self.tz), FORMAT_DATETIME)])
        self._write([self._cell(note)] if note else [])
        header = self._cell("", font=HEADER_FONT, alignment=HEADER_ALIGNMENT)
        header.fill = HEADER_FILL
        header.border = HEADER_BORDER
        self._write([self._cell(c.header, style=header._style) for c in columns])  # one style, made once
        self.rows = 0
        self.formats = [c.number_format for c in columns]
        self._converters, self.ws.data_cells = self._data_columns(columns)

    def _write(self, cells: list) -> None:
        """A row of ready cells (title, header, totals), written as they are."""
        for i, cell in enumerate(cells, start=1):
            if cell is not None:
                cell.column = i
        data_cells, self.ws.data_cells = self.ws.data_cells, None
        try:
            self.ws.append(cells)
        finally:
            self.ws.data_cells = data_cells

    def _cell(
        self,
        value,
        number_format: str | None = None,
        font: Font | None = None,
        alignment: Alignment | None = None,
        formula: bool = False,
        style: StyleArray | None = None,
    ) -> Cell:
        """A cell of a title, header or total row; its text neutralised unless it is the portal's own formula or label."""
        cell = WriteOnlyCell(self.ws, value=value if formula or not isinstance(value, str) else text_cell(value))
        if style is not None:
            cell._style = StyleArray(style)
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        if alignment:
            cell.alignment = alignment
        return cell

    def _style_id(self, cell: Cell, number_format: str | None, wrap: bool) -> int:
        if number_format:
            cell.number_format = number_format
        if wrap:
            cell.alignment = WRAP_TOP
        return self.ws.parent._cell_styles.add(cell._style)

    def _data_columns(self, columns: list[Column]) -> tuple[list[tuple[int, Callable]], list[Cell]]:
        """The conversions of the columns that shape their values (index, function), and each column's one cell."""
        converters, cells = [], []
        for i, column in enumerate(columns):
            convert = partial(date_cell, tz=self.tz) if column.kind == DATE else column.convert
            if convert is not None:
                converters.append((i, convert))
            cell = (_DecimalCell if column.number_format == FORMAT_DECIMAL else _ColumnCell)(self.ws, column=i + 1)
            cell.has_style = bool(column.number_format or column.wrap)
            if column.number_format == FORMAT_DECIMAL:
                cell.whole_id = self._style_id(WriteOnlyCell(self.ws), FORMAT_WHOLE, column.wrap)
                cell.fraction_id = self._style_id(cell, FORMAT_DECIMAL, column.wrap)
            cell.style_id = self._style_id(cell, column.number_format, column.wrap) if cell.has_style else 0
            cells.append(cell)
        return converters, cells

    def append(self, values: Iterable, columns: list[Column] | None = None) -> None:
        """One data row: each value shaped by its column's conversion and written in its column's cell (a list is
        shaped in place). `columns` lays out this row its own way (same number of columns)."""
        row = values if type(values) is list else list(values)
        if columns is None:
            for i, convert in self._converters:
                row[i] = convert(row[i])
            self.ws.append(row)
        else:
            converters, cells = self._data_columns(columns)
            for i, convert in converters:
                row[i] = convert(row[i])
            data_cells, self.ws.data_cells = self.ws.data_cells, cells
            try:
                self.ws.append(row)
            finally:
                self.ws.data_cells = data_cells
        self.rows += 1

    def append_total(self, values: Iterable) -> None:
        """A summary row below the table, after a blank line, outside the autofilter. Its strings are
        the portal's own labels and formulas (=COUNTA…), written as they are."""
        self._write([])
        self._write([None if v is None else self._cell(v, f, font=TOTAL_FONT, formula=True) for v, f in zip(values, self.formats, strict=True)])

    @property
    def last_data_row(self) -> int:
        return self.header_row + self.rows

    def close(self) -> None:
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A{self.header_row}:{last}{max(self.last_data_row, self.header_row + 1)}"
        self.ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        self.ws.page_setup.orientation = "landscape" if len(self.columns) > 6 else "portrait"
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def chunks(queryset: "QuerySet | Bound", size: int | None = None) -> Iterator[list]:
    """Rows of an ordered queryset (or of a prepared query's `Bound` SQL), streamed from the database, in lists of
    `size` (CHUNK by default)."""
    size = size or CHUNK
    chunk: list = []
    if isinstance(queryset, Bound):
        rows = _server_side(queryset, size)
    else:
        bound = Bound.of(queryset) if connection.vendor == "postgresql" and queryset._fields and not queryset._result_cache else None
        rows = _server_side(bound, size) if bound is not None else queryset.iterator(chunk_size=size)
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class Bound:
    """The SQL of a `values_list` queryset and its parameters, with what picks its columns into the list's order."""

    sql: str
    params: tuple | list
    pick: Callable | None = None

    @classmethod
    def of(cls, queryset: QuerySet) -> "Bound | None":
        """None when the SQL's columns are not the list's (then Django's own iterator reads them)."""
        query = queryset.query
        # The columns in the order of the SQL: since Django 5.2 that of `values_list` itself (`query.selected`); before,
        # extra columns, then fields, then annotations (so a list naming an annotation before a field was reordered).
        selected = getattr(query, "selected", None)
        names = list(selected) if selected else [*query.extra_select, *query.values_select, *query.annotation_select]
        if set(names) != set(queryset._fields):
            return None
        pick = itemgetter(*[names.index(name) for name in queryset._fields]) if names != list(queryset._fields) else None
        return cls(*query.sql_with_params(), pick)

    @classmethod
    def subquery(cls, queryset: QuerySet) -> "Bound":
        """A `values("pk")` queryset compiled as a subquery, to be given to a `SubqueryParameter`."""
        query = queryset.query.clone()
        query.clear_ordering(clear_default=True)  # as Django's own `__in` subquery: no ORDER BY (a school's is a join)
        return cls(*query.sql_with_params())


class Parameter(Expression):
    """A value given when a `Prepared` query runs: compiled as a placeholder whose parameter is this marker."""

    def __init__(self, name: str, output_field=None):
        super().__init__(output_field=output_field or BigIntegerField())
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [self]


class SubqueryParameter(Parameter):
    """A subquery given when a `Prepared` query runs (a `values("pk")` queryset, compiled then): a token in the text."""

    def as_sql(self, compiler, connection):
        return f"(/*{self.name}*/)", [self]


class Prepared:
    """A `values_list` query compiled once per process, its values `Parameter`s: Django's build and compile of the
    rating export's queries took ~3 of its ~21 ms at 100 schools; bound, a query costs a substitution. The text holds
    nothing of a round or a user, only markers. Rows are streamed (`chunks`) from PostgreSQL only: elsewhere Django's
    iterator converts the values (decimals, booleans), which needs the queryset; `fetch` (integers and text) runs anywhere."""

    def __init__(self, queryset: QuerySet):
        bound = Bound.of(queryset)
        if bound is None:
            raise ValueError("a prepared query's columns must be its values_list's")
        self.bound = bound

    def bind(self, **values) -> Bound:
        """The SQL with each marker's value: a subquery's (a queryset, or `Bound.subquery` of it compiled once) spliced in."""
        sql, params = self.bound.sql, []
        for param in self.bound.params:
            if isinstance(param, SubqueryParameter):
                sub = values[param.name]
                sub = sub if isinstance(sub, Bound) else Bound.subquery(sub)
                sql = sql.replace(f"/*{param.name}*/", sub.sql, 1)
                params.extend(sub.params)
            elif isinstance(param, Parameter):
                params.append(values[param.name])
            else:
                params.append(param)
        return Bound(sql, params, self.bound.pick)

    def fetch(self, **values) -> list[tuple]:
        """All rows at once (a small query), through Django's cursor as the ORM would run it."""
        bound = self.bind(**values)
        with connection.cursor() as cursor:
            cursor.execute(bound.sql, bound.params)
            rows = cursor.fetchall()
        return [bound.pick(row) for row in rows] if bound.pick else rows


def _server_side(bound: Bound, size: int) -> Iterator[tuple]:
    """The tuples of a `values_list` query straight from a PostgreSQL server-side cursor: psycopg2 already gives
    the exports' types (int, Decimal, date, aware datetime, bool), so Django's per-value converters are skipped."""
    connection.ensure_connection()
    # A named cursor lives in a transaction; outside one, a short one of its own.
    with transaction.atomic():
        # An export reads every row: plan for all of them, not for the first tenth as PostgreSQL plans a cursor by
        # default (weighing fast-start plans too tripled the planning of the rating's query: 2.1 ms, not 0.6).
        with connection.connection.cursor() as setting:
            setting.execute("SET LOCAL cursor_tuple_fraction = 1")
        with connection.connection.cursor(name=f"export_{id(bound):x}") as cursor:
            cursor.itersize = size
            cursor.execute(bound.sql, bound.params)
            pick = bound.pick
            for row in cursor:
                yield pick(row) if pick else row


def longest(queryset: QuerySet, *fields: str, pks: Bound | None = None) -> dict[str, int]:
    """The longest text of each field among the queryset's rows in one query (for column widths); `pks`: the
    queryset's `Bound.subquery`, if the caller has it compiled already."""
    if not fields:
        return {}
    row = _prepared_longest(connection.vendor, queryset.model, fields).fetch(rows=pks or queryset.values("pk"))[0]
    return {f: n or 0 for f, n in zip(fields, row, strict=True)}


@functools.lru_cache(maxsize=64)
def _prepared_longest(vendor: str, model, fields: tuple[str, ...]) -> Prepared:
    longest = {f"longest_{i}": Max(Length(f)) for i, f in enumerate(fields)}
    # One row for all the rows (grouped by a constant, which the SQL leaves out): an aggregate that is not run yet.
    everything = model._default_manager.filter(pk__in=SubqueryParameter("rows")).order_by().annotate(all_rows=Value(1)).values("all_rows")
    return Prepared(everything.annotate(**longest).values_list(*longest))


def report(progress: Progress | None, done: int) -> None:
    if progress is not None:
        progress(done)
