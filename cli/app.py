"""`room`: the command line of the writers' room.

Commands only parse arguments, call `graphs.runs.Runs`, and render with
`cli.views`. Every `RoomError` becomes one line on stderr and its exit code
(`exit_code`: the codes are the command line's, not the errors').
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml

from agents import embedded, models
from cli import views
from cli.views import console, err, styled
from graphs import pipeline, served_runs
from graphs.context import ROLE_NAMES, STATE_DIR, Context, load_context
from graphs.errors import RunStateError, RunStopped
from graphs.room import close_all, project_memory, read_ledger, summarize_ledger
from graphs.runs import Runs, check_premise, draft_name
from graphs.served_runs import ServedRuns
from memory.errors import WriterLockedError
from tools import credentials
from tools.errors import ConfigError, InputError, ModelOutputError, ModelUnavailableError, OutputError, RoomError
from tools.files import atomic_write_json
from tools.prices import BudgetExceededError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="A writers' room of LLM agents for vertical micro-dramas.",
)
memory_app = typer.Typer(no_args_is_help=True, help="Search and list the shared memory.")
app.add_typer(memory_app, name="memory")


SERVED_COMMANDS = ("run", "status", "approve", "resume", "chat", "studio")  # what --server / ROOM_SERVER works with


class Options:
    """Global flags; they win over room.toml and the environment."""

    project_dir: Path = Path(".")
    overrides: dict = {}
    server: str | None = None  # a LangGraph server's URL: run, status, approve, resume and chat work on its runs


@app.callback()
def _global(
    invoked: typer.Context,
    project_dir: Annotated[Path, typer.Option("--project-dir", "-C", help="Project folder (default: here).")] = Path(
        "."
    ),
    model: Annotated[Optional[str], typer.Option(help="Model for every role, provider:model.")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="Base URL of an OpenAI-compatible server.")] = None,
    lang: Annotated[Optional[str], typer.Option(help="Language of the series: en or zh.")] = None,
    music: Annotated[
        Optional[Path], typer.Option(help="Music under the episodes: a file, or a folder (by mood, else in turn).")
    ] = None,
    private: Annotated[
        bool, typer.Option("--private", help="Privacy mode: refuse every backend that is not on this machine.")
    ] = False,
    server: Annotated[
        Optional[str],
        typer.Option(
            envvar="ROOM_SERVER",
            help="A LangGraph server's URL: run, status, approve, resume and chat work on its runs.",
        ),
    ] = None,
) -> None:
    Options.project_dir = project_dir
    Options.server = server or None
    if Options.server and invoked.invoked_subcommand not in SERVED_COMMANDS:
        local_only(invoked.invoked_subcommand or "")
    Options.overrides = {
        "model": model,
        "base_url": base_url,
        "lang": lang,
        "music": str(music) if music else None,
        "privacy": True if private else None,
    }


def context(**extra) -> Context:
    """Flags of the command win over global flags, which win over room.toml and the environment."""
    flags = {**Options.overrides, **{k: v for k, v in extra.items() if v is not None}}
    return load_context(Options.project_dir, flags)


def open_runs(ctx: Context, *, writer: bool = True) -> Runs | ServedRuns:
    """The runs a command works on: this project's, or with --server / ROOM_SERVER the runs a LangGraph server
    serves (the same commands, checks, output and exit codes)."""
    return ServedRuns(ctx, Options.server) if Options.server else Runs(ctx, writer=writer)


def local_only(command: str) -> None:
    """A command that works on this project's runs only."""
    if Options.server:
        raise served_runs.local_only(f"`room {command}`")


def announce_models(ctx: Context) -> None:
    """Say which model runs (and check each spec before anything starts)."""
    specs = {ctx.model_for(r) for r in ROLE_NAMES}
    for spec in specs:
        models.check_spec(spec, ctx.base_url)
    console.print(f"model: {', '.join(sorted(specs))}", style="dim")
    away = ctx.remote()
    if away:
        console.print(styled("sent off this machine: {}", "; ".join(away)), style="dim")
    hidden = sorted(spec for spec in specs if ctx.redacts_chat(spec))
    if hidden:
        console.print(styled("personal data goes as placeholders to: {}", ", ".join(hidden)), style="dim")
    if any(s.startswith("embedded:") for s in specs):
        console.print(embedded.NOTICE, style="yellow")


