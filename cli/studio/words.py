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
    # the episode page
    "final cut": {"zh": "成片审批"},
    "approve": {"zh": "通过"},
    "reject": {"zh": "退回"},
    "what to change": {"zh": "需要修改的地方"},
    "no video yet": {"zh": "还没有视频"},
    "cast": {"zh": "配音演员"},
    "character": {"zh": "角色"},
    "voice": {"zh": "声音"},
    "new voice": {"zh": "新的声音"},
    "recast and re-render": {"zh": "换声音并重新渲染"},
    "a line is re-voiced by recasting its character: the re-render speaks only their lines again": {
        "zh": "要重新配一句台词，请给该角色换声音：重新渲染只会重配该角色的台词"
    },
    "files": {"zh": "文件"},
    "storyboard": {"zh": "分镜"},
    "shot": {"zh": "镜头"},
    "scene": {"zh": "场"},
    "characters": {"zh": "人物"},
    "location": {"zh": "场景"},
    "prompt": {"zh": "提示词"},
    "duration": {"zh": "时长"},
    "seed": {"zh": "种子"},
    "the characters' own": {"zh": "沿用角色的种子"},
    "redraw": {"zh": "重画"},
    "new prompt (optional)": {"zh": "新的提示词（可选）"},
    "seed (optional)": {"zh": "种子（可选）"},
    "script": {"zh": "剧本"},
    "lines": {"zh": "台词"},
    "time": {"zh": "时间"},
    "line": {"zh": "台词"},
    "audio": {"zh": "音频"},
    "subtitles": {"zh": "字幕"},
}


def translate(lang: str):
    """`t("runs")` in `lang`; `t("episode", 3)` fills the word's `{}`."""

    def t(word: str, *values: object) -> str:
        text = WORDS.get(word, {}).get(lang, word)
        if values and "{}" not in text:
            text = f"{text} {{}}"
        return text.format(*values) if values else text

    return t
