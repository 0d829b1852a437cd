import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import type { Accounts } from "../accounts/accounts.js";
import { entityManager, requestOrigin } from "../server/context.js";

export function authService(accounts: Accounts): ServiceImpl<typeof AuthService> {
  return {
    async register(req, ctx) {
      const user = await accounts.register(entityManager(ctx), req, requestOrigin(ctx));
      return { id: user.id, message: "account created" };
    },
    async login(req, ctx) {
      const session = await accounts.login(entityManager(ctx), req, requestOrigin(ctx));
      return { accessToken: session.accessToken, tokenType: "bearer", expiresIn: session.expiresIn };
    },
  };
}
