"""Chat intents on their own: the normal form, the exact rules, the labelled set, the model, and the
sentences the issue says must come out right (bot.understand, no app, no database)."""
import unicodedata
from collections import Counter

import numpy as np
import pytest

from bot.menu import COMMANDS
from bot.understand import understand
from nlp.intent_rules import KEYWORDS, match, normalise
from nlp import intents
from nlp.intent_training import build, fit, fit_estimators
from nlp.intents import INTENTS, IntentModel, IntentTablesError, default_model, is_held_out, read_utterances, split

HARD_PAIRS = [
    ("希望加装电梯", "demand"),
    ("电梯坏了", "complaint"),
    ("我同意装电梯", "agree"),
    ("我报的灯修好了吗", "complaint_status"),
    ("3栋楼道灯坏了好几天了，晚上老人上下楼很危险", "complaint"),
    ("我要投诉", "complaint"),
    ("同意同意", "agree"),
    ("我同意", "agree"),
    ("反对，一楼采光受影响", "disagree"),
    ("赞成", "agree"),
    ("我家同意", "agree"),
    ("绑定 幸福里 3栋1单元301 张三 5678", "bind"),
    ("8826 5025", "bind"),
    ("88265025", "bind"),
    ("评价 5", "rate"),
    ("不同意", "disagree"),
    ("不反对", "agree"),  # consent by not objecting: bot/understand.py's docstring says why
    ("解绑", "unbind"),
    ("投票", "list_votes"),
    ("有什么要表决的", "list_votes"),
    ("我投的啥", "my_votes"),
    ("进度怎么样了", "progress"),
    ("同意的人够了吗", "progress"),
    ("公示", "notices"),
    ("问卷", "survey"),
    ("满意度调查", "survey"),
    ("网页", "web_link"),
    ("给我个链接", "web_link"),
    ("帮助", "help"),
    ("怎么用", "help"),
    ("你好", "other"),  # greetings and thanks are other: the bot greets back and points to 帮助
    ("谢谢", "other"),
]

# As phones deliver them: speech recognition's punctuation and fillers, full-width input, particles.
DRESSED = [
    ("我同意。", "agree"),
    ("同意。", "agree"),
    ("嗯，那个，楼道灯坏了。", "complaint"),
    ("我不同意。", "disagree"),
    ("８８２６　５０２５", "bind"),
    ("评价５", "rate"),
    ("评价 ５ 师傅很好", "rate"),
    ("不同意！", "disagree"),
    ("那个，我要投诉。", "complaint"),
    ("电梯坏了啊", "complaint"),
]


@pytest.mark.parametrize("text, intent", HARD_PAIRS + DRESSED)
def test_the_hard_pairs_come_out_right(text, intent):
    understood = understand(text)
    assert understood.intent == intent, (text, understood)
    assert 0 <= understood.confidence <= 1


def test_negation_decides_the_stance_whatever_the_topic():
    assert understand("我不同意装电梯").intent == "disagree"
    assert understand("我同意装电梯").intent == "agree"
    assert understand("不同意装电梯，影响采光").intent == "disagree"
    assert understand("装电梯我不同意").intent == "disagree"


def test_the_normal_form_makes_full_width_and_speech_look_like_typing():
    assert normalise("ＡＢＣ　１２３") == "abc 123"
    assert normalise("我同意。") == "我同意"
    assert normalise("嗯，那个，楼道灯坏了。") == "楼道灯坏了"
    assert normalise("呃……就是，电梯，坏了！") == "电梯 坏了"
    assert normalise("那个投票") == "那个投票"  # a filler is dropped only where a pause follows it
    assert normalise("你好") == "你好"
    assert normalise("？") == normalise("?") == "?"
    assert normalise("。。。") == normalise("  ") == normalise(None) == ""


def test_a_blank_or_punctuation_only_message_is_other():
    for text in ("", "   ", "。。。", "，"):
        understood = understand(text)
        assert (understood.intent, understood.confidence, understood.by) == ("other", 1.0, "empty")


def test_codes_are_bound_by_the_rule_with_their_digits():
    for text in ("88265025", "8826 5025", "8826-5025", "８８２６５０２５", "绑定 8826 5025", "绑定码是88265025"):
        understood = understand(text)
        assert (understood.intent, understood.by, understood.slots) == ("bind", "rule", {"code": "88265025"}), text
    for text in ("社区给的码是 8826 5025", "帮我绑上 88265025", "码在这：8826-5025，帮我绑上"):
        assert understand(text).slots == {"code": "88265025"}, text
    assert match(normalise("13812345678")) is None  # a phone number is not a code
    assert match(normalise("我的电话 13812345678 绑定")) is None
    assert match(normalise("解绑 88265025")) is None
    assert match(normalise("8826 502")) is None


def test_a_score_after_评价_is_a_rating_with_its_stars_ticket_and_comment():
    assert understand("评价 5").slots == {"stars": 5}
    assert understand("评价 TS20261101001 4 还可以").slots == {"stars": 4, "ticket": "TS20261101001", "comment": "还可以"}
    assert understand("打五分").slots == {"stars": 5}
    assert understand("评价 12").by == "model"  # not a score from 1 to 5: the rule stays out


def test_a_ballot_with_a_vote_number_names_the_vote():
    assert understand("同意 3").slots == {"vote": 3} and understand("同意 3").intent == "agree"
    assert understand("不同意3").intent == "disagree"
    assert understand("弃权 第2个").slots == {"vote": 2}


def test_the_register_details_after_绑定_are_kept_for_the_bot():
    understood = understand("绑定 幸福里 3栋1单元301 张三 5678")
    assert understood.slots == {"details": "幸福里 3栋1单元301 张三 5678"}


