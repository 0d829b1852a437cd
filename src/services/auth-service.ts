import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import type { Accounts } from "../accounts/accounts.js";
import type { Sessions, TokenPair } from "../accounts/sessions.js";
import { entityManager, requestOrigin, requireSession } from "../server/context.js";

export function authService(accounts: Accounts, sessions: Sessions): ServiceImpl<typeof AuthService> {
  return {
    async register(req, ctx) {
      const user = await accounts.register(entityManager(ctx), req, requestOrigin(ctx));
      return { id: user.id, message: "account created" };
    },
    async login(req, ctx) {
      return tokenResponse(await accounts.login(entityManager(ctx), req, requestOrigin(ctx)));
    },
    async refresh(req, ctx) {
      return tokenResponse(await sessions.refresh(entityManager(ctx), req.refreshToken, requestOrigin(ctx)));
    },
    async logout(_req, ctx) {
      const { userId, sessionId } = requireSession(ctx);
      await sessions.logout(entityManager(ctx), userId, sessionId, requestOrigin(ctx));
      return {};
    },
    async logoutAll(_req, ctx) {
      const userId = requireSession(ctx).userId;
      return { sessionsEnded: await sessions.logoutAll(entityManager(ctx), userId, requestOrigin(ctx)) };
    },
  };
}

function tokenResponse(pair: TokenPair) {
  return {
    accessToken: pair.accessToken,
    tokenType: "bearer",
    expiresIn: pair.expiresIn,
    refreshToken: pair.refreshToken,
    refreshExpiresIn: pair.refreshExpiresIn,
  };
}
