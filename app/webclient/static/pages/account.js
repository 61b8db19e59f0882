// My sessions (end one, end all), security (change password), and "inside the token".
import { api } from "../api.js";
import { field, h, show } from "../dom.js";
import { explain } from "../explain.js";
import { form } from "./auth.js";

export async function sessions(main, { go, refresh }) {
  const { data } = await api("GET", "/auth/sessions");
  const problems = h("div");
  const rows = data.items.map((session) => {
    const end = h("button", { type: "button", class: "secondary", "data-session": session.id },
      session.current ? "End (sign out here)" : "End");
    end.addEventListener("click", async () => {
      try {
        await api("DELETE", `/auth/sessions/${session.id}`);
        if (session.current) go("/login"); else await refresh();
      } catch (error) {
        problems.append(explain(error));
      }
    });
    return h("tr", { class: session.current ? "current" : undefined },
      h("td", {}, session.current ? "this browser" : session.user_agent || "unknown client"),
      h("td", {}, session.ip), h("td", {}, session.created_at), h("td", {}, session.last_used_at),
      h("td", {}, end));
  });
  const endAll = h("button", { type: "button", id: "end-all" }, "End every session (sign out everywhere)");
  endAll.addEventListener("click", async () => {
    await api("POST", "/auth/logout-all");
    go("/login");
  });
  show(main, h("h1", {}, "My sessions"),
    h("p", { class: "muted" }, "Each sign-in is a session. Ending one makes its tokens stop working at once."),
    h("table", { id: "sessions" }, h("thead", {}, h("tr", {},
      ["Client", "Address", "Signed in", "Last refreshed", ""].map((title) => h("th", {}, title)))),
    h("tbody", {}, rows)), problems, endAll);
}

export async function security(main, { me, refresh }) {
  show(main, form("Change password", [
    field("Current password", "current_password", { type: "password", required: true, autocomplete: "current-password" }),
    field("New password", "new_password", { type: "password", required: true, autocomplete: "new-password" }),
  ], "Change password", async (values) => {
    await api("PUT", "/auth/password", { body: values });
    return "Password changed. Every other session of your account has ended; this one goes on.";
  }));
  if (me && "mfa_enabled" in me) main.append(...(me.mfa_enabled ? pinsOn(refresh) : pinsOff()));
}

// A second factor: a secret shared with an authenticator app, which shows a new six-digit
// pin every 30 seconds. Enrolling is two steps: the server makes the secret (shown as a QR
// code), then one pin from the app proves the app has it, and pins are on.
function pinsOff() {
  const enrolment = h("div", { id: "enrolment" });
  const start = form("One-time pins", [
    h("p", {}, "A second factor: after your password, a pin from an authenticator app."),
    field("Current password", "current_password", { type: "password", required: true, autocomplete: "current-password" }),
  ], "Set up one-time pins", async (values) => {
    const { data } = await api("POST", "/auth/mfa/totp", { body: values });
    // The QR code is an SVG document; as an <img> it is a picture only (no script runs).
    const qr = h("img", { id: "qr", alt: "QR code of the secret", width: 200, height: 200,
      src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(data.qr_svg)}` });
    show(enrolment, h("p", {}, "Scan this with your authenticator app, or type the secret:"),
      qr, h("p", {}, h("code", { id: "secret" }, data.secret)),
      form("Confirm", [field("Pin from the app", "code",
        { required: true, autocomplete: "one-time-code", inputmode: "numeric" })],
      "Turn pins on", async (pin) => {
        const confirmed = await api("POST", "/auth/mfa/totp/confirm", { body: pin });
        show(enrolment, recoveryCodes(confirmed.data.recovery_codes));
        return null;
      }));
    return null;
  });
  return [...start, enrolment];
}

function recoveryCodes(codes) {
  return h("div", { class: "ok", id: "recovery-codes" },
    h("p", {}, "One-time pins are on. Keep these recovery codes somewhere safe: each works once, " +
      "in place of a pin, if you lose your phone. They are shown only now."),
    h("ul", {}, codes.map((code) => h("li", {}, h("code", {}, code)))));
}

function proofFields() {
  return [
    field("Current password", "current_password", { type: "password", required: true, autocomplete: "current-password" }),
    field("Pin from the app (or a recovery code)", "code", { required: true, autocomplete: "one-time-code" }),
  ];
}

function proof({ current_password, code }) {
  return /^\d{6}$/.test(code) ? { current_password, code } : { current_password, recovery_code: code };
}

function pinsOn(refresh) {
  const codes = h("div");
  const renew = form("New recovery codes", proofFields(), "Make new codes", async (values) => {
    const { data } = await api("POST", "/auth/mfa/recovery-codes", { body: proof(values) });
    show(codes, recoveryCodes(data.recovery_codes));
    return null;
  });
  const off = form("Turn one-time pins off", proofFields(), "Turn pins off", async (values) => {
    await api("DELETE", "/auth/mfa/totp", { body: proof(values) });
    await refresh();
    return null;
  });
  return [h("p", { class: "ok" }, "One-time pins are on for your account."), ...renew, codes, ...off];
}

// The access token is in an HttpOnly cookie, which this page cannot read (that is the
// point). The server reads it for us: GET /auth/token-info returns its verified claims.
const CLAIMS = {
  sub: "Subject: the id of the user the token speaks for.",
  sid: "Session id: the sign-in this token belongs to. Ending the session (logout, My sessions) kills the token at once, although it has not expired.",
  role: "The role when the token was made. If an admin changes it, the server refuses this token (token_stale) until it is refreshed.",
  type: "access (sent with every request) or refresh (only to /auth/refresh, to get a new pair).",
  jti: "A unique id of this token.",
  iat: "Issued at: when the token was signed.",
  exp: "Expires at: after this the server answers 401 token_expired, and this page refreshes the cookies.",
  amr: "Authentication methods: how you proved who you are (pwd: password, otp: a one-time pin).",
  transport: "How this request carried the token: cookie (this page) or header (API clients).",
};

export async function token(main) {
  const { data } = await api("GET", "/auth/token-info");
  const list = h("dl", { class: "claims", id: "claims" });
  for (const [name, value] of Object.entries(data)) {
    const shown = ["iat", "exp"].includes(name)
      ? `${value} (${new Date(value * 1000).toISOString()})`
      : Array.isArray(value) ? value.join(", ") : String(value);
    list.append(h("dt", {}, h("code", {}, name), " = ", shown), h("dd", {}, CLAIMS[name] || ""));
  }
  show(main, h("h1", {}, "Inside the token"),
    h("p", {}, "Your access token is a signed JSON Web Token in an HttpOnly cookie: ",
      "document.cookie on this page does not show it, so no script can steal it. ",
      "These are its claims, as the server verified them:"),
    list,
    h("p", {}, "How the tokens are made, checked and refreshed: ",
      h("a", { href: "/app/auth-flow.md" }, "docs/auth-flow.md"), "."));
}
