"""Writing .xlsx files: named sheets of a bold, frozen header row and data rows, in readable column widths.
Every export goes through here.

Spreadsheet formula injection (OWASP "CSV injection"): a resident's name, comment or complaint can
start with "=", "+", "-" or "@" and become a formula when a worker opens the export
(=HYPERLINK(...), =cmd|...). Every text cell is therefore written as text (type and format), with
control characters removed and a leading apostrophe before such a first character, so the cell
shows what was typed and is never evaluated, also after an edit or a copy to CSV.
"""
import io
import re
import unicodedata

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# Full-width forms too: some Chinese input methods turn ＝ into = when the cell is edited.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TEXT_FORMAT = "@"
MAX_WIDTH = 50  # characters; longer texts wrap inside their cell


def display_width(value) -> int:
    """How many Latin characters wide a value shows: Chinese characters take two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_value(value):
    """What to store for one cell: text made inert; numbers, dates and None as they are."""
    if not isinstance(value, str):
        return value
    value = CONTROL.sub("", value)
    if value.startswith(FORMULA_START):
        value = "'" + value
    return value


def append_row(sheet, row, bold: bool = False) -> None:
    """Append one row with every text cell stored as text."""
    sheet.append([text_value(v) for v in row])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never "f", whatever openpyxl guessed
            cell.number_format = TEXT_FORMAT
        if bold:
            cell.font = Font(bold=True)


def new_book() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.remove(book.active)
    return book


def add_sheet(book, title: str, header: list, rows, widths: list[int] | None = None):
    """A sheet with a bold header that stays in view when scrolling; columns as wide as their content (up to
    MAX_WIDTH, then the text wraps), or `widths` (in characters)."""
    sheet = book.create_sheet(text_value(title)[:31])
    append_row(sheet, header, bold=True)
    for cell in sheet[1]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        append_row(sheet, row)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.iter_cols(), start=1):
        wanted = widths[index - 1] if widths and index <= len(widths) else \
            min(max(display_width(cell.value) for cell in column) + 2, MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = max(wanted, 6)
        for cell in column[1:]:
            if display_width(cell.value) > wanted:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return sheet


def save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(*sheets: tuple[str, list, list], widths: list[int] | None = None) -> bytes:
    """An .xlsx of (title, header, rows) sheets, in order (see add_sheet)."""
    book = new_book()
    for title, header, rows in sheets:
        add_sheet(book, title, header, rows, widths)
    return save(book)
