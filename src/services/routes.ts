import type { ConnectRouter } from "@connectrpc/connect";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { SessionService } from "../../gen/auth/v1/session_service_pb.js";
import type { Accounts } from "../accounts/accounts.js";
import type { Sessions } from "../accounts/sessions.js";
import { authService } from "./auth-service.js";
import { profileService } from "./profile-service.js";
import { sessionService } from "./session-service.js";

/** The services this server implements, in the order they are served. */
export const services: readonly DescService[] = [AuthService, ProfileService, SessionService];

/** RPCs callable without an access token. Everything else requires one. */
export const publicMethods: readonly DescMethod[] = [
  AuthService.method.register,
  AuthService.method.login,
  AuthService.method.refresh,
];

export function routes(accounts: Accounts, sessions: Sessions) {
  return (router: ConnectRouter) => {
    router.service(AuthService, authService(accounts, sessions));
    router.service(ProfileService, profileService(accounts));
    router.service(SessionService, sessionService(sessions));
  };
}
