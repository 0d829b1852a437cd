import type { Interceptor } from "@connectrpc/connect";
import type { RequestRules } from "../../validation/request-rules.js";
import { validate } from "../../validation/validate.js";
import { invalidFields } from "./error-details.js";

/** Applies the declarative request rules before any handler runs. */
export function createValidationInterceptor(rules: RequestRules): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      const violations = validate(rules, req.method.input, req.message);
      if (violations.length > 0) throw invalidFields(violations);
    }
    return next(req);
  };
}