def drive(runs: Runs | ServedRuns, run_id: str, events, lang: str = "") -> None:
    """Show a run's events live in its language (`lang`, else the one the run was started in: a Chinese run
    resumed or approved names its roles in Chinese too), then what it waits for (or that it finished)."""
    with views.progress() as live:
        live.show(events, lang or language_of(runs, run_id))
    view = runs.view(run_id)
    if view.waiting:
        draft = runs.ctx.outputs_dir / run_id / "pending" / draft_name(view.waiting)
        atomic_write_json(draft, view.waiting["content"])
        console.print(views.gate_panel(view, str(draft)))
    elif view.state == "finished":
        console.print(styled("[green]run {} finished[/] — outputs in {}", run_id, runs.ctx.outputs_dir / run_id))
    else:
        console.print(views.stopped_line(view))
    if not pipeline.wait_all(timeout=0):  # an episode still being made while the run waits at a gate
        console.print(
            "[dim]finishing the episode being made in the background (Ctrl-C leaves it to the next command)…[/]"
        )
        pipeline.wait_all()


def language_of(runs: Runs | ServedRuns, run_id: str) -> str:
    """The language run `run_id` was started in."""
    return runs.view(run_id).values.get("lang", runs.ctx.lang)


@app.command()
def run(
    premise: Annotated[str, typer.Argument(help="What the series is about, in a sentence.")],
    episodes: Annotated[Optional[int], typer.Option(help="Episodes in the outline.", min=1)] = None,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Approve every gate automatically.")] = False,
    auto: Annotated[Optional[str], typer.Option(help="Approve these gates automatically: pitch,bible,outline.")] = None,
    round_limit: Annotated[
        Optional[int], typer.Option(help="Negotiation rounds before escalation (default 3).", min=1)
    ] = None,
    lang: Annotated[Optional[str], typer.Option(help="Language of the series: en or zh.")] = None,
    model: Annotated[Optional[str], typer.Option(help="Model for every role, provider:model.")] = None,
    budget: Annotated[
        Optional[str], typer.Option(help="Spend at most this on models: dollars (2.50) or tokens (200000tok).")
    ] = None,
) -> None:
    """Develop a series from a premise and produce its episodes; stops at each gate for your approval."""
    gates = ("all",) if auto_approve else tuple(g for g in (auto or "").split(",") if g) or None
    if Options.server:
        if model or budget or round_limit:
            raise InputError("a served run's models, budget and rounds are the server's settings (its room.toml)")
        runs = open_runs(context())
        lang = lang or Options.overrides["lang"]
        run_id, events = runs.start(premise, lang=lang, episodes=episodes, auto_approve=gates)
        console.print(styled("run [bold]{}[/] on {}", run_id, Options.server))
        drive(runs, run_id, events, lang or runs.ctx.lang)
        return
    ctx = context(episodes=episodes, auto_approve=gates, round_limit=round_limit, lang=lang, model=model, budget=budget)
    announce_models(ctx)
    runs = Runs(ctx)
    run_id, events = runs.start(premise, lang=ctx.lang, episodes=ctx.episodes)
    console.print(styled("run [bold]{}[/] · {} · {} episode(s)", run_id, ctx.lang, ctx.episodes))
    drive(runs, run_id, events, ctx.lang)


