"""The studio's words, in the project's language (en or zh). A word with no translation shows in English."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "runs": {"zh": "项目运行"},
    "run": {"zh": "运行"},
    "new run": {"zh": "新建运行"},
    "premise": {"zh": "故事前提"},
    "language": {"zh": "语言"},
    "episodes": {"zh": "集数"},
    "automatic gates": {"zh": "自动通过的关卡"},
    "models": {"zh": "模型"},
    "start": {"zh": "开始"},
    "state": {"zh": "状态"},
    "waiting at": {"zh": "等待审批"},
    "approved": {"zh": "已通过"},
    "tokens": {"zh": "令牌数"},
    "cost": {"zh": "费用"},
    "spent": {"zh": "已花费"},
    "updated": {"zh": "更新时间"},
    "no runs yet": {"zh": "还没有运行"},
    "live": {"zh": "实时"},
    "resume": {"zh": "继续"},
    "open the gate": {"zh": "打开审批"},
    "gate": {"zh": "审批"},
    "episode": {"zh": "第{}集"},
    "memory": {"zh": "记忆"},
    "report": {"zh": "报告"},
    "chat": {"zh": "对话"},
    "waiting": {"zh": "等待中"},
    "finished": {"zh": "已完成"},
    "interrupted": {"zh": "已中断"},
    "working": {"zh": "工作中"},
    "failed at": {"zh": "失败于"},
    "calls": {"zh": "调用次数"},
    "model seconds": {"zh": "模型秒数"},
    # the memory page (memory_page.py, memory.html)
    "any": {"zh": "全部"},
    "search by meaning": {"zh": "按语义搜索"},
    "empty: the newest records": {"zh": "留空：显示最新记录"},
    "kind": {"zh": "类型"},
    "role": {"zh": "角色"},
    "status": {"zh": "状态"},
    "episode number": {"zh": "集"},
    "search": {"zh": "搜索"},
    "records shown": {"zh": "显示 {} 条记录"},
    "at most": {"zh": "最多 {} 条"},
    "nearest first": {"zh": "最相关的在前"},
    "newest first": {"zh": "最新的在前"},
    "closeness": {"zh": "相关度"},
    "artifact": {"zh": "作品"},
    "version": {"zh": "版本"},
    "round": {"zh": "轮次"},
    "series": {"zh": "全剧"},
    "when": {"zh": "时间"},
    "nothing found": {"zh": "没有找到"},
    # the chat page (chat_page.py, chat.html, chat.js)
    "changes apply to": {"zh": "修改作用于"},
    "you": {"zh": "你"},
    "ask the room about this run; @role asks one role": {"zh": "向编剧室提问；用 @角色 单独问一位"},
    "the room is working": {"zh": "编剧室正在处理"},
    "is now": {"zh": "现在是"},
    "put back as": {"zh": "已恢复为"},
    "your line": {"zh": "你的话"},
    "who answers": {"zh": "由谁回答"},
    "the room decides": {"zh": "由编剧室决定"},
    "send": {"zh": "发送"},
    "accept": {"zh": "采纳"},
    "undo": {"zh": "撤销"},
    "apply the last suggestion as a new version": {"zh": "把最后的建议写成新版本"},
    "put back the version before the last accept": {"zh": "恢复上次采纳之前的版本"},
}


def translate(lang: str):
    """`t("runs")` in `lang`; `t("episode", 3)` fills the word's `{}`."""

    def t(word: str, *values: object) -> str:
        text = WORDS.get(word, {}).get(lang, word)
        if values and "{}" not in text:
            text = f"{text} {{}}"
        return text.format(*values) if values else text

    return t
