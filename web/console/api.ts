// Clients for the contract's services over Connect (connect-web), made from
// the generated descriptors in gen/. A new service is one more
// createClient line here.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import { SessionService } from "../../gen/auth/v1/session_service_pb.js";
import type { SessionStore } from "./session.js";

export interface Api {
  auth: Client<typeof AuthService>;
  profile: Client<typeof ProfileService>;
  recovery: Client<typeof AccountRecoveryService>;
  sessions: Client<typeof SessionService>;
}

export function createApi(sessions: SessionStore, baseUrl: string = window.location.origin): Api {
  // Sends the access token when there is one; the server decides which RPCs need it.
  const bearer: Interceptor = (next) => (req) => {
    const session = sessions.current();
    if (session !== undefined) req.header.set("authorization", `Bearer ${session.accessToken}`);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl, interceptors: [bearer] });
  return {
    auth: createClient(AuthService, transport),
    profile: createClient(ProfileService, transport),
    recovery: createClient(AccountRecoveryService, transport),
    sessions: createClient(SessionService, transport),
  };
}
