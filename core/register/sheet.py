"""Reading and writing the register as a spreadsheet (.xlsx or .csv): columns, parsing, validation.

One row is one flat. The named owner is the flat's voting representative; other co-owners go
in 共有人, separated by 、 or commas. Pure: no database here (core.register.operations writes it).
"""
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl.utils import get_column_letter

from core.register.privacy import looks_like_phone
from core.workbook import (FORMULA_START, TooManyRows, UnreadableUpload, add_sheet, csv_rows, new_book, save,
                           xlsx_rows)

# (header, required, what to write in it)
COLUMNS = (
    ("楼栋", True, "楼栋号，如 1、2、A；须是本小区已登记的楼栋"),
    ("单元", True, "单元号，如 1、2"),
    ("户号", True, "房号，如 301"),
    ("楼层", False, "数字；空着时按户号推算（301 → 3 层）"),
    ("专有面积", True, "平方米，最多两位小数，如 89.50"),
    ("业主姓名", True, "表决代表的姓名"),
    ("联系电话", False, "手机或座机"),
    ("身份证后四位", False, "4 位，末位可为 X"),
    ("共有人", False, "其他共有人姓名，用顿号或逗号隔开"),
    ("产权类型", False, "空着为业主；建设单位或原产权单位尚未出售的房屋填“建设单位”或“原产权单位”，同一单位的房屋计为一人"),
    ("同一业主", False, "同一人有几套房时，这几套房填相同的标记（如 A），或填此人的身份证号（只保存其摘要）；计为一人"),
)
HOLDER_WORDS = {"": "owner", "业主": "owner", "建设单位": "developer", "开发商": "developer", "开发企业": "developer",
                "原产权单位": "original_unit", "产权单位": "original_unit"}
HOLDER_NAMES = {"owner": "", "developer": "建设单位", "original_unit": "原产权单位"}
ID_NUMBER = re.compile(r"\d{17}[\dX]")
HEADERS = tuple(c[0] for c in COLUMNS)
REQUIRED = tuple(c[0] for c in COLUMNS if c[1])
MAX_ROWS = 20000
MAX_AREA = Decimal("10000")
# Bounds on what a file may make us read (core.workbook checks them before and while reading: an .xlsx is a
# zip of XML; a small upload can unpack to gigabytes, or declare a million rows of 16,384 columns).
MAX_COLUMNS = 30  # cells read per row; the register has 9 columns
MAX_BLANK_ROWS = 1000  # empty rows read besides the data rows (formatting often reaches past the data)
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # an .xlsx's members, unpacked, together
MAX_ERRORS = 100  # problems listed before we stop looking
MAX_CELL_CHARS = 1000


@dataclass(frozen=True)
class RowError:
    """One problem, placed where the worker will find it in the spreadsheet."""

    row: int | None  # spreadsheet row number (the header is row 1); None for the file as a whole
    column: str
    reason: str

    def __str__(self) -> str:
        where = "文件" if self.row is None else f"第 {self.row} 行"
        return f"{where}{'「' + self.column + '」' if self.column else ''}：{self.reason}"


class ImportRejected(Exception):
    """The file has problems; nothing was imported. At most MAX_ERRORS problems are listed."""

    def __init__(self, errors: list[RowError]):
        if len(errors) > MAX_ERRORS:
            errors = errors[:MAX_ERRORS] + [RowError(None, "", f"问题太多，只列出前 {MAX_ERRORS} 处。请改正后重新上传。")]
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


def _file_error(reason: str) -> ImportRejected:
    return ImportRejected([RowError(None, "", reason)])


TOO_MANY_ROWS = f"超过 {MAX_ROWS} 行，请分批导入。"


@dataclass(frozen=True)
class OwnerRecord:
    name: str
    phone: str = ""
    id_last4: str = ""


@dataclass(frozen=True)
class FlatRecord:
    row: int
    building: str
    unit: str
    number: str
    floor: int | None
    area: Decimal
    owners: tuple[OwnerRecord, ...]  # the first one is the voting representative
    holder_kind: str | None = None   # None: the file has no 产权类型 column; leave the register's as it is
    person_key: str | None = None    # None: no 同一业主 column


