"""The consent-rule engine: plain data in (flats, areas, ballots, a rule), a tally out. Pure.

Chinese law counts "以上" inclusively and "过半数" strictly (民法典第一千二百五十九条), so every
threshold says which it is, and every comparison is made with exact fractions, never floats.

Areas are summed as integers of hundredths of a square metre (the register keeps two decimals, so this
is exact; an area with more decimals becomes an exact fraction of a hundredth), which is what lets a
caller that sums in SQL hand the engine its totals (`evaluate_totals`) instead of every flat.
"""
import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from fractions import Fraction
from typing import Iterable, Mapping

AGREE, DISAGREE, ABSTAIN = "agree", "disagree", "abstain"
CHOICES = (AGREE, DISAGREE, ABSTAIN)
CHOICE_LABELS = {AGREE: "同意", DISAGREE: "不同意", ABSTAIN: "弃权"}
CENT = Decimal("0.01")
# How persons are counted, as printed notices and exports state it (see `evaluate`).
HEADCOUNT_RULE = ("业主人数：一套房计一人；同一业主的几套房、建设单位或原产权单位未出售的房屋计为一人"
                  "（最高人民法院建筑物区分所有权解释第九条）。")
_CHOICE_SET = frozenset(CHOICES)
# Sums and scalings in this context are exact: no rounding at any size.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


class RuleError(ValueError):
    """A rule or a case that cannot be evaluated."""


@dataclass(frozen=True)
class Rule:
    """A threshold rule.

    participation: share of flats (and of area, when by_area) that must take part, inclusive; None = no such test.
    approval: share that must agree; strict means "more than", else "at least".
    approval_base: "participating" (民法典) or "total" (资阳's 2/3 of all owners).
    """

    code: str
    label: str
    approval: Fraction
    approval_strict: bool = False
    approval_base: str = "participating"
    participation: Fraction | None = None
    by_area: bool = True

    def __post_init__(self):
        if not (0 < self.approval <= 1) or (self.participation is not None and not (0 < self.participation <= 1)):
            raise RuleError("比例必须在 0 和 1 之间（可以等于 1），如 2/3。")
        if self.approval_base not in ("participating", "total"):
            raise RuleError("同意比例的基数只能是 participating（参与表决的业主）或 total（全体业主）。")


RULES = {
    "headcount_2_3": Rule(
        "headcount_2_3", "同意户数达到总户数 2/3 以上", Fraction(2, 3), approval_base="total", by_area=False,
    ),
    "civil_code_major": Rule(
        "civil_code_major", "民法典第二百七十八条（改建、筹集维修资金等）：参与 2/3 以上，同意 3/4 以上",
        Fraction(3, 4), participation=Fraction(2, 3),
    ),
    "civil_code_ordinary": Rule(
        "civil_code_ordinary", "民法典第二百七十八条（其他事项）：参与 2/3 以上，同意过半数",
        Fraction(1, 2), approval_strict=True, participation=Fraction(2, 3),
    ),
}


FRACTION_NAMES = {"approval": "同意比例", "participation": "参与比例"}


def _fraction(value, name: str) -> Fraction:
    try:
        result = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise RuleError(f"{FRACTION_NAMES.get(name, name)}“{value}”不是比例，请写成 2/3 或 0.75 这样的数。") from None
    return result


def custom_rule(fractions: Mapping) -> Rule:
    """A rule of the civil-code shape with other fractions, e.g. {"participation": "2/3", "approval": "3/4"}."""
    if not isinstance(fractions, Mapping) or "approval" not in fractions:
        raise RuleError("自定义规则至少要填写同意比例（approval），如 3/4。")
    participation = fractions.get("participation")
    return Rule(
        "custom", "自定义规则",
        approval=_fraction(fractions["approval"], "approval"),
        approval_strict=bool(fractions.get("approval_strict", False)),
        approval_base=fractions.get("approval_base", "participating"),
        participation=None if participation in (None, "") else _fraction(participation, "participation"),
        by_area=bool(fractions.get("by_area", True)),
    )


def rule_for(code: str, fractions: Mapping | None = None) -> Rule:
    """The named rule, or a custom one built from fractions."""
    if code == "custom":
        return custom_rule(fractions or {})
    try:
        return RULES[code]
    except KeyError:
        raise RuleError(f"没有 {code!r} 这种表决规则；可选：{', '.join(list(RULES) + ['custom'])}。") from None


