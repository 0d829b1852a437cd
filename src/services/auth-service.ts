import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/auth/v1/auth_service_pb.js";
import type { Accounts } from "../accounts/accounts.js";
import { InvalidField } from "../accounts/errors.js";
import type { Sessions, TokenPair } from "../accounts/sessions.js";
import { entityManager, requestOrigin, requireSession } from "../server/context.js";
import { clearedRefreshTokenCookie, refreshTokenCookie, refreshTokenFromCookie } from "./refresh-token-cookie.js";

export function authService(accounts: Accounts, sessions: Sessions): ServiceImpl<typeof AuthService> {
  return {
    async register(req, ctx) {
      const user = await accounts.register(entityManager(ctx), req, requestOrigin(ctx));
      return { id: user.id, message: "account created" };
    },
    async login(req, ctx) {
      const pair = await accounts.login(entityManager(ctx), req, requestOrigin(ctx));
      return tokenResponse(pair, ctx, req.refreshTokenCookie);
    },
    async refresh(req, ctx) {
      // A token in the body wins; a browser that signed in with the cookie sends none.
      const inBody = req.refreshToken.trim() !== "";
      const presented = inBody ? req.refreshToken : refreshTokenFromCookie(ctx.requestHeader);
      if (presented === undefined) throw new InvalidField("refresh_token", "refresh token is required");
      const pair = await sessions.refresh(entityManager(ctx), presented, requestOrigin(ctx));
      return tokenResponse(pair, ctx, !inBody);
    },
    async logout(_req, ctx) {
      const { userId, sessionId } = requireSession(ctx);
      await sessions.logout(entityManager(ctx), userId, sessionId, requestOrigin(ctx));
      clearCookie(ctx);
      return {};
    },
    async logoutAll(_req, ctx) {
      const userId = requireSession(ctx).userId;
      const sessionsEnded = await sessions.logoutAll(entityManager(ctx), userId, requestOrigin(ctx));
      clearCookie(ctx);
      return { sessionsEnded };
    },
  };
}

/** The pair as the answer carries it; with `inCookie`, the refresh token goes into the cookie instead. */
function tokenResponse(pair: TokenPair, ctx: HandlerContext, inCookie: boolean) {
  if (inCookie) ctx.responseHeader.append("set-cookie", refreshTokenCookie(pair.refreshToken));
  return {
    accessToken: pair.accessToken,
    tokenType: "bearer",
    expiresIn: pair.expiresIn,
    refreshToken: inCookie ? "" : pair.refreshToken,
    refreshExpiresIn: pair.refreshExpiresIn,
  };
}

/** The session is over: a refresh-token cookie that came with the call goes too. */
function clearCookie(ctx: HandlerContext): void {
  if (refreshTokenFromCookie(ctx.requestHeader) !== undefined) ctx.responseHeader.append("set-cookie", clearedRefreshTokenCookie());
}
