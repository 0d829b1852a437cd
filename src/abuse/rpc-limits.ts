// The one declarative table of rate limits, per RPC. The rate-limit
// interceptor applies it to every call on every protocol, before
// authentication and validation, so a flood costs a counter increment and
// not a bcrypt hash or a database query.
//
// Adding an RPC's limits is one entry. For example, a password-reset request
// limited per address and per recipient would be:
//   [AuthService.method.requestPasswordReset, { limits: [
//     { name: "reset_address", per: [address], limit: limits.resetPerAddress },
//     { name: "reset_email", per: [email], limit: limits.resetPerEmail },
//   ] }],
// with the two limits added to AbuseConfig (src/config.ts) and the README.
import type { DescMethod } from "@bufbuild/protobuf";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { InvalidCredentials } from "../accounts/errors.js";
import { normaliseEmail } from "../accounts/normalise.js";
import type { AbuseConfig } from "../config.js";
import { address, field, type LimitTable, type RpcRules } from "./rules.js";

/** The email address as accounts store and compare it, so case variants share a count. */
const email = field("email", normaliseEmail);

export function rpcLimits(config: AbuseConfig): LimitTable {
  const { limits, loginBackoff } = config;
  const byRpc: [DescMethod, RpcRules][] = [
    [
      AuthService.method.login,
      {
        limits: [
          { name: "login_address", per: [address], limit: limits.loginPerAddress },
          { name: "login_address_email", per: [address, email], limit: limits.loginPerAddressEmail },
        ],
        // Per account (by email, whether or not it exists, so a 429 reveals nothing).
        backoff: {
          name: "login_email_failures",
          per: [email],
          ...loginBackoff,
          isFailure: (error) => error instanceof InvalidCredentials,
          events: { failure: "authn_login_fail", lock: "authn_login_lock" },
        },
      },
    ],
    [AuthService.method.register, { limits: [{ name: "register_address", per: [address], limit: limits.registerPerAddress }] }],
    [AuthService.method.refresh, { limits: [{ name: "refresh_address", per: [address], limit: limits.refreshPerAddress }] }],
  ];
  return {
    everyRpc: [{ name: "any_address", per: [address], limit: limits.perAddress }],
    byRpc: new Map(byRpc.map(([method, rules]) => [rpcName(method), rules])),
  };
}

/** "auth.v1.AuthService/Login": how calls and table entries are matched. */
export function rpcName(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}
