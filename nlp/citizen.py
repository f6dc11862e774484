"""Which real citizen messages the shipped default model learns from, and under which department.

The real messages (../shared/data/, see nlp/corpus/PROVENANCE.md) are labelled by a city with seven
first-level labels (城乡建设, 劳动和社会保障, ...), not by the street office's departments. A message is
taken for a department when its first MAX_CHARS characters name that department's matters (the
patterns below) and no other department's, and the city's label agrees (a 供水 message must be one
the city filed under 城乡建设 or 环境保护). The rules favour precision over recall: a wrong label in the
shipped corpus would teach every installation the same mistake. Departments the rules find little
for keep the team's written messages (nlp/corpus/complaints.csv) as their main examples.

Run as a script to rebuild nlp/corpus/citizen-messages.csv from the shared data:

    .venv/bin/python -m nlp.citizen ../shared/data
"""
import csv
import re
import sys
from pathlib import Path

from nlp.features import MAX_CHARS

OUT = Path(__file__).parent / "corpus" / "citizen-messages.csv"
SOURCES = ("citizen-messages-train.csv", "citizen-messages-train-segmented.csv")
# Stored text: what the model reads (MAX_CHARS) and some more, should it read further one day.
KEEP_CHARS = 300

# department code: (pattern of its matters, the city's labels it may come under)
RULES = {
    "燃气": (r"燃气|天然气|煤气|液化气", {"城乡建设", "商贸旅游"}),
    "供热": (r"暖气|供暖|供热", {"城乡建设"}),
    "供水": (r"停水|供水|水压|自来水|水质|水表|水费", {"城乡建设", "环境保护"}),
    "供电": (r"停电|供电|电表|电压|电费|充电桩|变压器", {"城乡建设"}),
    "通信广电": (r"宽带|手机信号|有线电视|光纤|信号塔|基站|网络信号", {"城乡建设", "商贸旅游", "教育文体"}),
    "园林绿化": (r"绿化|树木|砍树|修剪|绿地|枯树", {"城乡建设", "环境保护"}),
    "物业": (r"物业", {"城乡建设", "商贸旅游"}),
    "城管执法": (r"违建|违章|占道|摆摊|乱搭|违法建设|烧烤|广告牌|店招", {"城乡建设", "环境保护"}),
    "住建": (r"加装电梯|老旧小区|维修资金|房屋质量|漏水|外墙|下水道|管网|化粪池|小区道路", {"城乡建设"}),
    "民政": (r"养老院|养老服务|居家养老|低保|救助|残疾人|敬老院|高龄|困难群众", {"劳动和社会保障"}),
    "公安": (r"派出所|治安|盗窃|小偷|诈骗|监控|打架", None),  # filed under every label
    "自然资源和规划": (r"规划|不动产|房产证|用地|土地证|产权证", {"城乡建设"}),
}
_PATTERNS = {code: re.compile(pattern) for code, (pattern, _) in RULES.items()}


def department(text: str, city_label: str) -> str | None:
    """The department a real message is taken for, or None when the rules find none or more than one."""
    head = re.sub(r"\s+", "", text)[:MAX_CHARS]
    found = [code for code, pattern in _PATTERNS.items() if pattern.search(head)]
    if len(found) != 1:
        return None
    allowed = RULES[found[0]][1]
    return found[0] if allowed is None or city_label in allowed else None


def select(folder: Path) -> list[tuple[str, str, str, str]]:
    """(text, department, source file, source id) of every message the rules take, in file order."""
    chosen, seen = [], set()
    for name in SOURCES:
        with open(folder / name, encoding="utf-8", newline="") as source:
            for row in csv.DictReader(source):
                text = "。".join(part.strip() for part in (row["title"], row["body"]) if part.strip())
                code = department(text, row["label"])
                key = re.sub(r"\s+", "", text)[:KEEP_CHARS]
                if code and key not in seen:
                    seen.add(key)
                    chosen.append((text[:KEEP_CHARS], code, name, row["id"]))
    return chosen


def main(folder: Path) -> None:
    chosen = select(folder)
    with open(OUT, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["text", "department", "source", "source_id"])
        writer.writerows(chosen)
    counts: dict[str, int] = {}
    for _, code, _, _ in chosen:
        counts[code] = counts.get(code, 0) + 1
    print(f"{len(chosen)} messages to {OUT}: {dict(sorted(counts.items(), key=lambda kv: -kv[1]))}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1].parent / "shared" / "data")
