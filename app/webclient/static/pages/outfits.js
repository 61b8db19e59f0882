// My outfits: catalogue items put together under a name. Each outfit is an object with an
// owner: the server decides, per outfit, whether you may see it (404 when not) and change it
// (403 when you may see it but not change it).
import { api } from "../api.js";
import { field, h, show } from "../dom.js";
import { explain } from "../explain.js";
import { form } from "./auth.js";

export async function list(main, { refresh }) {
  const [{ data: mine }, { data: clothes }] = await Promise.all([
    api("GET", "/outfits?limit=50"), api("GET", "/clothes?limit=50"),
  ]);
  const names = new Map(clothes.items.map((item) => [item.id, item.name]));
  const problems = h("div");
  const rows = mine.items.map((outfit) => {
    const remove = h("button", { type: "button", class: "secondary" }, "Delete");
    remove.addEventListener("click", async () => {
      try {
        await api("DELETE", `/outfits/${outfit.id}`);
        await refresh();
      } catch (error) {
        problems.append(explain(error));
      }
    });
    return h("tr", { "data-id": outfit.id },
      h("td", { class: "name" }, outfit.name), h("td", {}, outfit.visibility),
      h("td", {}, outfit.items.map((id) => names.get(id) || `item ${id}`).join(", ")),
      h("td", {}, remove));
  });
  // A new outfit: a name, who may see it, and the items (ticked from the catalogue's first page).
  const choices = h("fieldset", { id: "outfit-items" }, h("legend", {}, "Items"),
    clothes.items.map((item) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "items", value: item.id }), item.name)));
  const create = form("New outfit", [
    field("Outfit name", "name", { required: true }),
    field("Who may see it", "visibility", { options: [["private", "only me"], ["public", "everyone"]] }),
    choices,
  ], "Create outfit", async (values, element) => {
    const items = [...element.querySelectorAll("input[name=items]:checked")].map((box) => Number(box.value));
    await api("POST", "/outfits", { body: { name: values.name, visibility: values.visibility, items } });
    await refresh();
    return null;
  });
  show(main, h("h1", {}, "My outfits"),
    h("table", { id: "outfits" }, h("thead", {}, h("tr", {},
      ["Name", "Visibility", "Items", ""].map((title) => h("th", {}, title)))), h("tbody", {}, rows)),
    problems, create);
}

