"""Is it the same problem? Realistic pairs of residents' messages about one building, both ways."""
import pytest

from core.complaints.duplicates import same_problem
from nlp.corpus import shipped
from nlp.training import train

SAME = [
    ("3栋2单元楼道灯不亮了，晚上看不见", "3栋楼道的灯坏了好几天，黑漆漆的"),
    ("楼下下水道堵了，污水漫出来了", "3栋门口下水道堵塞，臭水流了一地"),
    ("小区门口烧烤摊占道经营，油烟很大", "门口那个烧烤摊天天占道，烟熏得不行"),
    ("电梯又坏了，停在三楼不动", "3栋电梯坏了，一直不动"),
    ("家里停水了，一滴水都没有", "我们楼停水了，什么时候来水"),
    ("暖气不热，屋里才十五度", "暖气片冰凉的，家里太冷了"),
    ("楼道里堆满了杂物，很危险", "楼道杂物堆放太多，消防通道堵了"),
    ("单元门禁坏了，门关不上", "单元门的门禁坏了，谁都能进"),
    ("小区路灯坏了，晚上黑乎乎的", "东门那边的路灯不亮了"),
    ("楼顶漏水，家里天花板都湿了", "顶楼漏水了，下雨天屋顶滴水"),
    ("有人在楼道里飞线充电，电动车", "楼道飞线给电瓶车充电，太危险了"),
    ("3栋楼道里有煤气味", "3单元楼道一股燃气味道，是不是哪家漏气"),
]
DIFFERENT = [
    ("3栋2单元楼道灯不亮了", "3栋下水道堵了"),
    ("电梯坏了，停在三楼不动", "楼道灯坏了，晚上看不见"),
    ("家里停水了", "家里停电了"),
    ("暖气不热，屋里才十五度", "楼顶漏水，天花板湿了"),
    ("门口烧烤摊占道经营", "门口垃圾桶满了没人清"),
    ("楼道里堆满了杂物", "楼道灯坏了"),
    ("单元门禁坏了，门关不上", "电梯门关不上"),
    ("树枝挡住了窗户，要修剪", "楼下的车乱停，挡住了路"),
    ("宽带没信号，网断了", "有线电视没信号"),
    ("燃气表不走字", "水表不走字"),
    ("想问问加装电梯的补贴怎么申请", "楼上邻居装修天天砸墙，太吵了"),
    ("小区门口有人卖假药，骗老人", "小区的健身器材坏了，螺丝松了"),
    # The same object, but a fault, a question and a suggestion: three matters.
    ("单元门口的台阶塌了一块，老人容易绊倒", "单元门的门禁坏了"),
    ("3栋楼道灯坏了", "小区的路灯坏了一个月没人修"),
    ("充电桩装好了一直没电", "申请装充电桩要供电公司同意吗"),
    ("充电桩装好了一直没电", "小区充电桩不够用，能不能增容"),
    ("申请装充电桩要供电公司同意吗", "小区充电桩不够用，能不能增容"),
]


@pytest.fixture(scope="module")
def department():
    model = train(shipped(), source="shipped corpus")
    return lambda text: model.predict(text).best.label


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_problem_told_differently_is_recognised(a, b, department):
    assert same_problem(a, b, department(a), department(b)) is not None
    assert same_problem(b, a, department(b), department(a)) is not None


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_problems_in_the_same_building_are_kept_apart(a, b, department):
    assert same_problem(a, b, department(a), department(b)) is None


def test_without_the_classifier_the_texts_decide():
    assert same_problem("门口烧烤摊占道经营，油烟大", "门口烧烤摊又占道了") is not None
    assert same_problem("家里停水了", "家里停电了") is None


def test_the_likeness_is_scikit_learns_tfidf_cosine_without_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from core.complaints.duplicates import _plain, similarity

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit(
        [_plain(text) for text in shipped().texts])
    texts = [text for pair in SAME + DIFFERENT for text in pair] + ["ABC 电梯坏了", "3栋2单元", "", "麻烦尽快处理"]
    for a, b in zip(texts, texts[1:] + texts[:3]):
        vectors = vectorizer.transform([_plain(a), _plain(b)])
        assert similarity(a, b) == pytest.approx(float(cosine_similarity(vectors[0], vectors[1])[0, 0]), abs=1e-9)
