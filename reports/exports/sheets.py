"""Write-only sheets laid out as working tables, and the cell conversions every export shares."""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
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
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


# --- Cells: one conversion per kind of value ----------------------------------------------------
# Every value an export writes passes through exactly one of these, chosen by its column's kind.

TEXT, NUMBER, PERCENT, DATE = "text", "number", "percent", "date"


def text_cell(value) -> str | None:
    """Text as a cell: empty text is an empty cell."""
    if value is None or value == "":
        return None
    return neutralise(value)


def number_cell(value):
    """Numbers stay numbers (int or Decimal), so Excel sums and filters them."""
    return value


def percent_cell(value: Decimal | float | None) -> Decimal | None:
    """0–100 as stored → a fraction that Excel shows with a percent format."""
    return None if value is None else Decimal(value) / 100


def date_cell(value: dt.date | dt.datetime | None) -> dt.date | dt.datetime | None:
    """Dates stay dates; a moment becomes the portal's local wall-clock time (Excel has no time zones)."""
    if value is None or not isinstance(value, dt.datetime):
        return value
    if value.tzinfo is None:
        return value.replace(microsecond=0)
    return value.astimezone(timezone.get_current_timezone()).replace(tzinfo=None, microsecond=0)


CELL = {TEXT: text_cell, NUMBER: number_cell, PERCENT: percent_cell, DATE: date_cell}


# --- Sheets ------------------------------------------------------------------------------------


@dataclass
class Column:
    header: str
    width: float = 12
    number_format: str | None = None
    wrap: bool = False
    kind: str = ""  # TEXT, NUMBER, PERCENT or DATE; by default taken from the number format

    def __post_init__(self) -> None:
        if not self.kind:
            self.kind = DATE if self.number_format in (FORMAT_DATE, FORMAT_DATETIME) else NUMBER if self.number_format else TEXT


def fit(header: str, longest: int | None = 0, *, minimum: int = 8, maximum: int = 60) -> float:
    """A width that fits the longest value and the header's longest word (headers wrap)."""
    words = max((len(w) for w in header.split()), default=0)
    return float(max(minimum, min(maximum, max(longest or 0, words) + 2)))


class _RowSheet(WriteOnlyWorksheet):
    """A write-only worksheet that takes the styled cells of a row as they come, without openpyxl's
    try-the-value-then-catch detour for each one (which formats the cell's repr in an exception:
    a third of a big export's time). openpyxl 3.1 writes each cell before asking for the next, so a
    column may hand over the same styled cell on every row."""

    # Set by Sheet.append_total: the portal's own formulas (=COUNTA…) are written as they are.
    portal_formulas = False

    def _values_to_row(self, values, row_idx):
        plain = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
                if isinstance(cell.value, str) and not self.portal_formulas:
                    neutral = neutralise(cell.value)
                    if neutral is not cell.value:  # bind again (a second type check) only text that changed
                        cell.value = neutral
            else:
                cell = plain
                # Every string of every row, whatever its column's kind: typed text never becomes a formula.
                cell.value = value if self.portal_formulas else neutralise(value)
            cell.column = col_idx
            cell.row = row_idx
            yield cell


class _ColumnCell(Cell):
    """A column's styled cell: its style id is looked up once, not hashed again for every row."""

    __slots__ = ("style_id", "has_style")


