"""The classifier on its own: words, the shipped corpus, training, scores, model files, bad corpora."""
import json
from collections import Counter

import numpy as np
import pytest

from nlp.corpus import SHIPPED, Corpus, CorpusError, read_csv, shipped
from nlp.model import Classifier, ModelFileError
from nlp.store import ModelStore
from nlp.training import compile_parts, evaluate, fit_estimators, held_out, retrain, split, train
from nlp.words import cut


def test_renovation_words_stay_whole():
    words = cut("楼下有人飞线充电，加装电梯和雨污分流什么时候搞？违章搭建也没人管")
    assert {"飞线充电", "加装电梯", "雨污分流", "违章搭建"} <= set(words)
    assert "，" not in words and "？" not in words


def test_the_shipped_corpus_has_at_least_60_distinct_messages_for_each_department():
    from core.complaints.departments import DEFAULTS

    corpus = shipped()
    counts = Counter(corpus.labels)
    assert set(counts) == {code for code, *_ in DEFAULTS}
    assert min(counts.values()) >= 60
    assert len(set(corpus.texts)) == len(corpus)
    lengths = [len(text) for text in corpus.texts]
    assert min(lengths) <= 4 and max(lengths) >= 30  # short and long, as residents write


def test_training_reports_the_held_out_scores_in_the_model(shipped_model):
    meta = shipped_model.meta
    held = meta["held_out"]
    print(f"shipped corpus, held-out macro-F1 {held['macro_f1']:.3f}, accuracy {held['accuracy']:.3f}")
    assert 0.7 <= held["macro_f1"] <= 1 and held["examples"] >= 100
    assert set(held["per_label_f1"]) == set(meta["labels"])
    assert len(held["confusion"]["matrix"]) == len(held["confusion"]["labels"])
    assert meta["data_digest"] == shipped().digest and meta["version"] and meta["trained_at"]
    assert meta["training_examples"] + held["examples"] == len(shipped())


def test_a_refitted_model_learns_from_every_message_and_carries_the_scores_of_the_model_fitted_on_three_quarters(
        shipped_model):
    refitted = train(shipped(), source="shipped corpus", refit=True)
    assert refitted.meta["fitted_on"] == "all" and shipped_model.meta["fitted_on"] == "training part"
    assert refitted.meta["training_examples"] == len(shipped())
    assert refitted.meta["held_out"]["macro_f1"] == shipped_model.meta["held_out"]["macro_f1"]
    assert "fitted on all" in refitted.meta["held_out_note"]
    # It has seen the held-out part: a later candidate compared with it there is told so.
    result = retrain(shipped(), Corpus((), ()), refitted)
    assert result.current_scores["optimistic"] and "optimistic" not in result.candidate_scores


def test_a_prediction_names_the_top_three_departments_and_the_words_behind_the_first(shipped_model):
    prediction = shipped_model.predict("楼道灯坏了一个多月，晚上摸黑上楼")
    assert prediction.best.label == "物业"
    assert len(prediction.suggestions) == 3
    probabilities = [s.probability for s in prediction.suggestions]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1.0001
    assert "楼道灯" in prediction.words
    for text, department in (("暖气不热，家里才十五度", "供热"), ("家里停水了", "供水"), ("楼下烧烤摊占道经营", "城管执法")):
        assert shipped_model.predict(text).best.label == department


def test_our_probabilities_are_scikit_learns():
    training, holdout = split(shipped())
    fitted = fit_estimators(list(training.texts), list(training.labels))
    ours = Classifier(compile_parts(fitted), {})
    texts = list(holdout.texts) + ["", "！！！", "　楼 道 灯　坏了"]
    theirs = fitted.model.predict_proba(fitted.transform(texts))
    assert np.allclose(ours.probabilities(texts), theirs, atol=1e-5)  # float32 against float64
    assert ours.top_labels(texts) == list(fitted.model.classes_[theirs.argmax(axis=1)])


def test_the_held_out_part_is_the_same_whatever_the_order():
    corpus = shipped()
    reversed_corpus = Corpus(corpus.texts[::-1], corpus.labels[::-1])
    assert set(split(corpus)[1].texts) == set(split(reversed_corpus)[1].texts)
    assert corpus.digest == reversed_corpus.digest
    share = sum(map(held_out, corpus.texts)) / len(corpus)
    assert 0.15 < share < 0.35


def test_a_model_file_round_trips_and_a_damaged_one_is_refused(shipped_model, tmp_path):
    path = tmp_path / "m.joblib"
    shipped_model.save(path)
    loaded = Classifier.load(path)
    assert loaded.meta == shipped_model.meta
    assert loaded.predict("暖气不热").suggestions == shipped_model.predict("暖气不热").suggestions
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelFileError):
        Classifier.load(path)
    with pytest.raises(ModelFileError):
        Classifier.load(tmp_path / "missing.joblib")
    assert not list(tmp_path.glob(".model-*"))  # no temporary file left behind


