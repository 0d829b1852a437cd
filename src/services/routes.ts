import type { ConnectRouter } from "@connectrpc/connect";
import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { file_auth_v1_error_reason } from "../../gen/auth/v1/error_reason_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { SessionService } from "../../gen/auth/v1/session_service_pb.js";
import { file_google_rpc_error_details } from "../../gen/google/rpc/error_details_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection as ServerReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { Accounts } from "../accounts/accounts.js";
import type { Sessions } from "../accounts/sessions.js";
import type { AccountRecovery } from "../recovery/account-recovery.js";
import { accountRecoveryService } from "./account-recovery-service.js";
import { authService } from "./auth-service.js";
import { profileService } from "./profile-service.js";
import { sessionService } from "./session-service.js";

/** The services this server implements, in the order they are served. */
export const services: readonly DescService[] = [AuthService, ProfileService, AccountRecoveryService, SessionService];

/**
 * gRPC's own health and reflection protocols, served beside ours (wired in
 * server.ts) for probes and tools. Public, and never transcoded to REST.
 */
export const protocolServices: readonly DescService[] = [Health, ServerReflectionV1, ServerReflectionV1alpha];

/** Files that reflection describes although no service imports them: the types of our error details. */
export const errorDetailFiles: readonly DescFile[] = [file_google_rpc_error_details, file_auth_v1_error_reason];

/** RPCs callable without an access token. Everything else requires one. */
export const publicMethods: readonly DescMethod[] = [
  AuthService.method.register,
  AuthService.method.login,
  AuthService.method.refresh,
  // The mailed token is the credential; ResendVerification needs an access token.
  AccountRecoveryService.method.confirmEmail,
  AccountRecoveryService.method.requestPasswordReset,
  AccountRecoveryService.method.resetPassword,
  ...protocolServices.flatMap((s) => s.methods),
];

export function routes(accounts: Accounts, sessions: Sessions, recovery: AccountRecovery) {
  return (router: ConnectRouter) => {
    router.service(AuthService, authService(accounts, sessions));
    router.service(ProfileService, profileService(accounts));
    router.service(AccountRecoveryService, accountRecoveryService(recovery));
    router.service(SessionService, sessionService(sessions));
  };
}