class Sheet:
    """One write-only sheet: title and the export's parameters (row 1), the moment of export (row 2), an optional note (row 3),
    the header (row 4), then the rows. Call `close()` last.

    Each column has one style object, made once, and one conversion (`CELL[column.kind]`), so a row
    costs what bare openpyxl costs for the same values."""

    def __init__(
        self, workbook: Workbook, name: str, title: str, columns: list[Column], exported_at: dt.datetime, note: str = "", freeze_cols: int = 0, scope: str = ""
    ):
        self.ws = _RowSheet(parent=workbook, title=name[:31])
        workbook._add_sheet(self.ws)
        self.columns = columns
        for i, column in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = column.width
        self.header_row = 4
        self.ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{self.header_row + 1}"
        # The title row states every parameter the file was made with (ExportRequest.scope): a file read alone says what it covers.
        self.ws.append([self._cell(f"{title} — {scope}" if scope else title, font=TITLE_FONT)])
        self.ws.append(["Выгружено:", self._cell(date_cell(exported_at), FORMAT_DATETIME)])
        self.ws.append([note] if note else [])
        self.ws.append([self._header(c.header) for c in columns])
        self.rows = 0
        self.formats = [c.number_format for c in columns]
        self._converters = [CELL[c.kind] for c in columns]
        self._cells = [self._column_cell(c.number_format, c.wrap) for c in columns]
        self._whole_cells = [self._column_cell(FORMAT_WHOLE, c.wrap) if c.number_format == FORMAT_DECIMAL else None for c in columns]

    def _cell(self, value, number_format: str | None = None, font: Font | None = None, alignment: Alignment | None = None) -> Cell:
        cell = WriteOnlyCell(self.ws, value=value)
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        if alignment:
            cell.alignment = alignment
        return cell

    def _column_cell(self, number_format: str | None, wrap: bool) -> Cell | None:
        """The one styled cell a column hands over on every row (None: the column's values need no style)."""
        if not number_format and not wrap:
            return None
        cell = _ColumnCell(self.ws)
        if number_format:
            cell.number_format = number_format
        if wrap:
            cell.alignment = WRAP_TOP
        cell.style_id = self.ws.parent._cell_styles.add(cell._style)
        cell.has_style = True
        return cell

    def _header(self, text: str) -> Cell:
        cell = self._cell(text, font=HEADER_FONT, alignment=Alignment(wrap_text=True, vertical="center"))
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        return cell

    def append(self, values: Iterable, columns: list[Column] | None = None) -> None:
        """One data row: each value converted by its column's kind and written with its column's style.
        `columns` overrides the sheet's columns for this row (same number of columns)."""
        if columns is None:
            converters, cells, whole_cells = self._converters, self._cells, self._whole_cells
        else:
            converters = [CELL[c.kind] for c in columns]
            cells = [self._column_cell(c.number_format, c.wrap) for c in columns]
            whole_cells = [self._column_cell(FORMAT_WHOLE, c.wrap) if c.number_format == FORMAT_DECIMAL else None for c in columns]
        row = []
        for value, convert, cell, whole_cell in zip(values, converters, cells, whole_cells, strict=True):
            value = convert(value)
            if whole_cell is not None and isinstance(value, int | Decimal) and value == int(value):
                cell = whole_cell
            if value is None or cell is None:
                row.append(value)
            else:
                cell.value = value
                row.append(cell)
        self.ws.append(row)
        self.rows += 1

    def append_total(self, values: Iterable) -> None:
        """A summary row below the table, after a blank line, outside the autofilter. Its strings are
        the portal's own labels and formulas (=COUNTA…), written as they are."""
        self.ws.append([])
        self.ws.portal_formulas = True
        try:
            self.ws.append([None if v is None else self._cell(v, f, font=TOTAL_FONT) for v, f in zip(values, self.formats, strict=True)])
        finally:
            self.ws.portal_formulas = False

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


def chunks(queryset: QuerySet, size: int | None = None) -> Iterator[list]:
    """Rows of an ordered queryset, streamed from the database, in lists of `size` (CHUNK by default)."""
    size = size or CHUNK
    chunk: list = []
    rows = _server_side(queryset, size) if connection.vendor == "postgresql" and queryset._fields and not queryset._result_cache else None
    for row in rows if rows is not None else queryset.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _server_side(queryset: QuerySet, size: int) -> Iterator[tuple] | None:
    """The tuples of a `values_list` queryset straight from a PostgreSQL server-side cursor: psycopg2 already gives
    the exports' types (int, Decimal, date, aware datetime, bool), so Django's per-value converters are skipped."""
    query = queryset.query
    # The columns in the order of the SQL: since Django 5.2 that of `values_list` itself (`query.selected`); before,
    # extra columns, then fields, then annotations (so a list naming an annotation before a field was reordered).
    selected = getattr(query, "selected", None)
    names = list(selected) if selected else [*query.extra_select, *query.values_select, *query.annotation_select]
    if set(names) != set(queryset._fields):
        return None
    pick = itemgetter(*[names.index(name) for name in queryset._fields]) if names != list(queryset._fields) else None
    sql, params = query.sql_with_params()

    def rows() -> Iterator[tuple]:
        connection.ensure_connection()
        # A named cursor lives in a transaction; outside one, a short one of its own.
        with transaction.atomic(using=queryset.db), connection.connection.cursor(name=f"export_{id(queryset):x}") as cursor:
            cursor.itersize = size
            cursor.execute(sql, params)
            for row in cursor:
                yield pick(row) if pick else row

    return rows()


def longest(queryset: QuerySet, *fields: str) -> dict[str, int]:
    """The longest text of each field in one query (for column widths)."""
    if not fields:
        return {}
    row = queryset.aggregate(**{f: Max(Length(f)) for f in fields})
    return {f: row[f] or 0 for f in fields}


def report(progress: Progress | None, done: int) -> None:
    if progress is not None:
        progress(done)
