"""Writing .xlsx files: named sheets of a bold, frozen header row and data rows, in readable column widths."""
import io
import unicodedata

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

MAX_WIDTH = 50  # characters; longer texts wrap inside their cell


def display_width(value) -> int:
    """How many Latin characters wide a value shows: Chinese characters take two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def workbook(*sheets: tuple[str, list, list], widths: list[int] | None = None) -> bytes:
    """An .xlsx of (title, header, rows) sheets, in order. The header stays in view when scrolling; columns
    are as wide as their content (up to MAX_WIDTH, then the text wraps), or `widths` (in characters)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.iter_cols(), start=1):
            wanted = widths[index - 1] if widths and index <= len(widths) else \
                min(max(display_width(cell.value) for cell in column) + 2, MAX_WIDTH)
            sheet.column_dimensions[get_column_letter(index)].width = max(wanted, 6)
            for cell in column[1:]:
                if display_width(cell.value) > wanted:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
