"""The law's headcount (最高人民法院《关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第九条):
业主人数 counts 专有部分, one flat one person — but the developer's (or original property unit's) unsold
flats, and several flats of one buyer, count as one person. One person, one ballot, their whole area."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.votes.consent import RULES, RuleError, evaluate
from tests.unit.test_consent import best_count, oracle


def flats(n, area="100.00"):
    return [(f"f{i}", Decimal(area)) for i in range(n)]


def test_a_unit_holding_10_of_30_flats_is_one_person():
    # 原产权单位 still holds 10 flats (f0…f9): 21 persons, not 30.
    owners = {f"f{i}": "原产权单位" for i in range(10)}
    tally = evaluate(flats(30), {}, RULES["headcount_2_3"], owners)
    assert tally.total_count == 21 and tally.total_area == Decimal("3000.00")
    # 14 of the 20 private owners agree: 14/21 = 2/3 — 资阳's rule is met without the unit.
    votes = {f"f{i}": "agree" for i in range(10, 24)}
    tally = evaluate(flats(30), votes, RULES["headcount_2_3"], owners)
    assert (tally.agree_count, tally.passed) == (14, True)
    # Counted flat by flat it would have needed 20 of 30.
    assert not evaluate(flats(30), votes, RULES["headcount_2_3"]).passed
    # The unit's one ballot, given on any one of its flats, carries all of its area.
    tally = evaluate(flats(30), {"f3": "agree"}, RULES["civil_code_major"], owners)
    assert (tally.participation_count, tally.participation_area, tally.agree_area) == (1, Decimal("1000.00"),
                                                                                     Decimal("1000.00"))


def test_a_buyer_of_3_flats_is_one_person_with_all_three_areas():
    electorate = [("1-1-101", Decimal("60.00")), ("1-1-102", Decimal("70.00")), ("1-1-201", Decimal("80.00")),
                  ("1-1-202", Decimal("90.00"))]
    owners = {"1-1-101": "张三", "1-1-102": "张三", "1-1-201": "张三"}
    tally = evaluate(electorate, {"1-1-101": "agree", "1-1-102": "agree"}, RULES["civil_code_major"], owners)
    assert (tally.total_count, tally.participation_count, tally.agree_count) == (2, 1, 1)
    assert tally.participation_area == tally.agree_area == Decimal("210.00")
    assert tally.total_area == Decimal("300.00")
    # participation: 1 of 2 persons < 2/3 — the area (70%) is not enough on its own.
    assert not tally.participation_met and tally.missing_count == 1


def test_the_developers_unsold_flats_are_one_person():
    owners = {f"f{i}": "建设单位" for i in range(5)}
    tally = evaluate(flats(8), {"f0": "disagree", "f5": "agree", "f6": "agree"}, RULES["civil_code_ordinary"], owners)
    assert (tally.total_count, tally.participation_count, tally.agree_count, tally.disagree_count) == (4, 3, 2, 1)
    assert tally.participation_area == Decimal("700.00") and tally.agree_area == Decimal("200.00")
    assert tally.participation_met and not tally.approval_met  # 2 of 3 persons, but 200 of 700 m²


def test_one_person_with_different_choices_on_their_flats_is_an_error():
    with pytest.raises(RuleError, match="different choices"):
        evaluate(flats(3), {"f0": "agree", "f1": "disagree"}, RULES["headcount_2_3"], {"f0": "a", "f1": "a"})
    with pytest.raises(RuleError, match="not in the electorate"):
        evaluate(flats(1), {}, RULES["headcount_2_3"], {"elsewhere": "a"})


def test_without_owner_keys_every_flat_is_a_person_as_before():
    votes = {"f0": "agree", "f1": "disagree"}
    for rule in RULES.values():
        assert evaluate(flats(5), votes, rule) == evaluate(flats(5), votes, rule, {}) \
            == evaluate(flats(5), votes, rule, {f"f{i}": f"p{i}" for i in range(5)}) \
            == evaluate(flats(5), votes, rule, {"f0": None, "f1": ""})


# --- properties: a person with several flats counts exactly as one flat of their summed area -----------

persons = st.lists(
    st.tuples(st.lists(st.integers(1, 20000), min_size=1, max_size=4),          # their flats' areas in cents
              st.sampled_from(["agree", "disagree", "abstain", None]),
              st.integers(0, 2**16)),                                            # which of their flats carry it
    min_size=1, max_size=25,
)


def expand(case):
    """Flats with owner keys and ballots on a non-empty subset of each voter's flats; and the collapsed case."""
    electorate, owners, votes, collapsed = [], {}, {}, []
    for p, (areas, choice, mask) in enumerate(case):
        ids = [f"p{p}f{i}" for i in range(len(areas))]
        for flat_id, cents in zip(ids, areas):
            electorate.append((flat_id, Decimal(cents) / 100))
            if len(areas) > 1:
                owners[flat_id] = f"person{p}"
        if choice:
            marked = [f for i, f in enumerate(ids) if mask >> i & 1] or ids[:1]
            votes.update({f: choice for f in marked})
        collapsed.append((sum(areas), choice))
    return electorate, owners, votes, collapsed


@settings(max_examples=300, deadline=None)
@given(persons, st.sampled_from(sorted(RULES)))
def test_persons_tally_as_one_flat_of_their_summed_area(case, rule_code):
    electorate, owners, votes, collapsed = expand(case)
    tally = evaluate(electorate, votes, RULES[rule_code], owners)
    one_flat_each = evaluate([(f"c{i}", Decimal(c) / 100) for i, (c, _) in enumerate(collapsed)],
                             {f"c{i}": v for i, (_, v) in enumerate(collapsed) if v}, RULES[rule_code])
    assert tally == one_flat_each
    assert tally.passed is oracle(collapsed, rule_code)
    assert tally.total_count == len(case) and tally.participation_count == sum(1 for _, v, _ in case if v)


@settings(max_examples=300, deadline=None)
@given(persons, st.sampled_from(sorted(RULES)))
def test_missing_persons_is_the_true_minimum(case, rule_code):
    """The fewest further agreeing persons (brute force over persons), whatever their flats' areas."""
    electorate, owners, votes, collapsed = expand(case)
    tally = evaluate(electorate, votes, RULES[rule_code], owners)
    part = sum(1 for _, v in collapsed if v)
    agree = sum(1 for _, v in collapsed if v == "agree")
    expected = best_count(len(case), part, agree, RULES[rule_code])
    assert tally.missing_count == (0 if tally.passed else expected)
