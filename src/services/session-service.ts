import type { ServiceImpl } from "@connectrpc/connect";
import type { SessionService } from "../../gen/auth/v1/session_service_pb.js";
import type { Sessions } from "../accounts/sessions.js";
import { entityManager, requestOrigin, requireSession } from "../server/context.js";
import { toSession } from "./session-mapping.js";

export function sessionService(sessions: Sessions): ServiceImpl<typeof SessionService> {
  return {
    async listSessions(_req, ctx) {
      const caller = requireSession(ctx);
      const list = await sessions.list(entityManager(ctx), caller.userId);
      return { sessions: list.map((s) => toSession(s, caller.sessionId)) };
    },
    async revokeSession(req, ctx) {
      await sessions.revoke(entityManager(ctx), requireSession(ctx).userId, req.id.toLowerCase(), requestOrigin(ctx));
      return {};
    },
  };
}
