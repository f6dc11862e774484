"""What a resident's message asks for: the normal form, then the exact rules, then the intent model.

`understand(text)` is what the conversation calls for every typed or recognised message; it does no
I/O and needs no database. The intents are nlp.intents.INTENTS. Decisions taken here, once:

- an empty message (or one of only punctuation) is `other`, confidence 1.0;
- greetings and thanks (你好, 谢谢) are `other`: the bot answers them with a short greeting and a
  pointer to 帮助, and keeps the 13-line help for `help` (帮助, 怎么用, 我不会用);
- 不反对 / 没意见 count as `agree` (a resident who says so consents; the ballot reply names the choice
  recorded and it can be changed until the close); 无所谓 / 随便 / 都行 are `abstain`;
- 同意/不同意/弃权 + a number name the vote (`slots["vote"]`), an 8-digit code is `bind` with
  `slots["code"]` (spaces and dashes dropped), 评价 [TS…] n is `rate` with `slots["stars"]`.
"""
from dataclasses import dataclass, field

from nlp.intent_rules import match, normalise
from nlp.intents import INTENTS, default_model

__all__ = ["INTENTS", "Understanding", "understand", "warm"]


@dataclass(frozen=True)
class Understanding:
    text: str  # as received
    normal: str  # its normal form (nlp.intent_rules.normalise)
    intent: str  # one of INTENTS
    confidence: float  # in [0, 1]; 1.0 for a rule
    by: str  # "rule", "model" or "empty"
    slots: dict = field(default_factory=dict)  # what a rule read: code, vote, stars, ticket, comment, items, details

    def as_json(self) -> dict:
        """The line `flask bot understand` prints."""
        return {"text": self.text, "intent": self.intent, "confidence": self.confidence}


def understand(text: str) -> Understanding:
    """The intent of one message (typed, or WeChat's speech recognition of a voice message)."""
    normal = normalise(text)
    if not normal:
        return Understanding(text, normal, "other", 1.0, "empty")
    rule = match(normal)
    if rule is not None:
        return Understanding(text, normal, rule.intent, 1.0, "rule", dict(rule.slots))
    guess = default_model().predict(normal)
    return Understanding(text, normal, guess.intent, guess.confidence, "model")


def warm() -> None:
    """Load the model's tables now, not in the first resident's reply (building them first when they are
    missing or outdated: nlp.intents.default_model)."""
    understand("预热")
