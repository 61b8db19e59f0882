// The router: which page to show, from the path and the fragment (#/catalogue, #/login...).
// Mailed links open /reset-password#token=... and /verify-email#token=..., the same page.
import { api, signedIn } from "./api.js";
import { h, show } from "./dom.js";
import { explain } from "./explain.js";
import * as auth from "./pages/auth.js";
import * as catalogue from "./pages/catalogue.js";
import * as account from "./pages/account.js";
import * as outfits from "./pages/outfits.js";

const PAGES = {
  "/login": auth.login,
  "/register": auth.register,
  "/forgot": auth.forgot,
  "/catalogue": catalogue.list,
  "/item": catalogue.editor,
  "/outfits": outfits.list,
  "/sessions": account.sessions,
  "/security": account.security,
  "/token": account.token,
};
const PATH_PAGES = { "/reset-password": auth.reset, "/verify-email": auth.verify };

export const state = { me: null };

/** Go to a page of the client, e.g. go("/catalogue"). */
export function go(route) {
  if (location.pathname !== "/app/") location.assign(`/app/#${route}`);
  else if (location.hash === `#${route}`) render();
  else location.hash = route;
}

async function loadMe() {
  state.me = null;
  if (!signedIn()) return;
  try {
    state.me = (await api("GET", "/auth/me")).data;
  } catch {
    state.me = null; // an ended session: the pages ask to sign in
  }
}

function navigation(route) {
  const links = state.me
    ? [["/catalogue", "Catalogue"], ["/outfits", "My outfits"], ["/sessions", "My sessions"],
       ["/security", "Security"],
       ["/token", "Inside the token"]]
    : [["/login", "Sign in"], ["/register", "Register"], ["/catalogue", "Catalogue"]];
  if (state.me?.role === "admin") links.splice(1, 0, ["/item/new", "New item"]);
  const nav = links.map(([to, text]) =>
    h("a", { href: `/app/#${to}`, class: route.startsWith(to) ? "active" : undefined }, text));
  if (state.me) {
    nav.push(h("a", { href: "/app/#/login", id: "sign-out", onclick: signOut }, "Sign out"));
  }
  show(document.getElementById("nav"), nav);
  document.getElementById("who").textContent = state.me
    ? `${state.me.email} (${state.me.role})` : "not signed in";
}

async function signOut(event) {
  event.preventDefault();
  try { await api("POST", "/auth/logout"); } catch { /* already ended */ }
  go("/login");
}

// A page is built in a container of its own and shown only if no newer navigation started
// meanwhile: a slow answer for the page you left never covers the page you are on.
let renders = 0;

export async function render() {
  const generation = ++renders;
  const current = () => generation === renders;
  const main = document.getElementById("main");
  const view = h("div", { class: "view" });
  const pathPage = PATH_PAGES[location.pathname];
  const route = location.hash.replace(/^#/, "") || (signedIn() ? "/catalogue" : "/login");
  await loadMe();
  if (!current()) return;
  navigation(pathPage ? "" : route);
  const [, first, ...rest] = route.split("/");
  const page = pathPage || PAGES[`/${first}`];
  if (!page) return show(main, h("h1", {}, "No such page"));
  try {
    await page(view, { params: rest, me: state.me, go, refresh: render });
  } catch (error) {
    show(view, explain(error));
  }
  if (current()) show(main, view);
}

window.addEventListener("hashchange", render);
render();
