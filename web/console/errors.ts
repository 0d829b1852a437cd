// Service errors as readable messages next to the field they concern: the
// google.rpc.BadRequest field violations, and the ErrorInfo reasons that
// are about one field (a taken email or user name). Everything else is
// shown once for the whole form.
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/** ErrorInfo reasons that belong to one request field. */
const reasonFields: Record<string, string> = {
  ERROR_REASON_EMAIL_TAKEN: "email",
  ERROR_REASON_USER_TAKEN: "user",
};

/** The ErrorInfo reason of an error, e.g. "ERROR_REASON_ACCESS_TOKEN_EXPIRED". */
export function reasonOf(error: unknown): string | undefined {
  return ConnectError.from(error).findDetails(ErrorInfoSchema)[0]?.reason;
}

export function clearErrors(form: HTMLFormElement): void {
  for (const element of form.querySelectorAll<HTMLElement>("[data-error-for], [data-form-error]")) {
    element.hidden = true;
    element.textContent = "";
  }
  for (const input of form.querySelectorAll("input")) {
    input.removeAttribute("aria-invalid");
    const described = (input.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => !id.endsWith("-error"));
    if (described.length > 0) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  }
}

/** Shows an RPC error in the form and moves focus to the first thing to fix. */
export function showError(form: HTMLFormElement, error: unknown): void {
  clearErrors(form);
  const err = ConnectError.from(error);
  const byField = new Map<string, string>();
  for (const detail of err.findDetails(BadRequestSchema)) {
    for (const violation of detail.fieldViolations) {
      if (!byField.has(violation.field)) byField.set(violation.field, sentence(violation.description));
    }
  }
  const reasonField = reasonFields[reasonOf(err) ?? ""];
  if (reasonField !== undefined) byField.set(reasonField, sentence(err.rawMessage));

  let first: HTMLElement | undefined;
  const unplaced: string[] = [];
  for (const [field, message] of byField) {
    const input = form.elements.namedItem(field);
    const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(field)}"]`);
    if (!(input instanceof HTMLInputElement) || slot === null) {
      unplaced.push(message);
      continue;
    }
    slot.textContent = message;
    slot.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), slot.id].filter(Boolean).join(" "));
    first ??= input;
  }
  if (byField.size === 0) unplaced.push(generalMessage(err));
  const formError = form.querySelector<HTMLElement>("[data-form-error]");
  if (formError !== null && unplaced.length > 0) {
    formError.textContent = unplaced.join(" ");
    formError.hidden = false;
  }
  first?.focus();
}

/** An error as one sentence, for errors that belong to no form. */
export function messageOf(error: unknown): string {
  return generalMessage(ConnectError.from(error));
}

function generalMessage(err: ConnectError): string {
  // A failed fetch (offline, server down) reaches us as the browser's TypeError.
  if (err.cause instanceof TypeError || (err.code === Code.Unavailable && reasonOf(err) === undefined)) {
    return "The service cannot be reached. Check your connection and try again.";
  }
  if (err.code === Code.ResourceExhausted) return "Too many attempts. Wait a moment, then try again.";
  return sentence(err.rawMessage || "Something went wrong. Try again.");
}

/** "password must be…" -> "Password must be….": messages read as sentences. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
