// The studio's own script: a run's events pushed from the server (Server-Sent Events), drawn as they come.
// Model text is only ever set as textContent: never markup.
"use strict";

function line(log, cls, text) {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = text;
  log.appendChild(li);
  li.scrollIntoView({ block: "nearest" });
  return li;
}

function bar(bars, step, done, total) {
  let row = bars.querySelector(`[data-step="${CSS.escape(step)}"]`);
  if (!row) {
    row = document.createElement("div");
    row.className = "bar";
    row.dataset.step = step;
    const label = document.createElement("span");
    const meter = document.createElement("progress");
    row.append(label, meter);
    bars.appendChild(row);
  }
  row.querySelector("span").textContent = `${step} ${done}/${total}`;
  const meter = row.querySelector("progress");
  meter.max = total || 1;
  meter.value = done;
}

function describe(e) {
  switch (e.type) {
    case "speak": return [`speak`, `● ${e.role} ${e.action} ${e.artifact} (round ${e.round})`];
    case "verdict": return [`verdict ${e.verdict}`, `  ${e.role}: ${e.verdict}${e.issues ? `, ${e.issues} issue(s)` : ""} — ${e.summary || ""}`];
    case "outcome": return [`outcome`, `→ ${e.artifact}: ${e.status} after ${e.rounds} round(s)` + (e.stalled ? " (its revision fixed none of the room's checks' findings)" : "")];
    case "decision": return [`decision`, `◆ ${e.artifact} v${e.version}: ${e.action} (${e.by})`];
    case "rendered": return [`rendered`, `▶ episode ${e.episode}: ${e.duration} s` + (e.segments === undefined ? "" :
      ` · ${e.frames} frame(s) drawn, ${e.lines} line(s) spoken, ${e.segments} of ${e.of} segment(s) encoded`)];
    case "producing": return [`rendered`, `▶ episode ${e.episode} is being made in the background; the room writes on`];
    case "scrubbed": return [`outcome`, `↺ ${e.role}: copied or markup, taken out of the ${e.artifact}: ${(e.fields || []).join(", ")}`];
    case "stand_in": return [`verdict revise`, `⚠ ${e.role}: no usable ${e.artifact} (${(e.reason || "").slice(0, 160)}); its frames are drawn from the shot list`];
    case "kept": return [`decision`, `✓ episode ${e.episode} made again: kept your ` +
      [...(e.shots || []).map(s => `shot ${s}`), ...(e.lines || []).map(k => `line ${k}`)].join(", ")];
    case "working": return [`working`, `…`];
    case "answering": return [`speak`, `● ${e.role} answers in chat`];
    case "changed": return [`decision`, `◆ ${e.artifact} v${e.version}: ${e.action} (chat)`];
    case "error": return [`error`, e.message];
    case "done": return [`done`, e.gate ? `waiting at ${e.gate}` : e.state];
    default: return [e.type || "event", JSON.stringify(e)];
  }
}

function watch(section) {
  const log = section.querySelector(".log");
  const bars = section.querySelector(".bars");
  const source = new EventSource(section.dataset.events);
  source.onmessage = (message) => {
    const e = JSON.parse(message.data);
    if (e.type === "progress") { bar(bars, e.step, e.done, e.total); return; }
    if (e.type === "chunk") { return; }
    const [cls, text] = describe(e);
    line(log, cls, text);
    if (e.type === "done") {
      section.dataset.done = e.state;
      // a drive that ended after this page was drawn: draw the page again (its state, its gate)
      // (data-on-done: the page asked only for events after it was drawn; data-reload: every event, and `seen`)
      const after = "onDone" in section.dataset || Number(message.lastEventId) > Number(section.dataset.seen || 0);
      if (("reload" in section.dataset || "onDone" in section.dataset) && after) {
        window.setTimeout(() => window.location.reload(), 300);
      }
    }
  };
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-events]").forEach(watch);
});
