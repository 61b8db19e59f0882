// Building the page without HTML strings. Every piece of text, and above all every value
// that came from the API, is set with textContent: the browser shows it as text and never
// parses it as markup, so an item named <img src=x onerror=alert(1)> is just a name.

/** An element: h("a", {href: "#/x"}, "text", otherElement). Attributes are set one by one. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Replace everything inside `parent` with `children`. */
export function show(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((child) => child));
}

/** A labelled input. */
export function field(label, name, attributes = {}) {
  const control = attributes.options
    ? h("select", { name }, attributes.options.map(([value, text]) =>
        h("option", { value, selected: value === attributes.value }, text)))
    : h("input", { name, ...attributes });
  return h("label", {}, label, control);
}

/** A form's fields as an object of strings (empty ones left out). */
export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) {
    if (value !== "") values[name] = value;
  }
  return values;
}