@dataclass(frozen=True)
class Tally:
    """Participation and agreement by headcount and by area, whether the rule is met, and what is missing."""

    total_count: int
    total_area: Decimal
    participation_count: int
    participation_area: Decimal
    agree_count: int
    agree_area: Decimal
    disagree_count: int
    abstain_count: int
    participation_met: bool
    approval_met: bool
    missing_count: int
    missing_area: Decimal
    rule: str = field(default="")

    @property
    def passed(self) -> bool:
        return self.participation_met and self.approval_met

    def as_dict(self) -> dict:
        """JSON-ready, areas as decimal strings."""
        return {
            "rule": self.rule,
            "passed": self.passed,
            "participation_met": self.participation_met,
            "approval_met": self.approval_met,
            "total_count": self.total_count,
            "total_area": str(self.total_area),
            "participation_count": self.participation_count,
            "participation_area": str(self.participation_area),
            "agree_count": self.agree_count,
            "agree_area": str(self.agree_area),
            "disagree_count": self.disagree_count,
            "abstain_count": self.abstain_count,
            "missing": {"count": self.missing_count, "area": str(self.missing_area)},
        }


def _persons(areas: Mapping[str, Decimal], owners: Mapping[str, str]) -> dict:
    """The electorate's persons: {key: [flat ids]}; a flat without an owner key is a person of its own."""
    for flat_id in owners:
        if flat_id not in areas:
            raise RuleError(f"owner key for flat {flat_id}, which is not in the electorate")
    persons: dict = {}
    for flat_id in areas:
        key = owners.get(flat_id)
        persons.setdefault(("flat", flat_id) if key in (None, "") else ("owner", str(key)), []).append(flat_id)
    return persons


def _meets(part: Fraction, whole: Fraction, share: Fraction, strict: bool) -> bool:
    if whole == 0:
        return False
    return part > share * whole if strict else part >= share * whole


def _needed(part, whole, share: Fraction, strict: bool, unit) -> Fraction:
    """How much must be added to part (whole unchanged) to meet the share; unit is the step (1 flat, 0.01 m²)."""
    target = share * whole
    if strict:
        return max(Fraction(0), (math.floor((target - part) / unit) + 1) * unit) if part <= target else Fraction(0)
    return max(Fraction(0), math.ceil((target - part) / unit) * unit)


def _missing(total, participating, agreeing, rule: Rule, unit) -> Fraction:
    """The fewest further agreeing flats (or m²) that pass the rule: first flats that have not voted,
    as many as participation needs, then voters changing their ballot to agree (which helps more)."""
    if rule.approval_base == "total":
        return _needed(agreeing, total, rule.approval, rule.approval_strict, unit)
    newcomers = Fraction(0)
    if rule.participation is not None:
        newcomers = _needed(participating, total, rule.participation, False, unit)
    part, agree = participating + newcomers, agreeing + newcomers
    if part == 0:  # nobody to agree yet: one new agreeing voter
        return newcomers + unit
    return newcomers + _needed(agree, part, rule.approval, rule.approval_strict, unit)


def _hundredths(total: Decimal) -> int | Fraction:
    """An area in hundredths of a m², exactly: an int for two decimals or fewer, else a Fraction."""
    scaled = total.scaleb(2, _EXACT)
    whole = int(scaled)
    return whole if whole == scaled else Fraction(scaled)


def _area(hundredths: int | Fraction) -> Decimal:
    """Hundredths of a m² as square metres with two decimals."""
    if isinstance(hundredths, int):
        return Decimal(hundredths).scaleb(-2)
    exact = Fraction(hundredths)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).scaleb(-2).quantize(CENT)


def _checked(flats: list, ballots: Mapping[str, str]) -> tuple[dict, Decimal]:
    """(flat id → area as a Decimal, the total area), refusing a flat listed twice, an area that is not a
    positive number and a ballot for a flat outside the electorate or with an unknown choice; the first
    in order is named.

    The checks run over whole collections in C (a dict, a set difference, min, sum); only when one fails
    does the flat-by-flat loop run, to name the culprit."""
    areas = dict(flats)
    if set(map(type, areas.values())) - {Decimal}:
        areas = {flat_id: Decimal(area) for flat_id, area in areas.items()}
    try:
        with localcontext(_EXACT):
            total = sum(areas.values(), Decimal(0))
        valid = len(areas) == len(flats) and total.is_finite() and (not areas or min(areas.values()) > 0)
    except ArithmeticError:  # a NaN among the areas
        valid = False
    if valid and not ballots.keys() - areas.keys() and set(ballots.values()) <= _CHOICE_SET:
        return areas, total
    seen = set()
    for flat_id, area in flats:
        if flat_id in seen:
            raise RuleError(f"flat {flat_id} is listed twice")
        seen.add(flat_id)
        area = Decimal(area)
        if not area.is_finite() or area <= 0:
            raise RuleError(f"flat {flat_id}: area must be a positive number")
    for flat_id, choice in ballots.items():
        if flat_id not in areas:
            raise RuleError(f"ballot for flat {flat_id}, which is not in the electorate")
        if choice not in CHOICES:
            raise RuleError(f"flat {flat_id}: choice must be one of {', '.join(CHOICES)}")
    raise AssertionError("unreachable: a check failed above")


