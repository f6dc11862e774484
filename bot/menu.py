"""The official account's click menu: each button stands for a text command, so buttons and typing agree."""

# (top button, ((label, event key, the command it stands for), …)); keys are ASCII, as WeChat advises.
MENU = (
    ("表决", (("当前表决", "VOTES", "投票"), ("我的投票", "MY_BALLOTS", "我的投票"), ("表决进度", "PROGRESS", "进度"))),
    ("办事", (("报修投诉", "REPORT", "报修"), ("查询进度", "QUERY", "查询"), ("需求征集", "DEMANDS", "需求"),
             ("方案公示", "NOTICES", "公示"), ("满意度问卷", "SURVEYS", "问卷"))),
    ("我的", (("绑定房屋", "BIND", "绑定"), ("我的网页", "PAGES", "网页"), ("使用帮助", "HELP", "帮助"))),
)

COMMANDS = {key: command for _, buttons in MENU for _, key, command in buttons}


def command_for_key(key: str) -> str | None:
    """The text command a click event's key stands for, or None for a key we did not make."""
    return COMMANDS.get(key or "")


def menu_json() -> dict:
    """The body of WeChat's menu/create call."""
    return {"button": [
        {"name": name, "sub_button": [{"type": "click", "name": label, "key": key} for label, key, _ in buttons]}
        for name, buttons in MENU
    ]}
