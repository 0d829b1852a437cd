// Entity -> contract. The API shape is chosen here, never the table's.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ProfileSchema, type Profile } from "../../gen/auth/v1/profile_pb.js";
import type { ProfileRecord } from "../accounts/accounts.js";

export function toProfile(user: ProfileRecord): Profile {
  return create(ProfileSchema, {
    id: user.id,
    user: user.user,
    email: user.email,
    emailVerified: user.emailVerifiedAt != null,
    createdAt: timestampFromDate(user.createdAt),
    updatedAt: timestampFromDate(user.updatedAt),
  });
}
