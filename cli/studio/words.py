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
    # the report page (report.html, `room report`)
    "emotional arc": {"zh": "情绪曲线"},
    "beat intensity": {"zh": "节拍强度"},
    "intensity": {"zh": "强度"},
    "hook": {"zh": "开场钩子"},
    "cliffhanger": {"zh": "结尾悬念"},
    "beats": {"zh": "节拍"},
    "title": {"zh": "标题"},
    "ledger": {"zh": "用量账本"},
    "by role": {"zh": "按角色"},
    "by stage": {"zh": "按阶段"},
    "role": {"zh": "角色"},
    "stage": {"zh": "阶段"},
    "total": {"zh": "合计"},
    "tokens in": {"zh": "输入令牌"},
    "tokens out": {"zh": "输出令牌"},
    "no price table yet: cost is not estimated": {"zh": "尚无价格表：费用暂不估算"},
    "no model calls yet": {"zh": "还没有模型调用"},
    "decisions": {"zh": "决策记录"},
    "no decisions yet": {"zh": "还没有决策"},
    "when": {"zh": "时间"},
    "action": {"zh": "决定"},
    "by": {"zh": "决定者"},
    "version": {"zh": "版本"},
    "rounds": {"zh": "轮次"},
    "note": {"zh": "备注"},
    "approve": {"zh": "通过"},
    "edit": {"zh": "修改"},
    "reject": {"zh": "退回"},
    "human": {"zh": "人工"},
    "auto": {"zh": "自动"},
    "no outline yet": {"zh": "还没有大纲"},
    "video": {"zh": "视频"},
    "frame": {"zh": "画面"},
    "not rendered yet": {"zh": "尚未渲染"},
}


def translate(lang: str):
    """`t("runs")` in `lang`; `t("episode", 3)` fills the word's `{}`."""

    def t(word: str, *values: object) -> str:
        text = WORDS.get(word, {}).get(lang, word)
        if values and "{}" not in text:
            text = f"{text} {{}}"
        return text.format(*values) if values else text

    return t
