"""Parsing and validating register spreadsheets, without a database."""
import io
from decimal import Decimal

import openpyxl
import pytest

from core.register.sheet import HEADERS, ImportRejected, parse, read_table, template, write_workbook

GOOD = [
    ["1", "1", "101", "", "89.50", "张建国", "13812345678", "123X", "李秀英"],
    ["1号楼", "1单元", "102", "1", "60", "王明", "", "", ""],
    ["2栋", "2", "301", "", "120.05", "赵福生", "028-12345678", "0001", ""],
]


def csv_bytes(rows, header=HEADERS, encoding="utf-8"):
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(rows, header=HEADERS):
    book = openpyxl.Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_file(name, data, buildings=("1", "2")):
    return parse(read_table(name, data), set(buildings))


def test_good_rows_become_flats_with_exact_areas_and_representatives():
    flats = parse_file("r.csv", csv_bytes(GOOD))
    assert [(f.building, f.unit, f.number, f.floor, f.area) for f in flats] == [
        ("1", "1", "101", 1, Decimal("89.50")),
        ("1", "1", "102", 1, Decimal("60.00")),
        ("2", "2", "301", 3, Decimal("120.05")),
    ]
    assert [o.name for o in flats[0].owners] == ["张建国", "李秀英"]  # the first is the representative
    assert flats[0].owners[0].id_last4 == "123X"


def test_xlsx_numbers_read_back_exactly():
    rows = [[1, 1, 101, 1, 89.5, "张建国", 13812345678, "1234", ""], [2, 1, 1201, None, 99.99, "王明", None, None, None]]
    flats = parse_file("r.xlsx", xlsx_bytes(rows))
    assert flats[0].area == Decimal("89.50") and flats[0].owners[0].phone == "13812345678"
    assert flats[1].area == Decimal("99.99") and flats[1].floor == 12


@pytest.mark.parametrize("row, column, words", [
    (["1", "1", "101", "", "", "张三", "", "", ""], "专有面积", "不能为空"),
    (["1", "1", "101", "", "八十", "张三", "", "", ""], "专有面积", "不是数字"),
    (["1", "1", "101", "", "-5", "张三", "", "", ""], "专有面积", "之间"),
    (["1", "1", "101", "", "80.123", "张三", "", "", ""], "专有面积", "两位小数"),
    (["9", "1", "101", "", "80", "张三", "", "", ""], "楼栋", "没有 9 栋"),
    (["1", "1", "101", "", "80", "", "", "", ""], "业主姓名", "不能为空"),
    (["1", "1", "101", "", "80", "张三", "phone", "", ""], "联系电话", "不像电话"),
    (["1", "1", "101", "", "80", "张三", "", "12", ""], "身份证后四位", "4 位"),
    (["1", "1", "101", "三楼", "80", "张三", "", "", ""], "楼层", "不是整数"),
])
def test_each_bad_row_is_reported_by_row_column_and_reason(row, column, words):
    with pytest.raises(ImportRejected) as caught:
        parse_file("r.csv", csv_bytes([GOOD[0][:2] + ["201"] + GOOD[0][3:], row]))
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, column)
    assert words in error.reason
    assert str(error).startswith("第 3 行「" + column + "」")


def test_duplicate_flat_names_the_first_row():
    with pytest.raises(ImportRejected) as caught:
        parse_file("r.csv", csv_bytes([GOOD[0], GOOD[1], ["1栋", "1", "101", "", "70", "钱七", "", "", ""]]))
    [error] = caught.value.errors
    assert error.row == 4 and error.column == "户号" and "与第 2 行是同一户" in error.reason


def test_every_bad_row_is_listed_not_just_the_first():
    bad = [["1", "1", "101", "", "x", "张三", "", "", ""], ["7", "1", "102", "", "80", "李四", "", "", ""]]
    with pytest.raises(ImportRejected) as caught:
        parse_file("r.csv", csv_bytes(bad))
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "专有面积"), (3, "楼栋")]


def test_gbk_csv_is_refused_with_the_row_and_how_to_fix_it():
    with pytest.raises(ImportRejected) as caught:
        read_table("r.csv", csv_bytes(GOOD, encoding="gbk"))
    first = caught.value.errors[0]
    assert first.row == 1 and "UTF-8" in first.reason and "CSV UTF-8" in first.reason


def test_missing_column_and_wrong_file_type_and_garbage_xlsx():
    with pytest.raises(ImportRejected) as caught:
        read_table("r.csv", csv_bytes([["1", "1", "101"]], header=("楼栋", "单元", "户号")))
    assert {e.column for e in caught.value.errors} == {"专有面积", "业主姓名"}
    with pytest.raises(ImportRejected, match="只接受"):
        read_table("r.xls", b"whatever")
    with pytest.raises(ImportRejected, match="无法读取"):
        read_table("r.xlsx", b"not a zip file")


def test_template_has_the_documented_columns_and_round_trips():
    book = openpyxl.load_workbook(io.BytesIO(template()))
    assert [c.value for c in book.worksheets[0][1]] == list(HEADERS)
    assert book.worksheets[1].title == "填写说明"
    data = write_workbook([["1", "1", "101", 1, 89.5, "张三", "13812345678", "0001", ""]])
    [flat] = parse_file("r.xlsx", data)
    assert flat.area == Decimal("89.50") and flat.owners[0].id_last4 == "0001"


def test_the_empty_templates_phone_and_id_columns_take_what_is_typed_as_text():
    import io

    import openpyxl

    from core.register.sheet import HEADERS, template

    sheet = openpyxl.load_workbook(io.BytesIO(template())).worksheets[0]
    formats = {header: sheet.column_dimensions[chr(ord("A") + i)].number_format for i, header in enumerate(HEADERS)}
    assert formats["联系电话"] == formats["身份证后四位"] == formats["户号"] == "@"
    assert formats["专有面积"] == "0.00"