def person_key(text: str) -> str:
    """A 同一业主 mark as stored: an ID number only as its digest (the register keeps no ID numbers)."""
    text = text.strip()
    if ID_NUMBER.fullmatch(text.upper()):
        return "id:" + hashlib.sha256(text.upper().encode()).hexdigest()[:32]
    return text


def normalize_building(value: str) -> str:
    """'3号楼', '3栋', '3幢' and '3' all name building 3."""
    return re.sub(r"(号楼|栋|幢|号)$", "", value.strip())


def normalize_unit(value: str) -> str:
    return re.sub(r"单元$", "", value.strip())


def building_sort_key(number: str) -> str:
    """Natural order: 2 before 10."""
    return re.sub(r"\d+", lambda m: m.group().zfill(6), number)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()[:MAX_CELL_CHARS]
    # Our exports put an apostrophe before a leading = + - @ (core.workbook): read them back as typed.
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_START:
        text = text[1:].strip()
    return text


def _header_name(text: str) -> str:
    # "专有面积（㎡）" and "专有面积(m²)" are the 专有面积 column.
    return re.sub(r"[（(].*?[)）]", "", text).replace(" ", "").strip()


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of an .xlsx or UTF-8 .csv file as (row number, {header: text}); raises ImportRejected.

    Time and memory are bounded whatever the file says about itself: at most MAX_ROWS data rows,
    MAX_BLANK_ROWS empty ones and MAX_COLUMNS cells a row are read, and an .xlsx is refused before
    reading when its members would unpack to more than MAX_UNPACKED_BYTES or pack suspiciously well.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith(".csv"):
        rows = _read_csv(data)
    else:
        raise _file_error("只接受 .xlsx 或 .csv 文件。")
    first = next(rows, None)
    if first is None:
        raise _file_error("文件是空的。")
    header = [_header_name(_cell_text(h)) for h in first]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ImportRejected([RowError(1, h, "缺少这一列，请用下载的模板。") for h in missing])
    table = []
    blank = 0
    for number, cells in enumerate(rows, start=2):
        record = {h: _cell_text(cells[i]) if i < len(cells) else "" for i, h in enumerate(header) if h in HEADERS}
        if any(record.values()):
            table.append((number, record))
            if len(table) > MAX_ROWS:
                raise _file_error(TOO_MANY_ROWS)
        else:
            blank += 1
            if blank > MAX_BLANK_ROWS:
                raise _file_error(f"空行超过 {MAX_BLANK_ROWS} 行。请删去多余的空行，或用下载的模板。")
    return table


def _read_xlsx(data: bytes):
    return _translated(xlsx_rows(data, max_rows=MAX_ROWS + MAX_BLANK_ROWS + 1, max_columns=MAX_COLUMNS,
                                 max_unpacked=MAX_UNPACKED_BYTES))


