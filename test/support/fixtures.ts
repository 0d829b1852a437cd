import { randomBytes } from "node:crypto";

/** A unique, valid registration. */
export function newAccount(prefix = "user") {
  const tag = randomBytes(5).toString("hex");
  return { user: `${prefix}-${tag}`, email: `${prefix}.${tag}@example.com`, password: `correct horse ${tag}` };
}
