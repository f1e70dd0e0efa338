// The cosmolab explorer's only script: copy buttons, and the live request log.
// Everything a record contains is inserted with textContent, never as HTML: resource links and
// deny reasons come from clients and must not become markup.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(
    () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); },
    () => { button.textContent = "Select and copy"; });
});

// A form with data-confirm (deleting, regenerating a key) asks first.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function statusClass(code) {
  if (code === 401 || code === 403) return "status-denied";
  return code < 400 ? "status-allowed" : "status-other";
}

function appendEntry(body, entry) {
  const row = document.createElement("tr");
  const denied = entry.statusCode === 401 || entry.statusCode === 403;
  if (denied) row.className = "denied";
  row.dataset.status = String(entry.statusCode);
  cell(row, entry.time.replace("T", " ").replace("Z", ""));
  cell(row, entry.caller);
  cell(row, entry.operation + " " + (entry.resourceLink || "/"));
  const verdict = cell(row, (denied ? "denied " : "") + entry.statusCode, statusClass(entry.statusCode));
  if (denied) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "why";
    details.appendChild(summary);
    const reason = document.createElement("p");
    reason.className = "deny-reason";
    reason.textContent = entry.denyReason || "no reason recorded";
    details.appendChild(reason);
    const concept = document.createElement("p");
    concept.className = "concept muted";
    concept.textContent = entry.concept || "";
    details.appendChild(concept);
    verdict.appendChild(details);
  }
  body.insertBefore(row, body.firstChild);
  while (body.rows.length > 500) body.deleteRow(body.rows.length - 1);
}

function startLiveLog() {
  const table = document.getElementById("live-log");
  if (!table) return;
  const body = table.tBodies[0];
  const state = document.getElementById("live-state");
  const source = new EventSource(table.dataset.src);
  source.addEventListener("open", () => { state.textContent = "live: connected"; });
  source.addEventListener("error", () => { state.textContent = "live: reconnecting…"; });
  source.addEventListener("request", (event) => appendEntry(body, JSON.parse(event.data)));
  source.addEventListener("skipped", (event) => {
    state.textContent = "live: " + event.data + " request(s) went by too fast to show";
  });
}

document.addEventListener("DOMContentLoaded", startLiveLog);