def _read_csv(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        # One error for the file, at its first bad line: not one per line (a 1 MB file has half a million).
        raise ImportRejected([RowError(line, "", "不是 UTF-8 编码（从这一行起）。"
                                                 "请在 Excel 中“另存为 → CSV UTF-8”后再导入。")]) from None
    return _translated(csv_rows(text, max_columns=MAX_COLUMNS))


def _translated(rows):
    """The shared reader's refusals as this import's (core.workbook reads within bounds)."""
    try:
        yield from rows
    except TooManyRows:
        raise _file_error(TOO_MANY_ROWS) from None
    except UnreadableUpload as refused:
        raise _file_error(f"{refused}请用下载的模板。") from None


def parse(table: list[tuple[int, dict[str, str]]], known_buildings: set[str]) -> list[FlatRecord]:
    """Validate every row and return the flats; raises ImportRejected listing every problem found."""
    errors: list[RowError] = []
    records: list[FlatRecord] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row, cells in table:
        if len(errors) >= MAX_ERRORS:
            errors.append(RowError(None, "", "…"))  # one past the limit: ImportRejected says there were more
            break
        row_errors = []

        def need(column):
            value = cells.get(column, "")
            if not value:
                row_errors.append(RowError(row, column, "不能为空。"))
            return value

        building = normalize_building(need("楼栋"))
        unit = normalize_unit(need("单元"))
        number = need("户号")
        if building and building not in known_buildings:
            listed = "、".join(sorted(known_buildings, key=building_sort_key)) or "无"
            row_errors.append(RowError(row, "楼栋", f"本小区没有 {building} 栋（已登记：{listed}）。"))

        floor = None
        if cells.get("楼层"):
            try:
                floor = int(cells["楼层"])
            except ValueError:
                row_errors.append(RowError(row, "楼层", f"“{cells['楼层']}”不是整数。"))
        elif number.isdigit() and len(number) >= 3:
            floor = int(number[:-2])

        area = None
        area_text = need("专有面积")
        if area_text:
            try:
                area = Decimal(area_text.replace("㎡", "").strip())
                if not area.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                row_errors.append(RowError(row, "专有面积", f"“{area_text}”不是数字。"))
            else:
                if area <= 0 or area >= MAX_AREA:
                    row_errors.append(RowError(row, "专有面积", f"{area_text} 不在 0 到 {MAX_AREA} 平方米之间。"))
                    area = None
                elif area != area.quantize(Decimal("0.01")):
                    # openpyxl hands back floats: 89.5 is fine, 89.555 is a typo worth asking about.
                    row_errors.append(RowError(row, "专有面积", f"{area_text} 超过两位小数。"))
                    area = None
                else:
                    area = area.quantize(Decimal("0.01"))

        name = need("业主姓名")
        if len(name) > 40:
            row_errors.append(RowError(row, "业主姓名", "超过 40 个字。"))
        phone = cells.get("联系电话", "")
        if phone and not looks_like_phone(phone):
            row_errors.append(RowError(row, "联系电话", f"“{phone}”不像电话号码。"))
        id_last4 = cells.get("身份证后四位", "").upper()
        if id_last4 and not re.fullmatch(r"\d{3}[\dX]", id_last4):
            row_errors.append(RowError(row, "身份证后四位", f"“{id_last4}”应是 4 位数字（末位可为 X）。"))
        co_owners = [n for n in re.split(r"[、,，;；\s]+", cells.get("共有人", "")) if n]
        if name in co_owners or len(set(co_owners)) != len(co_owners):
            row_errors.append(RowError(row, "共有人", "同一个人写了两次。"))

        holder_kind = None
        if "产权类型" in cells:
            holder_kind = HOLDER_WORDS.get(cells["产权类型"].replace(" ", ""))
            if holder_kind is None:
                row_errors.append(RowError(row, "产权类型", f"“{cells['产权类型']}”应空着，或填 建设单位、原产权单位。"))
        same_person = None
        if "同一业主" in cells:
            same_person = person_key(cells["同一业主"])
            if len(same_person) > 64:
                row_errors.append(RowError(row, "同一业主", "超过 64 个字。"))

        key = (building, unit, number)
        if all(key):
            if key in seen:
                row_errors.append(RowError(row, "户号", f"与第 {seen[key]} 行是同一户（{building}栋{unit}单元{number}）。"))
            else:
                seen[key] = row

        if row_errors:
            errors.extend(row_errors)
            continue
        owners = (OwnerRecord(name, phone, id_last4),) + tuple(OwnerRecord(n) for n in co_owners)
        records.append(FlatRecord(row, building, unit, number, floor, area, owners, holder_kind, same_person))
    if errors:
        raise ImportRejected(errors)
    return records


def write_workbook(rows: list[list], title: str = "住户登记") -> bytes:
    """An .xlsx with the register's header row and the given rows (text cells made inert by core.workbook)."""
    book = new_book()
    sheet = add_sheet(book, title, list(HEADERS), rows)
    for index, header in enumerate(HEADERS, start=1):
        column = sheet.column_dimensions[get_column_letter(index)]
        column.width = max(10, len(header) * 3)
        # Phones, ID digits and flat numbers stay text (Excel would show 13800001111 as 1.38E+10 and drop
        # the 0 of 0123); areas show two decimals. The column's own format covers the rows a worker types
        # into the empty template, the cells' the rows written here.
        number_format = "0.00" if header == "专有面积" else "@"
        column.number_format = number_format
        for cell in sheet[get_column_letter(index)][1:]:
            cell.number_format = number_format
    add_sheet(book, "填写说明", ["列名", "必填", "说明"],
              [[header, "是" if required else "否", hint] for header, required, hint in COLUMNS])
    return save(book)


def template() -> bytes:
    """The empty register template that workers download."""
    return write_workbook([])
