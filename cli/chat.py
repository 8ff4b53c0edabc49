"""The `room chat` loop: read a line, hand it to the chat graph (`graphs.chat`), stream the answer; slash commands
for the rest.

Reads plain lines from stdin, so a script can drive it through a pipe.
"""

from __future__ import annotations

import sys

from rich.markdown import Markdown

from agents.roles import to_markdown
from cli import views
from cli.views import console, styled
from graphs.runs import Runs
from graphs.served_runs import ServedRuns
from tools.errors import InputError, RoomError

HELP = """commands:
  @role message   ask one role (screenwriter, cultural_consultant, director, art_director, editor)
  /accept         apply the last suggestion to the artifact as a new version
  /undo           put back the version before the last /accept
  /bible /outline /pitch   show an artifact
  /memory QUERY   search the shared memory
  /status         what the run waits for
  /approve        approve the gate the run waits at and continue the run
  /reject NOTE    send the gate's artifact back with a note
  /quit           leave"""


class ChatSession:
    def __init__(self, runs: Runs | ServedRuns, run_id: str):
        self.runs = runs
        self.run_id = run_id
        self.convo = runs.chat(run_id)  # on a server, a thread of its chat graph

    def loop(self) -> None:
        console.print(styled("chatting about run [bold]{}[/] — /help for commands, /quit to leave", self.run_id))
        while True:
            try:
                line = input("you> ") if sys.stdin.isatty() else sys.stdin.readline()
            except EOFError:
                break
            except UnicodeDecodeError:
                raise InputError("the chat input is not valid UTF-8: send UTF-8 text") from None
            if not line:  # end of piped input
                break
            line = views.require_utf8(line.strip(), "the chat line")
            if not line:
                continue
            if not sys.stdin.isatty():
                console.print(f"you> {line}")
            try:
                if line.startswith("/"):
                    if self.command(line) == "quit":
                        break
                else:
                    self.ask(line)
            except (RoomError, ValueError) as exc:
                console.print(str(exc), style="red")
        console.print("bye")

    def ask(self, line: str) -> None:
        lang = self.convo.values()["lang"]
        answering = False
        try:
            for event in self.convo.ask(line):
                if event["type"] == "answering":
                    console.print(f"{views.role_title(event['role'], lang)}: ", style="bold", end="")
                    answering = True
                elif event["type"] == "chunk":
                    console.print(event["text"], end="")
        finally:  # a server failing mid-answer: its error goes on a line of its own
            if answering:
                console.print()

    def show(self, name: str) -> None:
        values = self.convo.values()
        content = values.get("artifacts", {}).get(name)
        if content is None:
            console.print(f"there is no {name} yet")
            return
        console.print(Markdown(to_markdown(name, content, values["lang"])))

    def command(self, line: str) -> str | None:
        cmd, _, arg = line.partition(" ")
        arg = arg.strip()
        if cmd in ("/quit", "/exit"):
            return "quit"
        if cmd == "/help":
            console.print(HELP)
        elif cmd in ("/bible", "/outline", "/pitch"):
            self.show(cmd[1:])
        elif cmd == "/memory":
            mem = views_memory(self.runs, self.run_id, arg)
            console.print(mem or "nothing found")
        elif cmd == "/accept":
            name, version = self.convo.accept()
            console.print(styled("[green]{} is now v{}[/] (written by its owner from your exchange)", name, version))
        elif cmd == "/undo":
            name, version = self.convo.undo()
            console.print(f"{name} put back as v{version}", style="yellow")
        elif cmd == "/status":
            view = self.runs.view(self.run_id)
            console.print(views.gate_panel(view) if view.waiting else f"run {self.run_id} is {view.state}")
        elif cmd in ("/approve", "/reject"):
            action = "approve" if cmd == "/approve" else "reject"
            events = self.runs.answer(self.run_id, action, note=arg or None)
            with views.progress() as live:
                live.show(events, self.convo.values()["lang"])
            view = self.runs.view(self.run_id)
            console.print(views.gate_panel(view) if view.waiting else f"run {self.run_id} is {view.state}")
        else:
            console.print(f"unknown command {cmd}; /help lists them")
        return None


def views_memory(runs: Runs, run_id: str, query: str) -> str:
    from graphs.room import project_memory

    if not query:
        return "usage: /memory QUERY"
    mem = project_memory(runs.ctx)
    return mem.render([h.record for h in mem.search(query, run_id=run_id, k=6)])
