// The chat page: a line posted in the background, the answer's chunks pushed from the server (Server-Sent Events)
// and appended as they come. Model text is only ever set as textContent: never markup.
"use strict";

function chatTurn(turns, you, message) {
  const li = document.createElement("li");
  li.className = "turn";
  for (const [cls, who, text] of [["you", you, message], ["answer", "…", ""]]) {
    const p = document.createElement("p");
    p.className = cls;
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who;
    const said = document.createElement("span");
    said.className = "text";
    said.textContent = text;
    p.append(name, said);
    li.appendChild(p);
  }
  turns.appendChild(li);
  document.querySelector("[data-testid=no-turns]")?.remove();
  li.scrollIntoView({ block: "nearest" });
  return li;
}

function chat(section) {
  const turns = section.querySelector(".turns");
  const status = section.querySelector(".status");
  const error = document.querySelector("[data-testid=chat-error]");
  const target = document.querySelector("[data-testid=target]");
  const forms = document.querySelectorAll("form[data-chat-form]");
  const words = section.dataset;
  let pending = null; // the turn whose answer is coming

  function busy(on) {
    section.dataset.busy = on ? "1" : "";
    forms.forEach((form) => form.querySelectorAll("button").forEach((b) => { b.disabled = on; }));
  }
  busy(Boolean(section.dataset.busy));

  const source = new EventSource(section.dataset.chatEvents);
  source.onmessage = (message) => {
    const e = JSON.parse(message.data);
    switch (e.type) {
      case "working":
        busy(true);
        status.textContent = words.wordWorking;
        break;
      case "answering":
        pending = pending || chatTurn(turns, words.wordYou, "");
        pending.querySelector(".answer .who").textContent = e.role;
        break;
      case "chunk":
        pending = pending || chatTurn(turns, words.wordYou, "");
        pending.querySelector(".answer .text").textContent += e.text;
        break;
      case "changed":
        status.textContent = `${e.artifact} ${e.action === "undo" ? words.wordUndone : words.wordAccepted} v${e.version}`;
        target.textContent = `${e.artifact} v${e.version}`;
        break;
      case "error":
        error.textContent = e.message;
        break;
      case "done":
        if (status.textContent === words.wordWorking) { status.textContent = ""; }
        pending = null;
        busy(false);
        section.dataset.done = String(Number(section.dataset.done || 0) + 1);
        break;
      default:
        break;
    }
  };

  forms.forEach((form) => form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    error.textContent = "";
    const line = form.querySelector("[name=line]");
    const mine = line ? chatTurn(turns, words.wordYou, line.value.trim()) : null; // the answer's chunks go here
    if (mine) { pending = mine; }
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "text/plain" },
      redirect: "manual",
    });
    if (response.type !== "opaqueredirect" && !response.ok) {
      if (mine) {
        mine.remove();
        if (pending === mine) { pending = null; }
      }
      error.textContent = await response.text(); // one line; what was typed stays in the form
      return;
    }
    if (line) { line.value = ""; }
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-chat-events]").forEach(chat);
});