@app.command()
def status(
    run_id: Annotated[Optional[str], typer.Argument(help="A run id; all runs when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Runs of this project and what each waits for."""
    ctx = context()
    runs = open_runs(ctx, writer=False)
    if run_id:
        view = runs.view(run_id)
        totals = summarize_ledger(read_ledger(ctx, run_id))
        if as_json:
            usage = [{"role": r, "stage": s, **t} for (r, s), t in sorted(totals.items())]
            views.print_json({**view.as_json(), "usage": usage, **views.spending(totals, ctx.budget_of(view.values))})
            return
        console.print(views.gate_panel(view) if view.waiting else views.runs_table([view]))
        if view.state == "interrupted":
            console.print(views.stopped_line(view))
        if totals:
            console.print(views.ledger_table(run_id, totals))
        console.print(views.spending_line(totals, ctx.budget_of(view.values)))
        return
    all_views = [runs.view(r) for r in runs.run_ids()]
    if as_json:
        views.print_json([v.as_json() for v in all_views])
    elif not all_views:
        console.print('no runs yet: room run "premise"')
    else:
        console.print(views.runs_table(all_views))


def read_edit(path: Path, what: str = "edit file") -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {path} is not valid UTF-8 (byte {exc.start}): save it as UTF-8") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(
            f"{what} {path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {str(exc).splitlines()[0]}"
        ) from None


@app.command()
def approve(
    run_id: Annotated[str, typer.Argument(help="The run waiting at a gate.")],
    edit: Annotated[
        Optional[Path], typer.Option(help="Your version of the artifact (JSON or YAML) replaces it.")
    ] = None,
    reject: Annotated[Optional[str], typer.Option(help="Send it back with this note.")] = None,
    gate: Annotated[
        Optional[str], typer.Option(help="Answer only if the run waits at this gate (pitch, …, script, final_cut).")
    ] = None,
    episode: Annotated[Optional[int], typer.Option(help="With --gate: only at this episode's.", min=1)] = None,
    budget: Annotated[
        Optional[str], typer.Option(help="Spend at most this on models: dollars (2.50) or tokens (200000tok).")
    ] = None,
) -> None:
    """Approve what a run waits for, or replace it (--edit), or send it back (--reject)."""
    if edit and reject:
        raise InputError("use --edit or --reject, not both")
    ctx = context(budget=budget)
    runs = open_runs(ctx)
    expected = {"gate": gate, "episode": episode}
    if edit:
        events = runs.answer(run_id, "edit", content=read_edit(edit), **expected)
    elif reject is not None:
        events = runs.answer(run_id, "reject", note=reject, **expected)
    else:
        events = runs.answer(run_id, "approve", **expected)
    if not Options.server:  # a served run goes on with the server's models
        announce_models(ctx)
    drive(runs, run_id, events)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument()],
    redo: Annotated[
        Optional[str],
        typer.Option(
            help="Make this step again from scratch: pitch, bible, outline, script, shots, art, cast or produce."
        ),
    ] = None,
    episode: Annotated[
        Optional[int], typer.Option(help="With --redo: the episode whose step it is (default: the one in the works).")
    ] = None,
    budget: Annotated[
        Optional[str], typer.Option(help="Spend at most this on models: dollars (2.50) or tokens (200000tok).")
    ] = None,
) -> None:
    """Continue a run that stopped between steps (killed, crashed, stopped, out of budget), or redo one of its steps."""
    ctx = context(budget=budget)
    if redo:
        local_only("resume --redo")
    if Options.server:  # a served run goes on with the server's models
        runs = open_runs(ctx)
        drive(runs, run_id, runs.resume(run_id))
        return
    announce_models(ctx)
    runs = Runs(ctx)
    drive(runs, run_id, runs.redo(run_id, redo, episode) if redo else runs.resume(run_id))


