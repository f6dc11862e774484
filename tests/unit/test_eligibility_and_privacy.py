from types import SimpleNamespace

import pytest

from core.register.eligibility import assess
from core.register.privacy import looks_like_phone, mask_name, mask_phone


def estate(**facts):
    base = dict(year_built=1990, structurally_safe=True, in_demolition_plan=False, in_shantytown_plan=False,
                mainly_self_built=False, renovated_under_sangong=False, preconditions_met=True)
    base.update(facts)
    return SimpleNamespace(**base)


def test_an_estate_built_in_2000_qualifies_and_one_from_2001_does_not():
    assert assess(estate(year_built=2000)).qualifies
    result = assess(estate(year_built=2001))
    assert not result.qualifies and "2001" in result.reasons[0]


def test_every_reason_is_listed():
    result = assess(estate(in_demolition_plan=True, in_shantytown_plan=True, preconditions_met=False,
                           structurally_safe=False, mainly_self_built=True, renovated_under_sangong=True))
    assert len(result.reasons) == 6


def test_masks():
    assert [mask_name(n) for n in ("张", "张三", "张小明", "欧阳小明")] == ["张", "张*", "张*明", "欧**明"]
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"


@pytest.mark.parametrize(("phone", "ok"), [
    ("13812345678", True), ("+8613812345678", True), ("0832-1234567", True), ("08321234567", True),
    ("5551234", True), ("1380000555", False), ("138123456789", False), ("call me", False), ("123456", False),
])
def test_a_phone_is_a_mobile_of_eleven_digits_or_a_landline(phone, ok):
    assert looks_like_phone(phone) is ok
