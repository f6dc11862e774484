"""The consent-rule engine, from the law's text: 以上 is inclusive, 过半数 is strict, fractions are exact."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.votes.consent import RULES, RuleError, custom_rule, evaluate, evaluate_totals, rule_for


def electorate(n, area="100.00"):
    return [(f"f{i}", Decimal(area)) for i in range(n)]


def ballots(agree=0, disagree=0, abstain=0):
    choices = ["agree"] * agree + ["disagree"] * disagree + ["abstain"] * abstain
    return {f"f{i}": c for i, c in enumerate(choices)}


# (rule, flats, agree, disagree, abstain, passed) — equal areas, so area and headcount move together.
TABLE = [
    # 资阳: 同意改造的业主数 ... 2/3 以上 (of all owners): 200 of 300 meets it, 199 does not.
    ("headcount_2_3", 300, 200, 0, 0, True),
    ("headcount_2_3", 300, 199, 100, 1, False),
    ("headcount_2_3", 3, 2, 1, 0, True),
    ("headcount_2_3", 4, 2, 2, 0, False),   # 2/4 < 2/3
    ("headcount_2_3", 4, 3, 0, 0, True),
    # 民法典 278: participation 2/3 以上 of area and of owners.
    ("civil_code_major", 300, 200, 0, 0, True),      # exactly 2/3 take part, all agree
    ("civil_code_major", 300, 199, 0, 0, False),     # one short of 2/3 participation
    ("civil_code_major", 300, 150, 50, 0, True),     # 150/200 = 3/4 exactly: 以上 includes it
    ("civil_code_major", 300, 149, 51, 0, False),    # 149/200 < 3/4
    ("civil_code_major", 300, 150, 0, 50, True),     # abstentions take part and count in the base
    ("civil_code_major", 300, 149, 0, 51, False),
    # Ordinary matters: more than half of the participants (过半数 excludes the half).
    ("civil_code_ordinary", 300, 100, 100, 0, False),  # 100/200 is not more than half
    ("civil_code_ordinary", 300, 101, 99, 0, True),
    ("civil_code_ordinary", 300, 151, 149, 0, True),
    ("civil_code_ordinary", 300, 150, 150, 0, False),  # 150 of 300 is not more than half
    ("civil_code_ordinary", 300, 199, 0, 0, False),    # participation short
]


@pytest.mark.parametrize("rule, n, agree, disagree, abstain, passed", TABLE)
def test_law_table(rule, n, agree, disagree, abstain, passed):
    tally = evaluate(electorate(n), ballots(agree, disagree, abstain), RULES[rule])
    assert tally.passed is passed
    assert tally.participation_count == agree + disagree + abstain
    assert tally.participation_area == Decimal(100 * (agree + disagree + abstain)).quantize(Decimal("0.01"))
    assert (tally.missing_count == 0) is passed


def test_area_and_headcount_are_both_required():
    # 3 big flats agree, 7 small ones stay away: 3/10 of owners but most of the area.
    flats = [(f"big{i}", Decimal("300.00")) for i in range(3)] + [(f"s{i}", Decimal("10.00")) for i in range(7)]
    votes = {f"big{i}": "agree" for i in range(3)}
    tally = evaluate(flats, votes, RULES["civil_code_major"])
    assert tally.participation_area == Decimal("900.00") and tally.total_area == Decimal("970.00")
    assert not tally.participation_met  # area is 93% but headcount only 30%
    # 7 small flats agree: headcount 70%, area 7%.
    tally = evaluate(flats, {f"s{i}": "agree" for i in range(7)}, RULES["civil_code_major"])
    assert not tally.participation_met


def test_missing_is_exact_for_headcount_and_area():
    tally = evaluate(electorate(300), ballots(agree=190), RULES["headcount_2_3"])
    assert (tally.missing_count, tally.missing_area) == (10, Decimal("0.00"))
    tally = evaluate(electorate(3, "10.00"), ballots(agree=1), RULES["civil_code_major"])
    # participation needs 2 of 3 flats and 20 of 30 m²: one more agreeing flat of 10 m².
    assert (tally.missing_count, tally.missing_area) == (1, Decimal("10.00"))


def test_missing_prefers_changed_ballots_once_participation_is_met():
    # 200 of 300 take part, 100 agree: a major matter needs 150 of 200 agreeing: 50 voters changing.
    tally = evaluate(electorate(300), ballots(agree=100, disagree=100), RULES["civil_code_major"])
    assert tally.participation_met and not tally.approval_met
    assert tally.missing_count == 50


def test_nobody_voting_never_passes():
    for rule in RULES.values():
        tally = evaluate(electorate(5), {}, rule)
        assert not tally.passed and tally.missing_count >= 1
    assert not evaluate([], {}, RULES["headcount_2_3"]).passed


def test_custom_rule_and_errors():
    rule = custom_rule({"participation": "1/2", "approval": "2/3"})
    assert evaluate(electorate(4), ballots(agree=2), rule).passed
    assert not evaluate(electorate(4), ballots(agree=1), rule).passed
    with pytest.raises(RuleError):
        rule_for("nonsense")
    with pytest.raises(RuleError):
        custom_rule({"approval": "three quarters"})
    with pytest.raises(RuleError):
        custom_rule({"approval": "3/2"})
    with pytest.raises(RuleError, match="not in the electorate"):
        evaluate(electorate(1), {"elsewhere": "agree"}, RULES["headcount_2_3"])
    with pytest.raises(RuleError, match="choice"):
        evaluate(electorate(1), {"f0": "yes"}, RULES["headcount_2_3"])
    with pytest.raises(RuleError, match="twice"):
        evaluate([("a", Decimal(1)), ("a", Decimal(2))], {}, RULES["headcount_2_3"])


# --- properties, against an independent oracle in integer cents -------------------------------

cases = st.lists(
    st.tuples(st.integers(min_value=1, max_value=20000), st.sampled_from(["agree", "disagree", "abstain", None])),
    min_size=1, max_size=40,
)


def split(case):
    flats = [(f"f{i}", Decimal(cents) / 100) for i, (cents, _) in enumerate(case)]
    votes = {f"f{i}": choice for i, (_, choice) in enumerate(case) if choice}
    return flats, votes


def oracle(case, rule_code):
    n = len(case)
    total_a = sum(c for c, _ in case)
    part = [(c, v) for c, v in case if v]
    part_n, part_a = len(part), sum(c for c, _ in part)
    agree_n, agree_a = sum(1 for _, v in part if v == "agree"), sum(c for c, v in part if v == "agree")
    if rule_code == "headcount_2_3":
        return 3 * agree_n >= 2 * n
    took_part = 3 * part_n >= 2 * n and 3 * part_a >= 2 * total_a
    if rule_code == "civil_code_major":
        return took_part and 4 * agree_n >= 3 * part_n and 4 * agree_a >= 3 * part_a and part_n > 0
    return took_part and 2 * agree_n > part_n and 2 * agree_a > part_a


@settings(max_examples=300, deadline=None)
@given(cases, st.sampled_from(sorted(RULES)))
def test_engine_agrees_with_integer_oracle(case, rule_code):
    flats, votes = split(case)
    assert evaluate(flats, votes, RULES[rule_code]).passed is oracle(case, rule_code)


@settings(max_examples=200, deadline=None)
@given(cases, st.sampled_from(sorted(RULES)))
def test_one_more_agreeing_non_voter_never_undoes_a_pass(case, rule_code):
    flats, votes = split(case)
    before = evaluate(flats, votes, RULES[rule_code]).passed
    for flat_id, _ in flats:
        if flat_id not in votes:
            after = evaluate(flats, {**votes, flat_id: "agree"}, RULES[rule_code]).passed
            assert after or not before
            break


def best_count(n, part, agree, rule):
    """Brute force: the fewest (new agreeing voters + changed ballots) that pass on headcount."""
    for k in range(n + 1):
        for new in range(min(k, n - part) + 1):
            change = k - new
            if change > part - agree:
                continue
            p, a = part + new, agree + new + change
            if rule.participation is not None and 3 * p < 2 * n:
                continue
            base = n if rule.approval_base == "total" else p
            ok = a * rule.approval.denominator > rule.approval.numerator * base if rule.approval_strict \
                else a * rule.approval.denominator >= rule.approval.numerator * base
            if ok and base > 0:
                return k
    return None


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 30), st.data(), st.sampled_from(sorted(RULES)))
def test_missing_count_is_the_true_minimum(n, data, rule_code):
    part = data.draw(st.integers(0, n))
    agree = data.draw(st.integers(0, part))
    flats = electorate(n)
    votes = ballots(agree=agree, disagree=part - agree)
    tally = evaluate(flats, votes, RULES[rule_code])
    expected = 0 if tally.passed else best_count(n, part, agree, RULES[rule_code])
    assert tally.missing_count == expected


@settings(max_examples=300, deadline=None)
@given(cases, st.sampled_from(sorted(RULES)))
def test_the_totals_summed_elsewhere_give_the_tally_of_the_flats(case, rule_code):
    flats, votes = split(case)
    counts = {choice: sum(1 for _, v in case if v == choice) for choice in ("agree", "disagree", "abstain")}
    cents = {choice: sum(c for c, v in case if v == choice) for choice in ("agree", "disagree", "abstain")}
    totals = evaluate_totals(len(case), sum(c for c, _ in case), counts, cents, RULES[rule_code])
    assert totals == evaluate(flats, votes, RULES[rule_code])


def test_areas_with_more_decimals_are_summed_exactly():
    flats = [("a", Decimal("0.005")), ("b", Decimal("0.005")), ("c", Decimal("100.001"))]
    tally = evaluate(flats, {"a": "agree", "b": "agree"}, RULES["civil_code_major"])
    assert (tally.total_area, tally.agree_area) == (Decimal("100.01"), Decimal("0.01"))
    assert tally.missing_area == Decimal("66.67")  # 2/3 of 100.011 m² is 66.674: 66.664 more, up to the cent
    with pytest.raises(RuleError, match="choices"):
        evaluate_totals(1, 100, {"yes": 1}, {}, RULES["headcount_2_3"])
    with pytest.raises(RuleError, match="more persons"):
        evaluate_totals(1, 100, {"agree": 2}, {"agree": 200}, RULES["headcount_2_3"])