@app.command()
def history(
    run_id: Annotated[str, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The checkpoints of a run, newest first."""
    rows = Runs(context(), writer=False).history(run_id)
    if as_json:
        views.print_json(rows)
    else:
        console.print(views.history_table(run_id, rows))


@app.command()
def rewind(
    run_id: Annotated[str, typer.Argument()],
    checkpoint: Annotated[str, typer.Argument(help="Checkpoint id (or a unique prefix).")],
) -> None:
    """Fork a run from an earlier checkpoint and continue from there."""
    ctx = context()
    announce_models(ctx)
    runs = Runs(ctx)
    checkpoint_id, fork_id, events = runs.rewind(run_id, checkpoint)
    console.print(
        styled(
            "run [bold]{}[/] forks run {} at checkpoint {}; run {} stays as it was",
            fork_id,
            run_id,
            checkpoint_id,
            run_id,
        )
    )
    drive(runs, fork_id, events, language_of(runs, run_id))


@app.command()
def chat(
    run_id: Annotated[Optional[str], typer.Argument(help="The run to talk about (default: the latest).")] = None,
) -> None:
    """Talk to the room about a run: @role to address one; /help for commands."""
    from cli.chat import ChatSession

    ctx = context()
    runs = open_runs(ctx)
    if not Options.server:  # a served chat answers with the server's models
        announce_models(ctx)
    ChatSession(runs, run_id or runs.latest()).loop()


@app.command()
def render(
    run_id: Annotated[str, typer.Argument()],
    episode: Annotated[int, typer.Option(help="Episode number.", min=1)] = 1,
    script: Annotated[Optional[Path], typer.Option(help="A changed script (JSON or YAML) for the episode.")] = None,
) -> None:
    """Re-render an episode: only changed lines are re-synthesised, only changed frames redrawn."""
    _render(run_id, episode, script=read_edit(script, "script file") if script else None)


@app.command()
def redraw(
    run_id: Annotated[str, typer.Argument()],
    shot: Annotated[str, typer.Option(help="The shot's id, as in the episode's shots.json.")],
    episode: Annotated[int, typer.Option(help="Episode number.", min=1)] = 1,
    prompt: Annotated[Optional[str], typer.Option(help="A new prompt for the shot.")] = None,
    seed: Annotated[
        Optional[int], typer.Option(help="A seed of its own (default: a new one).", min=0, max=2**31 - 1)
    ] = None,
) -> None:
    """Redraw one shot of a produced episode, and re-encode only the video segments it is in."""
    from agents.production import Redraw

    _render(run_id, episode, redraw=Redraw(shot=shot, prompt=prompt, seed=seed))


@app.command()
def revoice(
    run_id: Annotated[str, typer.Argument()],
    line: Annotated[str, typer.Option(help='The line, as "scene:index" (its audio is audio/sSS_lII.wav).')],
    episode: Annotated[int, typer.Option(help="Episode number.", min=1)] = 1,
    voice: Annotated[
        Optional[str], typer.Option(help="Another voice: one the backend offers, or backend:voice.")
    ] = None,
    pitch: Annotated[Optional[float], typer.Option(help="Semitones up or down.")] = None,
    rate: Annotated[Optional[float], typer.Option(help="Speaking rate (1.0 is the voice's own).")] = None,
) -> None:
    """Speak one line of a produced episode again (another voice, pitch or rate), and re-encode only what it is in."""
    from agents.production import Revoice

    if voice is None and pitch is None and rate is None:
        raise InputError("say how the line should sound: --voice, --pitch or --rate")
    _render(run_id, episode, revoice=Revoice(line=line, voice=voice, pitch=pitch, rate=rate))


def _render(run_id: str, episode: int, **change) -> None:
    runs = Runs(context())
    with views.progress() as live:
        live.status.update(f"rendering episode {episode}…")
        produced = runs.render(run_id, episode, progress=live.advance, **change)
    console.print(
        styled(
            "[green]episode {}[/]: {} · {:.1f} s · {} line(s) synthesised, {} frame(s) drawn, "
            "{} of {} video segment(s) encoded",
            episode,
            produced.video,
            produced.duration,
            produced.synthesized,
            produced.rendered_frames,
            produced.encoded_segments,
            produced.segments,
        ),
        soft_wrap=True,
    )
    console.print(styled("[dim]{}[/]", credentials.describe(Path(produced.video))), soft_wrap=True)


@app.command()
def cast(
    run_id: Annotated[str, typer.Argument()],
    character: Annotated[Optional[str], typer.Argument(help="A character to recast.")] = None,
    voice: Annotated[
        Optional[str], typer.Argument(help="Their new voice: one the backend offers, or backend:voice.")
    ] = None,
    pitch: Annotated[Optional[float], typer.Option(help="Semitones up or down (default 0).")] = None,
    rate: Annotated[Optional[float], typer.Option(help="Speaking rate (default 1.0).")] = None,
) -> None:
    """Hear each character's voice (a sample file each), or give one character another voice."""
    if character is not None and voice is None:
        raise InputError("name the voice too: room cast RUN CHARACTER VOICE (room cast RUN lists the voices)")
    settings = {k: v for k, v in {"pitch": pitch, "rate": rate}.items() if v is not None}
    runs = Runs(context())
    with views.progress() as live:
        live.status.update("speaking the samples…")
        heard, offered = runs.cast(run_id, character, voice, **settings)
    console.print(views.cast_table(run_id, heard))
    for backend, names in offered.items():
        console.print(styled("[dim]{} voices:[/] {}", backend, ", ".join(names)), soft_wrap=True)
    if character is not None:
        console.print(styled("[green]{} recast[/]: the next `room render` re-voices their lines only", character))


@app.command()
def look(
    run_id: Annotated[str, typer.Argument()],
    character: Annotated[str, typer.Argument(help="A character of the bible.")],
    image: Annotated[Optional[Path], typer.Argument(help="A PNG or JPEG to draw them from.")] = None,
) -> None:
    """Show a character's reference image, or give them one: the next render redraws only their shots from it."""
    shown = Runs(context()).look(run_id, character, image)
    if not shown:
        console.print(styled("{}: [dim]no reference image: drawn from the visual sheet[/]", character))
        return
    console.print(styled("{}: {} [dim](from {})[/]", character, shown["image"], shown["from"]), soft_wrap=True)
    if image is not None:
        console.print(
            styled("[green]{} has a reference[/]: the next `room render` redraws their shots only", character)
        )


@app.command()
def export(
    run_id: Annotated[str, typer.Argument()],
    to: Annotated[Path, typer.Option("--to", help="Folder to copy the exports into.")],
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: fountain,srt,otio,otioz,mp4,json,md,png or all.")
    ] = "all",
    episode: Annotated[Optional[int], typer.Option(help="Only this episode.")] = None,
) -> None:
    """Copy a run's exports (screenplay, subtitles, timeline, video, ...) into a folder; a timeline goes with its
    frames, audio and music, referenced relative to it, so the folder opens on another machine."""
    from tools.export import EXPORT_FORMATS, copy_exports

    wanted = set(EXPORT_FORMATS) if formats == "all" else {f.strip() for f in formats.split(",") if f.strip()}
    unknown = sorted(wanted - set(EXPORT_FORMATS))
    if unknown:
        raise InputError(f"unknown export format(s) {', '.join(unknown)}; use {', '.join(EXPORT_FORMATS)} or all")
    ctx = context()
    Runs(ctx, writer=False).view(run_id)
    copied = copy_exports(ctx.outputs_dir / run_id, to, wanted, episode)
    for path in copied:
        console.print(f"  {path}")
    console.print(f"{len(copied)} file(s) exported to {to}")


@app.command()
def estimate(
    premise: Annotated[str, typer.Argument(help="What the series is about (nothing is generated).")],
    episodes: Annotated[Optional[int], typer.Option(help="Episodes in the outline.", min=1)] = None,
    model: Annotated[Optional[str], typer.Option(help="Model for every role, provider:model.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Predict a run's calls, tokens, cost and time before anything is generated (from earlier runs' ledger)."""
    from graphs.estimate import estimate as predict

    ctx = context(episodes=episodes, model=model)
    check_premise(premise)
    guess = predict(ctx, ctx.episodes)
    if as_json:
        views.print_json(guess.as_json())
    else:
        console.print(views.estimate_panel(guess))


@app.command()
def studio(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    token: Annotated[
        Optional[str], typer.Option(envvar="ROOM_STUDIO_TOKEN", help="Access token (default: a new one).")
    ] = None,
) -> None:
    """Open the studio, the room as a web app, for this project (or with --server, a server's runs); the URL with
    its token is printed."""
    from cli.studio.serve import serve

    serve(open_runs(context()), host=host, port=port, token=token)


@app.command()
def report(run_id: Annotated[str, typer.Argument(help="The run to report on.")]) -> None:
    """Write the run's report (emotional arc, ledger, decisions, frames) as one HTML file that opens offline."""
    from cli.studio.report import write_report

    ctx = context()
    path = write_report(ctx, Runs(ctx, writer=False).view(run_id))
    console.print(str(path), soft_wrap=True)


@memory_app.command("search")
def memory_search(
    query: Annotated[str, typer.Argument()],
    run_id: Annotated[Optional[str], typer.Option("--run", help="Only this run.")] = None,
    kind: Annotated[Optional[str], typer.Option(help="Only this kind.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many.", min=1)] = 8,
) -> None:
    """Search the shared memory by meaning."""
    mem = project_memory(context(), writer=False)
    hits = mem.search(query, run_id=run_id, kinds=kind, k=k)
    for hit in hits:
        console.print(*views.record_lines(hit.record, styled("[bold]{:.2f}[/] ", hit.score), "", 300))
    if not hits:
        console.print("nothing found")


@memory_app.command("list")
def memory_list(
    kind: Annotated[Optional[str], typer.Option(help="Only this kind.")] = None,
    run_id: Annotated[Optional[str], typer.Option("--run", help="Only this run.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.", min=1)] = 50,
) -> None:
    """List memory records with their provenance."""
    records = project_memory(context(), writer=False).list(run_id=run_id, kind=kind, limit=limit)
    for r in records:
        console.print(*views.record_lines(r, "", styled(" · [dim]{}[/]", r.id), 200))
    if not records:
        console.print("no records")


def usage_error(exc: typer.TyperException) -> str:
    """Click's usage message as one line, with where to look for the right usage."""
    command = getattr(getattr(exc, "ctx", None), "command_path", None) or "room"
    return f"{' '.join(exc.format_message().split())} (see `{command} --help`)"


# Each error's exit code, the most specific class first; a subclass takes its base's
# (UnknownModelError and KeyRefusedError 3, ArtifactError 4), any other RoomError 1.
EXIT_CODES: tuple[tuple[type[RoomError], int], ...] = (
    (ConfigError, 3),
    (ModelUnavailableError, 4),
    (ModelOutputError, 4),
    (RunStateError, 5),
    (InputError, 6),
    (WriterLockedError, 7),
    (OutputError, 8),
    (BudgetExceededError, 9),
)


def exit_code(exc: RoomError) -> int:
    """The exit code `room` ends with for `exc` (the README's "Exit codes")."""
    if isinstance(exc, RunStopped):
        return 128 + exc.signum  # as a shell reports a process a signal ended: 130 for Ctrl-C, 143 for SIGTERM
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), 1)


def main() -> None:
    try:
        for arg in sys.argv[1:]:  # a premise from a Latin-1 file stops here, not deep in a run
            views.require_utf8(arg, "the argument")
        app(standalone_mode=False, prog_name="room")
    except RunStopped as exc:
        err.print(str(exc), style="yellow", soft_wrap=True)
        sys.exit(exit_code(exc))
    except RoomError as exc:
        err.print(styled("[red]error:[/] {}", exc), soft_wrap=True)
        sys.exit(exit_code(exc))
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("interrupted: finished steps are saved; continue with `room resume RUN`")
        sys.exit(130)
    except typer.TyperException as exc:  # usage: an unknown flag or command, a missing or malformed argument
        if type(exc).__name__ != "NoArgsIsHelpError":  # that one is the help itself, already shown
            err.print(styled("[red]error:[/] {}", usage_error(exc)), soft_wrap=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: one line for the person, the traceback in a file for us
        log = Options.project_dir / STATE_DIR / "error.log"
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(traceback.format_exc(), encoding="utf-8")
        except OSError:
            log = None
        err.print(
            styled("[red]internal error:[/] {}: {}", type(exc).__name__, exc) + (f" (details in {log})" if log else ""),
            soft_wrap=True,
        )
        sys.exit(1)
    finally:
        close_all()
