"""Write-only sheets laid out as working tables, and the cell conversions every export shares."""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

CHUNK = 500
Progress = Callable[[int], None]

FORMAT_INT = "0"
FORMAT_SCORE = "0.0"
FORMAT_DECIMAL = "#,##0.##"
FORMAT_PERCENT = "0.0%"
FORMAT_CHANGE = "+0.0;-0.0;0.0"
FORMAT_CHANGE_INT = "+0;-0;0"
FORMAT_DATE = "DD.MM.YYYY"
FORMAT_DATETIME = "DD.MM.YYYY HH:MM"

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
CODE_FONT = Font(italic=True, size=9, color="595959")
TOTAL_FONT = Font(bold=True)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


# --- Sheets ------------------------------------------------------------------------------------


@dataclass
class Column:
    header: str
    width: float = 12
    number_format: str | None = None
    wrap: bool = False
    code: str = ""  # a second header line above the header (question codes)


def fit(header: str, longest: int | None = 0, *, minimum: int = 8, maximum: int = 60) -> float:
    """A width that fits the longest value and the header's longest word (headers wrap)."""
    words = max((len(w) for w in header.split()), default=0)
    return float(max(minimum, min(maximum, max(longest or 0, words) + 2)))


def excel_datetime(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: the local wall-clock time of the portal."""
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def percent(value: Decimal | float | None) -> Decimal | None:
    """0–100 as stored → a fraction that Excel shows with a percent format."""
    return None if value is None else Decimal(value) / 100


class Sheet:
    """One write-only sheet: title (row 1), the moment of export (row 2), an optional note (row 3),
    the header (row 4, or rows 4–5 when columns carry codes), then the rows. Call `close()` last."""

    def __init__(self, workbook: Workbook, name: str, title: str, columns: list[Column], exported_at: dt.datetime, note: str = "", freeze_cols: int = 0):
        self.ws = workbook.create_sheet(name[:31])
        self.columns = columns
        for i, column in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = column.width
        with_codes = any(c.code for c in columns)
        self.header_row = 5 if with_codes else 4
        self.ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{self.header_row + 1}"
        self.ws.append([self._cell(title, font=TITLE_FONT)])
        self.ws.append(["Выгружено:", self._cell(excel_datetime(exported_at), FORMAT_DATETIME)])
        self.ws.append([note] if note else [])
        if with_codes:
            self.ws.append([self._cell(c.code, font=CODE_FONT) if c.code else None for c in columns])
        self.ws.append([self._header(c.header) for c in columns])
        self.rows = 0
        self.formats = [c.number_format for c in columns]
        self.wraps = [c.wrap for c in columns]
        self._styles: dict[tuple[str | None, bool], object] = {}

    def _cell(self, value, number_format: str | None = None, font: Font | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        if alignment:
            cell.alignment = alignment
        return cell

    def _styled(self, value, number_format: str | None, wrap: bool) -> WriteOnlyCell:
        """A data cell whose style is copied from the first cell of its kind: openpyxl resolves a
        style once per kind instead of once per cell (the bulk of the time on big exports)."""
        key = (number_format, wrap)
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self._cell(None, number_format, alignment=WRAP_TOP if wrap else None)._style
        cell = WriteOnlyCell(self.ws, value=value)
        cell._style = copy(style)
        return cell

    def _header(self, text: str) -> WriteOnlyCell:
        cell = self._cell(text, font=HEADER_FONT, alignment=Alignment(wrap_text=True, vertical="center"))
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        return cell

    def append(self, values: Iterable, formats: list[str | None] | None = None) -> None:
        row = []
        for value, number_format, wrap in zip(values, formats or self.formats, self.wraps, strict=True):
            if value is None or value == "":
                row.append(None)
            elif number_format or wrap:
                row.append(self._styled(value, number_format, wrap))
            else:
                row.append(value)
        self.ws.append(row)
        self.rows += 1

    def append_total(self, values: Iterable) -> None:
        """A summary row below the table, after a blank line, outside the autofilter."""
        self.ws.append([])
        self.ws.append([None if v is None else self._cell(v, f, font=TOTAL_FONT) for v, f in zip(values, self.formats, strict=True)])

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
    for row in queryset.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def longest(queryset: QuerySet, *fields: str) -> dict[str, int]:
    """The longest text of each field in one query (for column widths)."""
    if not fields:
        return {}
    row = queryset.aggregate(**{f: Max(Length(f)) for f in fields})
    return {f: row[f] or 0 for f in fields}


def report(progress: Progress | None, done: int) -> None:
    if progress is not None:
        progress(done)
