// Why did the server say no? Three different questions can fail, and the answer shows which:
//
//   401  who are you?             no token, or one the server no longer accepts
//   403  what may you do?         you are known, but your role does not allow this
//   404  may you touch this one?  the object does not exist, or is not yours to see
//
// Each answer is a problem document; its `code` says exactly what happened.
import { h } from "./dom.js";

const QUESTIONS = {
  401: ["who-are-you", "Who are you? The server could not tell.",
        "The request carried no valid session (it is missing, expired or ended). Sign in again."],
  403: ["what-may-you-do", "What may you do? Not this.",
        "The server knows who you are, but this is not allowed to you."],
  404: ["may-you-touch-this", "May you touch this object? No such object for you.",
        "It does not exist, or it belongs to someone else: the answer is the same on purpose."],
};

const CODES = {
  csrf_failed: "The request did not prove it came from this page (no matching X-CSRF-Token).",
  forbidden: "Your role does not allow this action.",
  token_stale: "Your role changed since you signed in; the page refreshes your token.",
  token_revoked: "This session was ended (logout, password change, or ended from another device).",
  refresh_reused: "An old refresh token was replayed, so the whole session was ended.",
  precondition_failed: "Someone changed this item since you loaded it (If-Match did not match).",
};

/** A box saying which question failed and why, from an ApiError (or any Error). */
export function explain(error) {
  const problem = error.problem || { title: String(error.message || error) };
  const [kind, question, meaning] = QUESTIONS[error.status] || ["other", problem.title || "Error", ""];
  const box = h("div", { class: `problem ${kind}`, role: "alert", "data-status": error.status || "" },
    h("h2", {}, error.status ? `${error.status} — ${question}` : question),
    meaning && h("p", {}, meaning),
    problem.code && h("p", {}, "Code: ", h("code", {}, problem.code), CODES[problem.code] ? ` — ${CODES[problem.code]}` : ""),
    problem.detail && h("p", { class: "muted" }, problem.detail),
  );
  for (const [name, messages] of Object.entries(problem.errors || {})) {
    box.append(h("p", {}, h("code", {}, name), ": ", [].concat(messages).join(" ")));
  }
  return box;
}
