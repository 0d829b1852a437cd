// The one declarative table of what a valid request looks like, per message
// and field. The validation interceptor applies it to every RPC on every
// protocol before a handler runs.
import type { DescMessage } from "@bufbuild/protobuf";
import { guessabilityProblem } from "../accounts/password-policy.js";
import {
  ConfirmEmailRequestSchema,
  RequestPasswordResetRequestSchema,
  ResetPasswordRequestSchema,
} from "../../gen/auth/v1/account_recovery_service_pb.js";
import { LoginRequestSchema, RefreshRequestSchema, RegisterRequestSchema } from "../../gen/auth/v1/auth_service_pb.js";
import {
  GetProfileRequestSchema,
  ListSecurityEventsRequestSchema,
  UpdateProfileRequestSchema,
} from "../../gen/auth/v1/profile_service_pb.js";
import { RevokeSessionRequestSchema } from "../../gen/auth/v1/session_service_pb.js";
import {
  emailAddress,
  intRange,
  maxBytes,
  maxCodePoints,
  noControlCharacters,
  notBlank,
  passwordLength,
  required,
  uuid,
  type Check,
} from "./rules.js";

/** Field name (as in the .proto) -> checks, applied in order. Proto3 `optional` fields that are unset are skipped. */
export type FieldRules = Record<string, readonly Check<string>[] | readonly Check<number>[]>;
export type RequestRules = ReadonlyMap<string, FieldRules>;

export interface PasswordPolicy {
  minLength: number;
}

export const PASSWORD_MAX_LENGTH = 128;
export const PASSWORD_MAX_BYTES = 1024;
export const EMAIL_MAX_LENGTH = 254;
export const USER_MAX_LENGTH = 64;
/** Our refresh tokens are 43 characters; anything much longer is not one. */
export const REFRESH_TOKEN_MAX_LENGTH = 128;
/** Mailed one-time tokens are 43 characters; anything much longer is not ours. */
export const ONE_TIME_TOKEN_MAX_BYTES = 128;

export function requestRules(policy: PasswordPolicy): RequestRules {
  const userName = [noControlCharacters, (v: string) => maxCodePoints(USER_MAX_LENGTH)(v.trim())];
  const email = [emailAddress];
  // Whether it contains the account's own email or user name is checked by the
  // domain (src/accounts), which knows the stored account on UpdateProfile.
  const newPassword = [
    passwordLength({ ...policy, maxLength: PASSWORD_MAX_LENGTH, maxBytes: PASSWORD_MAX_BYTES }),
    guessabilityProblem,
  ];
  const rules: [DescMessage, FieldRules][] = [
    [RegisterRequestSchema, { user: [required, ...userName], email: [required, ...email], password: [required, ...newPassword] }],
    // Login checks only shape and size: policy applies when a password is set.
    [
      LoginRequestSchema,
      { email: [required, maxCodePoints(EMAIL_MAX_LENGTH)], password: [required, maxBytes(PASSWORD_MAX_BYTES)] },
    ],
    [GetProfileRequestSchema, { id: [required, uuid] }],
    [ListSecurityEventsRequestSchema, { id: [required, uuid], page_size: [intRange(0, 100)], page_token: [maxBytes(512)] }],
    [UpdateProfileRequestSchema, { id: [required, uuid], user: [notBlank, ...userName], email: [notBlank, ...email], password: newPassword }],
    [ConfirmEmailRequestSchema, { token: [required, maxBytes(ONE_TIME_TOKEN_MAX_BYTES)] }],
    [RequestPasswordResetRequestSchema, { email: [required, ...email] }],
    // The same password rules as registration; a rejected password leaves the token unspent.
    [ResetPasswordRequestSchema, { token: [required, maxBytes(ONE_TIME_TOKEN_MAX_BYTES)], new_password: [required, ...newPassword] }],
    // Required unless the refresh-token cookie carries it: the handler checks that.
    [RefreshRequestSchema, { refresh_token: [maxCodePoints(REFRESH_TOKEN_MAX_LENGTH)] }],
    [RevokeSessionRequestSchema, { id: [required, uuid] }],
  ];
  return new Map(rules.map(([schema, fields]) => [schema.typeName, fields]));
}
