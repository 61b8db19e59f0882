// The catalogue (filters, sort, next page) and, for admins, the item editor.
// Every value from the API is shown with textContent (dom.js): never as HTML.
import { api } from "../api.js";
import { field, formValues, h, show } from "../dom.js";
import { explain } from "../explain.js";
import { form } from "./auth.js";

const CATEGORIES = ["tops", "bottoms", "dresses", "outerwear", "shoes", "accessories"];
const SIZES = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"];
const SORTS = [["id", "Oldest first"], ["-created_at", "Newest first"], ["name", "Name"],
  ["price", "Price, low to high"], ["-price", "Price, high to low"]];
const choices = (values, any) => [["", any], ...values.map((value) => [value, value])];
const PAGE_SIZE = 10;

export async function list(main, { me }) {
  const filters = h("form", { class: "inline", id: "filters" },
    field("Name contains", "q", { type: "search" }),
    field("Category", "category", { options: choices(CATEGORIES, "any") }),
    field("Size", "size", { options: choices(SIZES, "any") }),
    field("Sort", "sort", { options: SORTS }),
    h("button", { type: "submit" }, "Show"));
  const rows = h("tbody");
  const status = h("p", { class: "muted", id: "page-status" });
  const more = h("button", { type: "button", class: "secondary", id: "next-page", hidden: true }, "Next page");
  const problems = h("div");
  let cursor = null;
  let shown = 0;

  async function load(reset) {
    problems.replaceChildren();
    const query = new URLSearchParams({ ...formValues(filters), limit: PAGE_SIZE });
    if (!reset && cursor) query.set("cursor", cursor);
    try {
      const { data } = await api("GET", `/clothes?${query}`);
      if (reset) { rows.replaceChildren(); shown = 0; }
      rows.append(...data.items.map((item) => row(item, me)));
      shown += data.items.length;
      cursor = data.next_cursor;
      more.hidden = !cursor;
      status.textContent = `${shown} item(s) shown${cursor ? ", more to come" : ""}.`;
    } catch (error) {
      problems.append(explain(error));
    }
  }
  filters.addEventListener("submit", (event) => { event.preventDefault(); load(true); });
  more.addEventListener("click", () => load(false));
  show(main, h("h1", {}, "Catalogue"), filters, problems,
    h("table", { id: "catalogue" }, h("thead", {}, h("tr", {},
      ["Name", "Category", "Size", "Colour", "Price", "Stock", ""].map((title) => h("th", {}, title)))), rows),
    status, more);
  await load(true);
}

function row(item, me) {
  const edit = me?.role === "admin" ? h("a", { href: `/app/#/item/${item.id}` }, "Edit") : "";
  return h("tr", { "data-id": item.id },
    h("td", { class: "name" }, item.name), h("td", {}, item.category), h("td", {}, item.size),
    h("td", {}, item.color), h("td", {}, item.price), h("td", {}, item.stock), h("td", {}, edit));
}

// The editor sends the ETag it read back as If-Match: if someone saved the item in between,
// the server answers 412 instead of silently overwriting their change.
export async function editor(main, { params, go }) {
  const isNew = params[0] === "new";
  let item = { name: "", category: "tops", size: "M", color: "", price: "", stock: 0, description: "" };
  let etag = null;
  if (!isNew) {
    const { data, response } = await api("GET", `/clothes/${encodeURIComponent(params[0])}`);
    item = data;
    etag = response.headers.get("ETag");
  }
  const fields = [
    field("Name", "name", { required: true, value: item.name }),
    field("Category", "category", { options: choices(CATEGORIES, "choose"), value: item.category }),
    field("Size", "size", { options: choices(SIZES, "choose"), value: item.size }),
    field("Colour", "color", { required: true, value: item.color }),
    field("Price", "price", { required: true, inputmode: "decimal", value: item.price }),
    field("Stock", "stock", { type: "number", min: 0, value: item.stock }),
    field("Description", "description", { value: item.description }),
  ];
  const parts = form(isNew ? "New item" : `Edit item ${item.id}`, fields, "Save", async (values) => {
    const body = { ...values, stock: Number(values.stock || 0) };
    if (isNew) {
      const { data } = await api("POST", "/clothes", { body });
      go(`/item/${data.id}`);
      return null;
    }
    const { response } = await api("PATCH", `/clothes/${item.id}`, { body, headers: { "If-Match": etag } });
    etag = response.headers.get("ETag");
    return "Saved.";
  });
  show(main, parts);
  if (!isNew) {
    const remove = h("button", { type: "button", class: "secondary", id: "delete-item" }, "Delete this item");
    remove.addEventListener("click", async () => {
      try {
        await api("DELETE", `/clothes/${item.id}`, { headers: { "If-Match": etag } });
        go("/catalogue");
      } catch (error) {
        main.append(explain(error));
      }
    });
    main.append(remove);
  }
}
