"""Writing .xlsx files: named sheets of a bold header row and data rows."""
import io

import openpyxl
from openpyxl.styles import Font


def workbook(*sheets: tuple[str, list, list]) -> bytes:
    """An .xlsx of (title, header, rows) sheets, in order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
