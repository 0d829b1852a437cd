import type { ServiceImpl } from "@connectrpc/connect";
import type { ProfileService } from "../../gen/auth/v1/profile_service_pb.js";
import type { Accounts } from "../accounts/accounts.js";
import { preparedQueries, entityManager, requestOrigin, requireSession, requireUser } from "../server/context.js";
import { listSecurityEvents } from "../audit/security-log.js";
import { toProfile } from "./profile-mapping.js";
import { toSecurityEvent } from "./security-event-mapping.js";

export function profileService(accounts: Accounts): ServiceImpl<typeof ProfileService> {
  return {
    async getProfile(req, ctx) {
      return { profile: toProfile(await accounts.getProfile(preparedQueries(ctx), requireUser(ctx), req.id)) };
    },
    async updateProfile(req, ctx) {
      const caller = requireSession(ctx);
      const user = await accounts.updateProfile(
        entityManager(ctx),
        caller.userId,
        req.id,
        { user: req.user, email: req.email, password: req.password },
        requestOrigin(ctx),
        caller.sessionId,
      );
      return { profile: toProfile(user) };
    },
    async listSecurityEvents(req, ctx) {
      const page = await listSecurityEvents(entityManager(ctx), requireUser(ctx), req.id, {
        size: req.pageSize,
        token: req.pageToken,
      });
      return { events: page.events.map(toSecurityEvent), nextPageToken: page.nextPageToken };
    },
  };
}
