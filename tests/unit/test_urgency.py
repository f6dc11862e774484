"""Which complaints a dispatcher treats as emergencies: the rules, and the sentences that only look like one."""
import pytest

from core.complaints.urgency import detect

URGENT = [
    ("3栋2单元楼道里一股煤气味，很浓", "燃气泄漏"),
    ("家里厨房有燃气味，是不是漏了", "燃气泄漏"),
    ("是不是漏煤气了，闻着头晕", "燃气泄漏"),
    ("我好像闻到了天然气的味道", "燃气泄漏"),
    ("1号楼电梯困人了，快来人", "电梯困人"),
    ("我妈被困在电梯里半小时了", "电梯困人"),
    ("电梯停在5楼和6楼中间，里面有人出不来", "电梯困人"),
    ("楼下水管爆了，水一直往外喷", "爆管"),
    ("小区主路爆管，到处是水", "爆管"),
    ("配电箱冒烟了，还有烧焦味", "火情"),
    ("楼道电线打火，噼里啪啦的", "火情"),
    ("5栋楼顶起火了", "火情"),
    ("外墙脱落，砸到楼下停的车了", "高处坠落"),
    ("施工的脚手架倒了，压在路上", "高处坠落"),
    ("空调外机摇摇欲坠，下面天天有人走", "高处坠落"),
    ("楼下有根电线掉在地上，怕漏电", "漏电"),
    ("家里燃气管道漏气了，嘶嘶响", "燃气泄漏"),
    ("单元门口有人停电动车充电，拉飞线", "火灾隐患"),
    ("有人把电瓶车推进楼道里充电", "火灾隐患"),
    ("楼梯间天天有人给电动车充电", "火灾隐患"),
    ("楼顶的太阳能热水器要掉下来了", "高处坠落"),
    ("三楼的防盗网锈断了，随时掉下来", "高处坠落"),
    ("电梯卡在三楼了，我妈被困在里面出不来", "电梯困人"),
    ("电梯卡住了，里面有个小孩", "电梯困人"),
    ("三楼阳台的花盆摇摇欲坠", "高处坠落"),
    ("空调外机架子锈断了，摇摇晃晃的", "高处坠落"),
    ("单元门口的台阶塌了一块，老人容易绊倒", "地面塌陷"),
]

CALM = [
    "楼道灯坏了一个多月，晚上摸黑上楼",
    "没有煤气味，就是燃气表不走字",
    "昨天的煤气味已经没了，谢谢",
    "电梯里没人被困，就是按钮不灵",
    "不是电梯困人，是电梯门关不严",
    "水管已经修好了，地上还有水渍请清理",
    "楼下烧烤摊天天很吵",
    "想问问加装电梯的补贴怎么申请",
    "暖气不热，屋里才十五度",
    "外墙刷的颜色太难看了",
    "楼下有人抽烟，烟味飘上来",
    "想在小区里装电动车充电桩",
    "车棚的充电桩坏了，充不上电",
    "楼道里能不能装个充电柜，大家好集中充电桩",
    "楼道里捡到一个手机充电器",
    "头发掉得厉害，物业能不能管管楼道卫生",
    "钥匙锁在里面了，进不去家门",
    "电梯里面有广告，太吵了",
    "电梯里面有个广告屏坏了",
]


@pytest.mark.parametrize(("text", "reason"), URGENT)
def test_an_emergency_is_flagged_with_its_reason_and_advice(text, reason):
    urgency = detect(text)
    assert urgency is not None, text
    assert urgency.reason == reason and urgency.words in text and urgency.advice


@pytest.mark.parametrize("text", CALM)
def test_an_ordinary_or_denied_problem_is_not_urgent(text):
    assert detect(text) is None


def test_a_leak_is_urgent_only_when_the_classifier_says_it_is_gas():
    assert detect("厨房里好像漏气了") is None
    assert detect("厨房里好像漏气了", department="燃气").reason == "漏气"
    assert detect("自行车轮胎漏气了", department="物业") is None


def test_a_denied_clause_does_not_hide_an_emergency_in_the_next_one():
    assert detect("不是漏水，水管爆了！").reason == "爆管"
    assert detect("没有煤气味。但是电梯困人了").reason == "电梯困人"
