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
    # the gate page
    "this run waits at no gate": {"zh": "此运行没有等待审批的关卡"},
    "back to the run": {"zh": "返回运行"},
    "written by": {"zh": "作者"},
    "outcome": {"zh": "协商结果"},
    "rounds": {"zh": "轮"},
    "round": {"zh": "轮次"},
    "the run is working: answer when it waits again": {"zh": "运行正在工作：请等它再次等待时回答"},
    "open dissent": {"zh": "未解决的异议"},
    "watch the cut": {"zh": "观看成片"},
    "your answer": {"zh": "你的决定"},
    "approve": {"zh": "通过"},
    "what to change": {"zh": "需要修改的地方"},
    "reject with this note": {"zh": "附此意见退回"},
    "edit it yourself": {"zh": "自己修改"},
    "the artifact as YAML": {"zh": "YAML 格式的内容"},
    "save my version": {"zh": "保存我的版本"},
    "versions": {"zh": "版本"},
    "version": {"zh": "版本"},
    "proposed": {"zh": "已提出"},
    "rejected": {"zh": "已退回"},
    "compare": {"zh": "比较"},
    "with": {"zh": "与"},
    "show the changes": {"zh": "显示改动"},
    "no changes": {"zh": "没有改动"},
    "no versions in memory": {"zh": "记忆中没有版本"},
    "the negotiation": {"zh": "协商过程"},
    "issue": {"zh": "问题"},
    "the owner's answer": {"zh": "作者的回应"},
    "accepted": {"zh": "已采纳"},
    "declined": {"zh": "未采纳"},
    "nothing recorded": {"zh": "没有记录"},
    "revised": {"zh": "已修改"},
    "edited": {"zh": "人工编辑"},
}


def translate(lang: str):
    """`t("runs")` in `lang`; `t("episode", 3)` fills the word's `{}`."""

    def t(word: str, *values: object) -> str:
        text = WORDS.get(word, {}).get(lang, word)
        if values and "{}" not in text:
            text = f"{text} {{}}"
        return text.format(*values) if values else text

    return t
