// What another service needs to verify our access tokens without a shared
// secret: the public keys as a JWKS (RFC 7517) and the issuer metadata that
// points to it (RFC 8414 field names; this is not an OAuth server, so only
// the fields that apply are present).
import type { TLSSocket } from "node:tls";
import type { SigningKeys } from "../security/signing-keys.js";
import type { NodeRequest, NodeResponse, PathHandler } from "./http-handler.js";

export const JWKS_PATH = "/.well-known/jwks.json";
export const METADATA_PATH = "/.well-known/oauth-authorization-server";

/** Verifiers refetch on an unknown kid; this only spares them a fetch per token. */
const JWKS_MAX_AGE_SECONDS = 300;
const HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

export function createWellKnownHandler(options: { keys: SigningKeys; issuer: string }): PathHandler {
  return (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path !== JWKS_PATH && path !== METADATA_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(req, res, 405, { code: "unimplemented", message: `use GET for ${path}`, detail: "Method Not Allowed" }, { allow: "GET, HEAD" });
      return true;
    }
    if (path === JWKS_PATH) {
      send(req, res, 200, options.keys.jwks(), { "cache-control": `public, max-age=${JWKS_MAX_AGE_SECONDS}` });
    } else {
      const base = baseUrl(options.issuer, req);
      send(req, res, 200, { issuer: options.issuer, ...(base ? { jwks_uri: `${base}${JWKS_PATH}` } : {}) }, {
        "cache-control": "no-cache",
      });
    }
    return true;
  };
}

/** The issuer when it is a URL (as it should be in production), else this request's own origin. */
function baseUrl(issuer: string, req: NodeRequest): string | undefined {
  if (/^https?:\/\//i.test(issuer)) return issuer.replace(/\/+$/, "");
  const host = req.headers.host ?? (req.headers as Record<string, string | undefined>)[":authority"];
  if (host === undefined || !HOST.test(host)) return undefined;
  return `${(req.socket as TLSSocket | undefined)?.encrypted ? "https" : "http"}://${host}`;
}

function send(req: NodeRequest, res: NodeResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  if (req.method === "HEAD") res.end();
  else res.end(text);
}