def test_a_store_picks_up_a_model_promoted_by_another_process_and_keeps_the_old_one_if_the_new_is_broken(
        shipped_model, tmp_path):
    reader, writer = ModelStore(tmp_path), ModelStore(tmp_path)
    assert reader.current() is None
    writer.promote(shipped_model)
    first = reader.current()
    assert first.version == shipped_model.version and reader.current() is first  # loaded once
    (tmp_path / "broken.joblib").write_bytes(b"not a model")
    (tmp_path / "current.json").write_text(json.dumps({"file": "broken.joblib", "version": "x"}))
    assert reader.current() is first


def _csv(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "c.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_csv_with_two_text_columns_is_joined(tmp_path):
    corpus = read_csv(_csv(tmp_path, "title,body,label\n停水,三天了,供水\n,只有正文,供水\n"), ["title", "body"], "label")
    assert corpus.texts == ("停水。三天了", "只有正文")


@pytest.mark.parametrize("content, encoding, expected", [
    ("text,label\n停水了,供水\n", "utf-8", "has no column department"),
    ("文本,部门\n停水了,供水\n", "gbk", "not UTF-8"),
    ("text,department\n停水了,\n,供水\n", "utf-8", "line 2: no label; line 3: no text"),
    ("text,department\n", "utf-8", "has no rows"),
    ("", "utf-8", "the file is empty"),
])
def test_a_bad_corpus_is_refused_with_the_reason(tmp_path, content, encoding, expected):
    with pytest.raises(CorpusError, match=expected):
        read_csv(_csv(tmp_path, content, encoding), ["text"], "department")


def test_an_excel_workbook_given_as_csv_is_named(tmp_path):
    path = tmp_path / "history.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(CorpusError, match="Excel workbook"):
        read_csv(path, ["text"], "department")


def test_gbk_is_named_when_the_file_looks_like_it(tmp_path):
    with pytest.raises(CorpusError, match="GBK"):
        read_csv(_csv(tmp_path, "text,department\n停水了,供水\n", "gbk"), ["text"], "department")


def test_too_few_messages_for_a_label_or_too_few_labels_are_refused():
    corpus = shipped()
    thin = corpus + Corpus(("新部门的一条", "新部门的两条"), ("新部门", "新部门"))
    with pytest.raises(CorpusError, match="新部门"):
        train(thin)
    with pytest.raises(CorpusError, match="三个类别"):
        train(Corpus(tuple(f"停水{i}" for i in range(20)) + tuple(f"停电{i}" for i in range(20)),
                     ("供水",) * 20 + ("供电",) * 20))


def test_evaluation_refuses_labels_the_model_does_not_know(shipped_model):
    with pytest.raises(CorpusError, match="does not know: 消防"):
        evaluate(shipped_model, Corpus(("着火了",), ("消防",)))


def test_retraining_promotes_a_candidate_no_worse_and_refuses_a_worse_one(shipped_model):
    helpful = Corpus(tuple(f"{place}的充电桩坏了，充不上电" for place in "东南西北中上下左右前后"), ("供电",) * 11)
    result = retrain(shipped(), helpful, shipped_model)
    assert result.current_scores is not None
    assert result.promote == (result.candidate_scores["macro_f1"] >= result.current_scores["macro_f1"])
    # Workers who route every message to one department make a worse model: it is not promoted.
    corpus = shipped()
    noise = Corpus(corpus.texts, ("社区居委会",) * len(corpus))
    worse = retrain(corpus, noise, shipped_model)
    assert not worse.promote
    assert worse.candidate_scores["macro_f1"] < worse.current_scores["macro_f1"]


def test_retraining_never_replaces_a_model_that_shares_no_label_with_the_candidate(shipped_model):
    corpus = shipped()
    bureaus = Corpus(corpus.texts, tuple(label + "办" for label in corpus.labels))  # a 12345 export's names
    other = train(bureaus)
    result = retrain(corpus, Corpus((), ()), other)
    assert result.current_scores["macro_f1"] == 0 and result.current_scores["comparable"] is False
    assert not result.promote


def test_the_shipped_corpus_file_is_utf8_csv_with_a_header():
    assert SHIPPED.read_text(encoding="utf-8").splitlines()[0] == "text,department"


def test_features_read_a_segmented_message_as_the_original_and_find_overlapping_words():
    from nlp.features import MAX_CHARS, char_grams, known_words, normalise

    assert normalise("楼道 灯 坏了\n ABC") == "楼道灯坏了abc"
    assert len(normalise("停" * 1000)) == MAX_CHARS
    assert char_grams("停水了") == ["停", "水", "了", "停水", "水了"]
    words = {"加装", "电梯", "加装电梯", "楼道灯"}
    assert sorted(known_words("申请加装电梯", words)) == sorted(["加装", "加装电梯", "电梯"])


def test_the_opening_is_read_twice_and_a_model_file_from_before_reads_as_it_did(shipped_model, tmp_path):
    import joblib

    from nlp.features import HEAD_CHARS, MAX_CHARS, SEPARATOR, clean, normalise, read

    text = "楼道灯坏了。" + "一个多月了晚上摸黑上楼 " * 40
    assert read(text) == clean(text)[:MAX_CHARS - HEAD_CHARS] + SEPARATOR + clean(text)[:HEAD_CHARS]
    assert read(text, head=0, cleaned=False) == normalise(text)
    assert (shipped_model.parts["max_chars"], shipped_model.parts["head"]) == (MAX_CHARS, HEAD_CHARS)
    # A file written before the opening was read twice has no "head": it reads the text once, as it was trained.
    old = Classifier({k: v for k, v in shipped_model.parts.items() if k not in ("head", "max_chars")}, {})
    separator = shipped_model.parts["chars"][SEPARATOR]
    assert separator in shipped_model.features(text)[0] and separator not in old.features(text)[0]
    path = tmp_path / "format2.joblib"
    joblib.dump({"format": 2, "meta": {}, "parts": old.parts}, path)
    assert Classifier.load(path).predict(text).suggestions == old.predict(text).suggestions
    joblib.dump({"format": 1, "meta": {}, "parts": old.parts}, path)
    with pytest.raises(ModelFileError, match="format 2 or 3 or 4"):
        Classifier.load(path)


def test_a_message_is_read_without_punctuation_and_with_its_numbers_as_0_but_older_files_read_as_they_did(
        shipped_model, tmp_path):
    import joblib

    from nlp.features import clean

    assert clean("2020年3月15日，A3区 楼道灯坏了！！（电话：138****1234）") == "0年0月0日a0区楼道灯坏了电话0"
    assert shipped_model.parts["clean"] is True
    text = "家里停，水了！！"
    assert "，" not in shipped_model.parts["chars"]
    # A format 3 file has no "clean": it reads punctuation and digits as it was trained to.
    old = Classifier({k: v for k, v in shipped_model.parts.items() if k != "clean"}, {})
    pair = shipped_model.parts["chars"]["停水"]
    assert pair in shipped_model.features(text)[0] and pair not in old.features(text)[0]
    path = tmp_path / "format3.joblib"
    joblib.dump({"format": 3, "meta": {}, "parts": old.parts}, path)
    assert Classifier.load(path).predict(text).suggestions == old.predict(text).suggestions


def test_a_worker_predicts_without_loading_scikit_learn_scipy_or_jieba(shipped_model, tmp_path):
    import subprocess
    import sys

    shipped_model.save(tmp_path / "m.joblib")
    code = ("import sys; from nlp.model import Classifier; "
            f"m = Classifier.load({str(tmp_path / 'm.joblib')!r}); print(m.predict('家里停水了').best.label); "
            "print(sorted({n.split('.')[0] for n in sys.modules} & {'sklearn', 'scipy', 'jieba'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["供水", "[]"]


def test_routing_reports_the_share_sent_straight_to_a_department_and_how_many_of_those_are_right(shipped_model):
    from nlp.training import routing

    corpus = Corpus(("家里停水了", "暖气不热，家里才十五度", "楼道灯坏了"), ("供水", "供电", "物业"))
    probabilities = np.array([[0.9, 0.1], [0.7, 0.3], [0.5, 0.5]])  # a made-up two-label model's output
    shipped_model._labels = ["供水", "物业"]
    try:
        report = routing(shipped_model, corpus, 0.6, probabilities)
    finally:
        shipped_model._labels = shipped_model.parts["labels"]
    assert report == {"threshold": 0.6, "coverage": round(2 / 3, 4), "precision": 0.5, "routed": 2}


def test_the_default_corpus_adds_real_messages_labelled_with_the_departments_and_says_where_they_come_from():
    from core.complaints.departments import DEFAULTS
    from nlp.citizen import department
    from nlp.corpus import REAL, default, real

    codes = {code for code, *_ in DEFAULTS}
    messages = real()
    assert len(messages) >= 500 and set(messages.labels) <= codes
    assert set(default().labels) == codes and len(default()) == len(messages) + len(shipped())
    assert REAL.stat().st_size < 2_000_000
    provenance = (REAL.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "泰迪杯" in provenance and "licence" in provenance.lower() and "nlp/citizen.py" in provenance
    # The rules: one department's matters, and the city's label agrees; none or several: not taken.
    assert department("小区 天然气 管道 漏气", "城乡建设") == "燃气"
    assert department("小区天然气管道漏气", "教育文体") is None
    assert department("停水又停电", "城乡建设") is None