def test_every_menu_button_and_keyword_means_an_intent():
    assert set(KEYWORDS.values()) <= set(INTENTS)
    for command in COMMANDS.values():
        assert understand(command).by == "rule" and understand(command).intent in INTENTS, command


def test_the_set_has_every_intent_many_times_once_each_short_and_long_and_as_phones_send_it():
    utterances = read_utterances()
    counts = Counter(u.intent for u in utterances)
    assert set(counts) == set(INTENTS)
    assert min(counts.values()) >= 60, counts
    normal_forms = Counter(normalise(u.text) for u in utterances)
    assert normal_forms.most_common(1)[0][1] == 1
    lengths = [len(u.text) for u in utterances]
    assert min(lengths) <= 2 and max(lengths) >= 30
    assert sum(u.text.endswith("。") for u in utterances) >= 50  # speech recognition
    assert sum(unicodedata.normalize("NFKC", u.text) != u.text for u in utterances) >= 100  # full-width
    assert Counter(u.origin for u in utterances)["hand"] >= len(utterances) / 2  # not mostly templates


def test_the_held_out_part_is_a_stable_fifth_with_every_intent():
    utterances = read_utterances()
    training, held = split(utterances)
    assert 0.15 < len(held) / len(utterances) < 0.25
    assert {u.intent for u in held} == set(INTENTS)
    assert is_held_out("我同意。") == is_held_out("我同意")  # the same sentence lands on the same side


def test_the_model_scores_well_on_the_held_out_part_and_is_deterministic():
    training, held = split(read_utterances())
    model = fit(training)
    guesses = model.predict_many([u.text for u in held])
    accuracy = np.mean([g.intent == u.intent for g, u in zip(guesses, held)])
    assert accuracy >= 0.85
    again = fit(training).probabilities([u.text for u in held[:50]])
    assert np.array_equal(again, model.probabilities([u.text for u in held[:50]]))


def test_the_tables_predict_as_scikit_learn_does():
    training, held = split(read_utterances())
    fitted = fit_estimators(training)
    model = fit(training)
    texts = ["我同意", "电梯坏了", "希望加装电梯", "今天天气怎么样", "我不同意装电梯", "？", "ok"] + [u.text for u in held]
    expected = fitted.model.predict_proba(fitted.transform(texts))
    assert np.allclose(model.probabilities(texts), expected, atol=1e-6)
    for guess in model.predict_many(texts):
        assert guess.intent in INTENTS and 0 <= guess.confidence <= 1


def test_a_negator_turns_the_next_known_word_round_wherever_it_stands():
    words = {"同意", "电梯", "反对"}
    assert intents.known_words("我不同意装电梯", words, 4) == ["不同意", "电梯"]
    assert intents.known_words("投不同意", words, 4) == ["不同意"]
    assert intents.known_words("我没有反对", words, 4) == ["不反对"]
    assert intents.known_words("我同意", words, 4) == ["同意"]
    assert intents.known_words("ok 同意 broken", {"ok", "同意"}, 4) == ["ok", "同意"]  # not the ok in broken


def test_the_worker_predicts_without_scikit_learn_scipy_or_jieba():
    import subprocess
    import sys

    code = ("import sys; from bot.understand import understand; print(understand('我不同意装电梯').intent); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'jieba'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == ["disagree", "[]"]


def test_the_built_tables_are_a_fresh_training_of_the_present_set(tmp_path):
    built = default_model()
    assert built.digest == intents.sources_digest()
    fresh = build(tmp_path / "fresh.npz")
    for name, table in built.tables.items():
        if table.dtype.kind in "US":
            assert np.array_equal(table, fresh.tables[name]), name
        else:
            assert np.allclose(table, fresh.tables[name]), name


def test_unreadable_tables_are_refused_saying_how_to_build_them(tmp_path, monkeypatch):
    with pytest.raises(IntentTablesError, match="flask nlp install-default"):
        IntentModel.load(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(IntentTablesError, match="flask nlp install-default"):
        IntentModel.load(tmp_path / "bad.npz")
    # Where tables cannot be built (a read-only place), default_model says so rather than guessing.
    monkeypatch.setattr(intents, "TABLES", tmp_path / "no-such-folder" / "tables.npz")
    monkeypatch.setattr(intents, "_default", None)
    with pytest.raises(IntentTablesError, match="could not build"):
        intents.default_model()


def test_a_bad_set_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,intent\n我同意,agree\n电梯坏了,broken\n,other\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: unknown intent 'broken'.*line 4: no text"):
        read_utterances(path)


def test_demand_comments_are_counted_by_known_words_without_jieba():
    from core.consultation.demands import common_words

    comments = [("3-1-101", "希望早点加装电梯，老人上楼难"), ("3-1-102", "加装电梯！老人腿脚不好"),
                ("3-1-201", "停车位太少")]
    found = dict(common_words(comments))
    assert found.get("加装电梯") == 2 and found.get("老人") == 2
    assert "希望" not in found and "停车位" not in found  # a stop word; a word of one comment only


def test_a_comment_is_kept_as_typed():
    from nlp.intent_rules import as_typed, match, normalise

    said = "评价 5 师傅很快，态度好！OK"
    comment = match(normalise(said)).slots["comment"]
    assert comment == "师傅很快 态度好 ok" and as_typed(said, comment) == "师傅很快，态度好！OK"
    said = "需求 14、10、3 小区ＷｉＦｉ信号差，希望“加装电梯”！"
    assert as_typed(said, match(normalise(said)).slots["comment"]) == "小区ＷｉＦｉ信号差，希望“加装电梯”！"
    assert as_typed("anything", "") == "" and as_typed("完全不同", "别的") == "别的"
