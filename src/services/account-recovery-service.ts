import type { ServiceImpl } from "@connectrpc/connect";
import type { AccountRecoveryService } from "../../gen/auth/v1/account_recovery_service_pb.js";
import type { AccountRecovery } from "../recovery/account-recovery.js";
import { entityManager, requestOrigin, requireUser } from "../server/context.js";

export function accountRecoveryService(recovery: AccountRecovery): ServiceImpl<typeof AccountRecoveryService> {
  return {
    async confirmEmail(req, ctx) {
      const { alreadyVerified } = await recovery.confirmEmail(entityManager(ctx), req.token, requestOrigin(ctx));
      return { message: alreadyVerified ? "email address already verified" : "email address verified", alreadyVerified };
    },
    async resendVerification(_req, ctx) {
      await recovery.resendVerification(entityManager(ctx), requireUser(ctx));
      return { message: "if your address still needs confirming, a new link is on its way" };
    },
    async requestPasswordReset(req, ctx) {
      await recovery.requestPasswordReset(entityManager(ctx), req.email, requestOrigin(ctx));
      return { message: "if an account has this address, a reset link is on its way" };
    },
    async resetPassword(req, ctx) {
      await recovery.resetPassword(entityManager(ctx), req.token, req.newPassword, requestOrigin(ctx));
      return { message: "password changed; sign in with the new password" };
    },
  };
}
