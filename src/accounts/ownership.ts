import { NotOwner } from "./errors.js";

/** A caller may only act on their own account; other ids are refused whether or not they exist. */
export function assertOwner(callerId: string, id: string): void {
  if (id.toLowerCase() !== callerId.toLowerCase()) throw new NotOwner();
}
