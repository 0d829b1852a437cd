// Small DOM helpers shared by the views.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

/** The form's text inputs by name. */
export function values(form: HTMLFormElement): Record<string, string> {
  const result: Record<string, string> = {};
  for (const input of form.querySelectorAll("input")) result[input.name] = input.value;
  return result;
}

/** Runs a submit handler with the form's button disabled, so one click makes one call. */
export function onSubmit(form: HTMLFormElement, handler: () => Promise<void>): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button instanceof HTMLButtonElement) {
      if (button.disabled) return;
      button.disabled = true;
    }
    form.setAttribute("aria-busy", "true");
    handler().finally(() => {
      if (button instanceof HTMLButtonElement) button.disabled = false;
      form.removeAttribute("aria-busy");
    });
  });
}

/** Fills a <time> with a timestamp: machine-readable in `datetime`, local in the text. */
export function setTime(element: HTMLTimeElement, timestamp: Timestamp | undefined): void {
  if (timestamp === undefined) {
    element.removeAttribute("datetime");
    element.textContent = "";
    return;
  }
  const date = timestampDate(timestamp);
  element.dateTime = date.toISOString();
  element.textContent = date.toLocaleString();
}

/** A new <time> for a timestamp. */
export function timeOf(timestamp: Timestamp | undefined): HTMLTimeElement {
  const element = document.createElement("time");
  setTime(element, timestamp);
  return element;
}

/** A new element with a class and text, for building list rows. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text = "",
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== "") node.className = className;
  if (text !== "") node.textContent = text;
  return node;
}
