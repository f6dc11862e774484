"""Writing .xlsx files: named sheets of a bold, frozen header row and data rows, in readable column widths.
Every export goes through here; and reading uploaded ones (the register, a street's ticket history) within
bounds of time and memory, whatever the file says about itself.

Spreadsheet formula injection (OWASP "CSV injection"): a resident's name, comment or complaint can
start with "=", "+", "-" or "@" and become a formula when a worker opens the export
(=HYPERLINK(...), =cmd|...). Every text cell is therefore written as text (type and format), with
control characters removed and a leading apostrophe before such a first character, so the cell
shows what was typed and is never evaluated, also after an edit or a copy to CSV.
"""
import csv
import io
import re
import unicodedata
import zipfile

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


# What an uploaded workbook may unpack to. Python's zipfile stops each member at its declared size (a member
# that unpacks to more fails its CRC check), so the declared sizes bound what openpyxl can read.
MAX_MEMBERS = 200
MAX_RATIO = 100  # unpacked / packed size of a member over 1 MB; real sheets pack about 10 to 20 times
UNREADABLE = "无法读取这个 Excel 文件，请确认是 .xlsx 格式。"


class UnreadableUpload(ValueError):
    """An uploaded file that is not read; the message (Chinese) says why, for the person who uploaded it."""


class TooManyRows(UnreadableUpload):
    """More rows than the reader takes (declared, or counted while reading)."""


def _check_zip(data: bytes, max_unpacked: int) -> None:
    """Refuse an .xlsx that would unpack too large, or pack suspiciously well, before unpacking any of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableUpload(UNREADABLE) from None
    if len(members) > MAX_MEMBERS:
        raise UnreadableUpload(UNREADABLE)
    too_big = "这个 Excel 文件解压后太大（可能是恶意文件），没有读取。请分批上传，或删去多余的内容。"
    if sum(m.file_size for m in members) > max_unpacked:
        raise UnreadableUpload(too_big)
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise UnreadableUpload(too_big)


def xlsx_rows(data: bytes, *, max_rows: int, max_columns: int, max_unpacked: int):
    """The first sheet's rows (tuples of cell values, at most max_columns each; at most max_rows + 1 of them,
    so that the caller sees one too many), read as they are iterated. Raises UnreadableUpload while
    iterating (TooManyRows when the sheet declares more rows)."""
    _check_zip(data, max_unpacked)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableUpload(UNREADABLE) from None
    yield from _sheet_rows(book, max_rows, max_columns)


def _sheet_rows(book, max_rows: int, max_columns: int):
    try:
        sheet = book.worksheets[0]
        # The declared dimension (<dimension ref="A1:XFD1048576"/>) is only a claim, but a claim of more
        # rows than we take is reason enough to stop before reading.
        declared = sheet.max_row if isinstance(sheet.max_row, int) else 0
        if declared > max_rows:
            raise TooManyRows(f"超过 {max_rows} 行")
        # Bounds given explicitly: read-only sheets pad every row to the declared width, and stop at the
        # declared last row (a dimension claiming too few rows would otherwise cut the file silently).
        yield from sheet.iter_rows(max_col=max_columns, max_row=max_rows + 1, values_only=True)
    except UnreadableUpload:
        raise
    except Exception:  # malformed XML inside the zip, a bad CRC (a member longer than declared), …
        raise UnreadableUpload(UNREADABLE) from None
    finally:
        book.close()


def csv_rows(text: str, *, max_columns: int):
    """The rows of a CSV text, at most max_columns cells each (the caller counts the rows)."""
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            yield row[:max_columns]
    except csv.Error:  # a field over csv's size limit, a NUL byte, …
        raise UnreadableUpload("CSV 格式有误，无法读取。") from None
