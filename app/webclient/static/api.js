// Talking to the API from a browser, the cookie way.
//
// Signing in with {"transport": "cookie"} makes the server set the tokens as HttpOnly
// cookies: this script never sees them (document.cookie does not list them), so a script
// injected into the page could not steal them either. The browser sends them by itself.
//
// Cookies are sent with any request, also one that another site makes the browser send,
// so the server asks every POST, PUT, PATCH and DELETE to repeat the CSRF token in the
// X-CSRF-Token header. The token is in a cookie this page CAN read (wardrobe_csrf); another
// site cannot read our cookies, so it cannot copy it.

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)wardrobe_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function signedIn() {
  return csrfToken() !== "";
}

/** One request: JSON in, JSON out; an error answer becomes an ApiError with the problem. */
export async function api(method, path, { body, headers = {}, retry = true } = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (UNSAFE.has(method) && csrfToken()) init.headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.ok) return { data, response };
  // The access token lives 15 minutes: when it has expired, trade the refresh cookie for
  // new cookies once, then repeat the request.
  if (response.status === 401 && data?.code === "token_expired" && retry && path !== "/auth/refresh") {
    await api("POST", "/auth/refresh", { retry: false });
    return api(method, path, { body, headers, retry: false });
  }
  throw new ApiError(response.status, data || { title: response.statusText });
}