def evaluate(flats: Iterable[tuple[str, Decimal]], ballots: Mapping[str, str], rule: Rule,
             owners: Mapping[str, str] | None = None) -> Tally:
    """Tally ballots (flat id → agree/disagree/abstain) over the electorate (flat id, exclusive area).

    Headcount is the law's (最高人民法院《关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第九条):
    one flat (专有部分) is one person, except that flats with the same key in `owners` (flat id → key: the
    developer's or original property unit's unsold flats, several flats of one buyer) are one person. A
    person's ballot may be given on any one or more of their flats and counts once, with the area of all
    their flats; their flats carrying different choices is an error. Flats without a key are each a person.
    `total_count`, `participation_count`, `agree_count`… count persons; areas are sums over flats.

    The areas are added as Decimals in a context of unlimited precision (exact, in C), and each sum becomes
    hundredths for evaluate_totals.
    """
    flats = list(flats)
    areas, total_a = _checked(flats, ballots)
    with localcontext(_EXACT):
        if not owners:
            total_n = len(areas)
            counts = {c: 0 for c in CHOICES}
            counts.update(Counter(ballots.values()))
            sums = {c: sum(map(areas.__getitem__, [f for f, chosen in ballots.items() if chosen == c]), Decimal(0))
                    for c in (AGREE, DISAGREE)}
            sums[ABSTAIN] = sum(map(areas.__getitem__, ballots), Decimal(0)) - sums[AGREE] - sums[DISAGREE]
        else:
            persons = _persons(areas, owners)
            total_n = len(persons)
            counts = {c: 0 for c in CHOICES}
            sums = {c: Decimal(0) for c in CHOICES}
            for key, members in persons.items():
                chosen = {ballots[f] for f in members if f in ballots}
                if len(chosen) > 1:
                    raise RuleError(f"owner {key[1]!r}: their flats {', '.join(map(str, members))} "
                                    "carry different choices")
                if chosen:
                    choice = chosen.pop()
                    counts[choice] += 1
                    sums[choice] += sum((areas[f] for f in members), Decimal(0))
    return evaluate_totals(total_n, _hundredths(total_a), counts, {c: _hundredths(a) for c, a in sums.items()}, rule)


def evaluate_totals(total_count: int, total_hundredths: int | Fraction, counts: Mapping[str, int],
                    hundredths: Mapping[str, int | Fraction], rule: Rule) -> Tally:
    """The tally from totals already summed (by SQL, or by `evaluate`): the electorate's persons and area
    in hundredths of a m², and per choice the persons who chose it and their area in hundredths.
    Choices missing from the mappings count zero."""
    if not set(counts) <= set(CHOICES) or not set(hundredths) <= set(CHOICES):
        raise RuleError(f"choices must be among {', '.join(CHOICES)}")
    counts = {c: counts.get(c, 0) for c in CHOICES}
    sums = {c: hundredths.get(c, 0) for c in CHOICES}
    total_n, total_a = total_count, total_hundredths
    part_n, part_a = sum(counts.values()), sum(sums.values())
    agree_n, agree_a = counts[AGREE], sums[AGREE]
    if part_n > total_n or part_a > total_a or min(counts.values()) < 0 or min(sums.values()) < 0:
        raise RuleError("more persons or area took part than the electorate has")
    F = Fraction

    participation_met = rule.participation is None or (
        _meets(F(part_n), F(total_n), rule.participation, False)
        and (not rule.by_area or _meets(F(part_a), F(total_a), rule.participation, False))
    )
    base_n, base_a = (total_n, total_a) if rule.approval_base == "total" else (part_n, part_a)
    approval_met = _meets(F(agree_n), F(base_n), rule.approval, rule.approval_strict) and (
        not rule.by_area or _meets(F(agree_a), F(base_a), rule.approval, rule.approval_strict)
    )
    passed = participation_met and approval_met
    missing_n = 0 if passed else int(_missing(F(total_n), F(part_n), F(agree_n), rule, Fraction(1)))
    missing_a = 0
    if not passed and rule.by_area:  # a whole number of hundredths, rounded up
        missing_a = math.ceil(_missing(F(total_a), F(part_a), F(agree_a), rule, Fraction(1)))
    return Tally(
        total_count=total_n, total_area=_area(total_a), participation_count=part_n,
        participation_area=_area(part_a), agree_count=agree_n, agree_area=_area(agree_a),
        disagree_count=counts[DISAGREE], abstain_count=counts[ABSTAIN], participation_met=participation_met,
        approval_met=approval_met, missing_count=missing_n, missing_area=_area(missing_a), rule=rule.code,
    )
