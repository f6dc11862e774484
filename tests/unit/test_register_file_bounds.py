"""Hostile register files: each is refused with a clear message, in bounded time and memory.

The evil files are built here, small: a tiny workbook whose <dimension> claims A1:XFD1048576, a
sheet of five million empty rows, a deflate bomb, a non-UTF-8 CSV of half a million lines. The
memory-hungry ones are read in a child process with a 1 GiB address-space limit, so that a
regression fails the test instead of taking the machine down.
"""
import io
import subprocess
import sys
import textwrap
import zipfile

import pytest

from core.register.sheet import MAX_ERRORS, MAX_ROWS, ImportRejected, parse, read_table, write_workbook

from tests.unit.test_register_file import GOOD, csv_bytes

SHEET = "xl/worksheets/sheet1.xml"
HEADER_ROW = ('<row r="1">' + "".join(f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>' for col, name in zip(
    "ABCDEFGHI", ["楼栋", "单元", "户号", "楼层", "专有面积", "业主姓名", "联系电话", "身份证后四位", "共有人"])) + "</row>")


def with_sheet(chunks, dimension="A1:I2", level=6) -> bytes:
    """The template workbook with its first sheet replaced by the given <row> XML, streamed into the zip."""
    source = zipfile.ZipFile(io.BytesIO(write_workbook([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item, source.read(item))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(('<?xml version="1.0" encoding="UTF-8"?><worksheet '
                         'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         f'<dimension ref="{dimension}"/><sheetData>{HEADER_ROW}').encode())
            for chunk in chunks:
                sheet.write(chunk.encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def flat_rows(count, start=2):
    for r in range(start, start + count):
        yield (f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"><v>{r % 7}</v></c><c r="C{r}"><v>{r}</v></c>'
               f'<c r="E{r}"><v>{50 + r % 89}.{r % 97:02d}</v></c>'
               f'<c r="F{r}" t="inlineStr"><is><t>业主{r * 7919 % 100003}</t></is></c></row>')


def in_child(data: bytes, filename: str) -> str:
    """read_table in a child process under a 1 GiB memory limit; what it printed (the rejection, or 'read N')."""
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from core.register.sheet import ImportRejected, read_table
        data = sys.stdin.buffer.read()
        try:
            print("read", len(read_table({filename!r}, data)))
        except ImportRejected as rejected:
            print("rejected", *[str(e) for e in rejected.errors])
    """)
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout.decode()


LAST_ROW = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def test_a_tiny_workbook_claiming_a_million_rows_of_16384_columns_is_refused_without_reading_it():
    # openpyxl pads the gap up to the last row, each row to 16,384 cells: a MemoryError on main.
    evil = with_sheet([*flat_rows(3), LAST_ROW], dimension="A1:XFD1048576")
    assert len(evil) < 10_000
    out = in_child(evil, "r.xlsx")
    assert out.startswith("rejected") and f"超过 {MAX_ROWS} 行" in out


def test_the_same_with_a_dimension_that_understates_stops_at_the_blank_rows():
    evil = with_sheet([*flat_rows(3), LAST_ROW], dimension="A1:I4")
    out = in_child(evil, "r.xlsx")
    assert out.startswith("rejected") and "空行" in out


def test_a_claimed_width_of_16384_columns_is_not_padded_out():
    # Declared wide but not tall: read, with rows cut to the columns we use.
    data = with_sheet(flat_rows(3000), dimension="A1:XFD3001")
    assert in_child(data, "r.xlsx").strip() == "read 3000"


def test_five_million_tiny_rows_are_refused_before_unpacking():
    evil = with_sheet(("<row/>" * 10_000 for _ in range(500)), level=1)
    assert len(evil) < 2_000_000
    out = in_child(evil, "r.xlsx")
    assert out.startswith("rejected") and "解压后太大" in out


def deflate_bomb() -> bytes:
    """The template workbook with 300 MB of zeros in one more member, compressed to about 300 KB.

    One workbook, read once: two writes of it differ in their timestamps, so one's member list does not
    fit the other's offsets."""
    source = zipfile.ZipFile(io.BytesIO(write_workbook([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        with target.open("xl/media/padding.bin", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(300):
                member.write(block)
    return out.getvalue()


def test_a_deflate_bomb_is_refused_before_unpacking():
    evil = deflate_bomb()
    assert len(evil) < 2_000_000
    with pytest.raises(ImportRejected, match="解压后太大"):
        read_table("r.xlsx", evil)


def test_rows_are_counted_while_streaming_even_when_the_dimension_lies():
    data = with_sheet(flat_rows(MAX_ROWS + 1), dimension="A1:I2")
    with pytest.raises(ImportRejected, match=f"超过 {MAX_ROWS} 行"):
        read_table("r.xlsx", data)


def test_endless_blank_rows_are_refused():
    data = with_sheet([f'<row r="{r}"/>' for r in range(2, 5000)] + list(flat_rows(1, start=5000)))
    with pytest.raises(ImportRejected, match="空行"):
        read_table("r.xlsx", data)


def test_a_megabyte_of_non_utf8_csv_gives_one_error_not_half_a_million():
    evil = csv_bytes(GOOD) + b"\xff\n" * 524_288
    with pytest.raises(ImportRejected) as caught:
        read_table("r.csv", evil)
    [error] = caught.value.errors
    assert error.row == 5 and "UTF-8" in error.reason


def test_errors_stop_at_the_first_hundred():
    bad = [["9", "1", str(100 + i), "", "x", "", "", "", ""] for i in range(3000)]
    with pytest.raises(ImportRejected) as caught:
        parse(read_table("r.csv", csv_bytes(bad)), {"1"})
    errors = caught.value.errors
    assert len(errors) == MAX_ERRORS + 1 and f"只列出前 {MAX_ERRORS} 处" in errors[-1].reason


def test_a_csv_field_over_the_csv_limit_is_refused():
    evil = csv_bytes(GOOD) + b'"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(ImportRejected, match="CSV 格式有误"):
        read_table("r.csv", evil)
