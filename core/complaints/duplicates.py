"""Is a new complaint the same problem as an open ticket nearby? Then it joins that ticket instead of
making a second job for the department (12345 热线's 合并工单).

Same problem = the same building (or the same estate, for a ticket without a flat), filed within WINDOW,
no conflicting object ("门禁" vs "电梯"), the classifier's best department the same unless they name the
same object, and texts alike: the cosine of their TF-IDF vectors over character uni- and bigrams, with the document
frequencies of the shipped complaint corpus (so "楼道" or "坏了" weigh little and "烧烤摊" much), after
dropping building numbers and filler. Pairs sharing an object need less likeness. The thresholds are
tested on realistic pairs in tests/unit/test_duplicates.py; a wrong link is undone by a worker (unlink).
"""
import math
import re
from collections import Counter
from datetime import timedelta
from functools import lru_cache

WINDOW = timedelta(days=3)
THRESHOLD = 0.3
SHARED_OBJECT_THRESHOLD = 0.15

# Places and filler carry no problem: "3栋2单元", "我们家里", "麻烦尽快处理一下".
_PLACE = re.compile(r"[\d０-９一二三四五六七八九十两]+\s*(号楼|栋|幢|单元|楼|层|号|室|户)?")
_FILLER = re.compile(r"[的了在是我们家里有都很太又也就还啊呢吧那这个一直天天好几什么时候请麻烦尽快赶紧快点帮忙处理下]"
                     r"|[，。！？、,.!?；;：:\s]")
# Things residents report; two texts naming different ones, and none in common, are different problems.
# "单元门口" is a place (at the entrance), not the door; a street lamp is not a stairwell light.
OBJECTS = ("电梯", "门禁|单元门(?!口)|防盗门", "路灯", "(?<!路)灯", "台阶|地面|路面|地砖", "下水道|化粪池|污水", "水管|管道|爆管", "暖气", "水表", "电表", "燃气表",
           "宽带|网络|网速", "电视", "杂物", "垃圾", "烧烤|摊", "树|绿化|草坪", "监控", "停车|车位|乱停", "充电",
           "漏水|渗水", "停水", "停电", "噪音|吵", "井盖", "外墙|墙皮|瓷砖", "屋顶|楼顶|顶楼", "燃气|煤气|天然气")
_OBJECTS = tuple(re.compile(pattern) for pattern in OBJECTS)
# Questions and suggestions ("申请装充电桩要同意吗", "充电桩不够用，能不能增容") are each their own matter:
# only reports of a fault or a nuisance are merged.
_ASKING = re.compile(r"吗|请问|咨询|申请|建议|如何|怎么办|怎样|能不能|可不可以|可否|[?？]")


def _plain(text: str) -> str:
    return _FILLER.sub("", _PLACE.sub("", text))


def _grams(text: str) -> list[str]:
    """The characters and character pairs of a text's plain form (lower-cased)."""
    plain = _plain(text).lower()
    return [*plain, *(plain[i:i + 2] for i in range(len(plain) - 1))]


@lru_cache(maxsize=1)
def _idf() -> dict[str, float]:
    """The smoothed inverse document frequency of each gram of the shipped corpus, as scikit-learn's
    TfidfVectorizer computes it (ln((1 + n) / (1 + df)) + 1); worked out here in plain Python, so that a
    web worker, which checks every new complaint, does not import scikit-learn (75 MB) for it."""
    from nlp.corpus import shipped

    texts = shipped().texts
    seen = Counter(gram for text in texts for gram in set(_grams(text)))
    return {gram: math.log((1 + len(texts)) / (1 + n)) + 1 for gram, n in seen.items()}


def _vector(text: str) -> dict[str, float]:
    """The text's TF-IDF vector of unit length (sublinear counts times IDF; grams unknown to the corpus
    dropped), as a dict."""
    idf = _idf()
    weights = {gram: (1 + math.log(n)) * idf[gram] for gram, n in Counter(_grams(text)).items() if gram in idf}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {gram: w / norm for gram, w in weights.items()} if norm else {}


def objects(text: str) -> frozenset[int]:
    """Which of OBJECTS the text names (by index)."""
    return frozenset(i for i, pattern in enumerate(_OBJECTS) if pattern.search(text))


def similarity(a: str, b: str) -> float:
    """The texts' likeness, 0 to 1: the cosine of their vectors."""
    vector_a, vector_b = _vector(a), _vector(b)
    if len(vector_b) < len(vector_a):
        vector_a, vector_b = vector_b, vector_a
    return sum(w * vector_b.get(gram, 0.0) for gram, w in vector_a.items())


def same_problem(a: str, b: str, department_a: str | None = None, department_b: str | None = None) -> float | None:
    """The likeness if the two texts report the same problem, else None.

    A question or suggestion is never the same problem. Naming the same object outweighs the classifier (it often splits "下水道堵了" between 物业 and 供水);
    without one, the departments must agree.
    """
    if _ASKING.search(a) or _ASKING.search(b):
        return None
    objects_a, objects_b = objects(a), objects(b)
    if objects_a & objects_b:
        needed = SHARED_OBJECT_THRESHOLD
    elif objects_a and objects_b:
        return None
    elif department_a and department_b and department_a != department_b:
        return None
    else:
        needed = THRESHOLD
    score = similarity(a, b)
    return score if score >= needed else None
