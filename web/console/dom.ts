// Small DOM helpers shared by the views.

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
