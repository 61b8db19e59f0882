// Register, sign in (password, then the one-time pin when the account has one), forgotten
// password, and the pages the mailed links open.
import { api, ApiError } from "../api.js";
import { field, formValues, h, show } from "../dom.js";
import { explain } from "../explain.js";

/** A form that calls `submit(values)` and shows the answer, or why it failed, below it. */
export function form(title, fields, button, submit) {
  const result = h("div", { class: "result" });
  const element = h("form", {}, fields, h("button", { type: "submit" }, button));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren();
    try {
      const message = await submit(formValues(element), element);
      if (message) result.append(h("div", { class: "ok", role: "status" }, message));
    } catch (error) {
      result.append(explain(error));
    }
  });
  return [h("h1", {}, title), element, result];
}

export async function login(main, { go }) {
  show(main, form("Sign in", [
    field("Email", "email", { type: "email", required: true, autocomplete: "username" }),
    field("Password", "password", { type: "password", required: true, autocomplete: "current-password" }),
  ], "Sign in", async (values) => {
    // "transport": "cookie": the tokens arrive as HttpOnly cookies, not in this answer.
    try {
      await api("POST", "/auth/login", { body: { ...values, transport: "cookie" } });
    } catch (error) {
      // Right password, one-time pins on: 401 mfa_required carries a short-lived mfa_token
      // for the second step (no session exists yet).
      if (error.problem?.code !== "mfa_required") throw error;
      return secondStep(main, error.problem.mfa_token, go);
    }
    go("/catalogue");
    return null;
  }), h("p", {}, h("a", { href: "/app/#/forgot" }, "Forgot your password?")));
}

// The second step of a login with a one-time pin: the first step's short-lived token and
// the six digits of the authenticator app (or a recovery code).
function secondStep(main, mfaToken, go) {
  show(main, form("One-time pin", [
    field("Code from your authenticator app (or a recovery code)", "code",
      { required: true, autocomplete: "one-time-code", inputmode: "numeric" }),
  ], "Verify", async ({ code }) => {
    const body = { mfa_token: mfaToken, transport: "cookie" };
    if (/^\d{6}$/.test(code)) body.code = code; else body.recovery_code = code;
    await api("POST", "/auth/login/mfa", { body });
    go("/catalogue");
    return null;
  }));
  return null;
}

export async function register(main, { go }) {
  show(main, form("Register", [
    field("Email", "email", { type: "email", required: true, autocomplete: "username" }),
    field("Name (optional)", "name", { autocomplete: "name" }),
    field("Password (8 to 128 characters)", "password", { type: "password", required: true, autocomplete: "new-password" }),
  ], "Create account", async (values) => {
    await api("POST", "/auth/register", { body: values });
    await api("POST", "/auth/login", { body: { email: values.email, password: values.password, transport: "cookie" } });
    go("/catalogue");
    return null;
  }));
}

export async function forgot(main) {
  show(main, form("Forgotten password", [
    field("Email", "email", { type: "email", required: true }),
  ], "Mail me a link", async (values) => {
    const { data } = await api("POST", "/auth/password-reset", { body: values });
    return data.detail;
  }));
}

function tokenFromFragment() {
  return new URLSearchParams(location.hash.replace(/^#/, "")).get("token") || "";
}

export async function reset(main) {
  const token = tokenFromFragment();
  show(main, form("Choose a new password", [
    field("New password", "new_password", { type: "password", required: true, autocomplete: "new-password" }),
  ], "Set password", async (values) => {
    await api("POST", "/auth/password-reset/confirm", { body: { ...values, token } });
    main.append(h("p", {}, h("a", { href: "/app/#/login", id: "to-login" }, "Sign in with it")));
    return "Your password is set, and every session of your account has ended.";
  }));
}

export async function verify(main) {
  try {
    await api("POST", "/auth/verify-email", { body: { token: tokenFromFragment() } });
    show(main, h("h1", {}, "Email confirmed"), h("p", {}, h("a", { href: "/app/#/login" }, "Sign in")));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    show(main, h("h1", {}, "This link does not work"), explain(error));
  }
}
