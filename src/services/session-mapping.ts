// Entity -> contract for sessions: never a token or a digest.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { SessionSchema as SessionMessageSchema, type Session as SessionMessage } from "../../gen/auth/v1/session_pb.js";
import type { Session } from "../db/entities/session.js";

export function toSession(session: Session, currentSessionId: string): SessionMessage {
  return create(SessionMessageSchema, {
    id: session.id,
    createdAt: timestampFromDate(session.createdAt),
    lastUsedAt: timestampFromDate(session.lastUsedAt),
    expiresAt: timestampFromDate(session.expiresAt),
    userAgent: session.userAgent ?? "",
    clientAddress: session.clientAddress ?? "",
    current: session.id === currentSessionId,
  });
}
