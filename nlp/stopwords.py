"""Words that say nothing about a complaint's topic ("了", "的", "我家", and in a renovation app "小区", "晚上"): never shown as the words behind a
routing suggestion. The model still sees them (they are cheap features, and retraining is not needed)."""

STOP_WORDS = frozenset("""
了 的 地 得 着 过 吗 呢 吧 啊 呀 哦 嘛 啦 哈 呗 么 哎 唉 嗯
是 在 有 和 与 及 或 就 都 也 还 又 再 很 太 挺 最 更 才 只 却 便 并 而 但 但是 而且 所以 因为 如果 然后 还是 或者
这 那 这个 那个 这里 那里 这样 那样 这些 那些 哪 哪里 哪个
我 你 您 他 她 它 我们 你们 他们 她们 咱们 大家 自己 我家 我们家 家里 人家
一 一个 一下 一些 一点 一直 一样 一起 什么 怎么 怎么办 为什么 多少 几个
不 没 没有 不是 不能 不会 能 会 要 想 可以 应该 需要 得到 被 把 给 让 叫 对 向 从 到 跟 比 为 为了 关于
请 麻烦 谢谢 希望 请问 帮忙 帮 一下子 已经 现在 一直 经常 总是 老是 还有 好 好像 真的 实在 特别 非常
个 些 点 天 次 下 上 里 中 后 前 时 时候 时间
有个 有些 有点 不用 不要 还要 就是 还是 可能 觉得 感觉 其实 比较 这么 那么 怎样
有人 今天 昨天 明天 最近 每天 天天 几天 早上 白天 晚上 半夜 问题 情况 反映 解决 处理 小区 住户 居民
""".split())


def topical(words) -> list[str]:
    """The words that carry meaning, in their order; numbers (a room's "302", or a piece of it) are none."""
    return [word for word in words if word not in STOP_WORDS and not word.isdigit()]
