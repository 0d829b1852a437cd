/**
 * Security headers of the pages and assets we serve. The console's CSP
 * allows only our own scripts, styles and API: no inline script, no eval,
 * nothing from elsewhere. Swagger UI and ReDoc set inline styles and ReDoc
 * runs its search in a blob: worker, so their pages allow those two things
 * and nothing more.
 */

/** On every static response. */
export const securityHeaders: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};

const common = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
];

const consolePolicy = [...common, "style-src 'self'", "form-action 'none'"].join("; ");
const docsPolicy = [...common, "style-src 'self' 'unsafe-inline'", "worker-src 'self' blob:", "form-action 'self'"].join("; ");

/** Headers for an HTML page, by its URL path. */
export function htmlSecurityHeaders(urlPath: string): Record<string, string> {
  const docs = urlPath.startsWith("/docs/") || urlPath.startsWith("/redoc/");
  return {
    "content-security-policy": docs ? docsPolicy : consolePolicy,
    // For browsers without CSP frame-ancestors.
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
  };
}
