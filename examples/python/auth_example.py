"""Calls the auth service over gRPC from Python with stubs generated from its
contract: a health check, the account flow (register, log in, read and
update the profile) and the errors a client should expect, each recognised
by its status code and the stable ErrorInfo reason the server attaches.

    ./generate.sh gen
    PYTHONPATH=gen python3 auth_example.py localhost:8080

Exits 0 when every step behaved as described, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import uuid

import grpc
from google.rpc import error_details_pb2, status_pb2

from auth.v1 import auth_service_pb2 as auth_pb
from auth.v1 import auth_service_pb2_grpc as auth_grpc
from auth.v1 import error_reason_pb2
from auth.v1 import profile_service_pb2 as profile_pb
from auth.v1 import profile_service_pb2_grpc as profile_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

# Seconds; every call should carry a deadline.
TIMEOUT = 10


class Failed(Exception):
    pass


def error_details(err: grpc.RpcError) -> tuple[str | None, list[str]]:
    """The ErrorInfo reason (an auth.v1.ErrorReason name) and the fields a
    BadRequest detail names, from the google.rpc.Status in the trailers."""
    reason, fields = None, []
    for key, value in err.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        for detail in status_pb2.Status.FromString(value).details:
            info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            if detail.Unpack(info):
                reason = info.reason
            elif detail.Unpack(bad):
                fields += [v.field for v in bad.field_violations]
    return reason, fields


def expect_error(step: str, call, code: grpc.StatusCode, reason: int) -> list[str]:
    """Runs `call`, which must fail with `code` and the ErrorReason `reason`."""
    try:
        call()
    except grpc.RpcError as err:
        got_reason, fields = error_details(err)
        want_reason = error_reason_pb2.ErrorReason.Name(reason)
        if err.code() != code or got_reason != want_reason:
            raise Failed(f"{step}: expected {code.name}/{want_reason}, got {err.code().name}/{got_reason}: {err.details()}")
        print(f"ok   {step}: {code.name} {got_reason} ({err.details()})")
        return fields
    raise Failed(f"{step}: expected {code.name}, but the call succeeded")


def new_account(name: str) -> auth_pb.RegisterRequest:
    tag = uuid.uuid4().hex[:10]
    return auth_pb.RegisterRequest(user=f"{name}-{tag}", email=f"{name}.{tag}@example.com", password=f"correct horse {tag}")


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def run(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    auth = auth_grpc.AuthServiceStub(channel)
    profiles = profile_grpc.ProfileServiceStub(channel)

    status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=TIMEOUT).status
    if status != health_pb2.HealthCheckResponse.SERVING:
        raise Failed(f"health: expected SERVING, got {health_pb2.HealthCheckResponse.ServingStatus.Name(status)}")
    print("ok   health: SERVING")

    alice = new_account("alice")
    alice_id = auth.Register(alice, timeout=TIMEOUT).id
    print(f"ok   register: {alice.user} has id {alice_id}")

    login = auth.Login(auth_pb.LoginRequest(email=alice.email, password=alice.password), timeout=TIMEOUT)
    print(f"ok   login: a {login.token_type} token valid {login.expires_in} s")

    profile = profiles.GetProfile(profile_pb.GetProfileRequest(id=alice_id), metadata=bearer(login.access_token), timeout=TIMEOUT).profile
    if (profile.id, profile.user, profile.email) != (alice_id, alice.user, alice.email):
        raise Failed(f"get profile: unexpected {profile}")
    print(f"ok   get profile: {profile.user} <{profile.email}>, created {profile.created_at.ToJsonString()}")

    renamed = f"{alice.user}-renamed"
    updated = profiles.UpdateProfile(
        profile_pb.UpdateProfileRequest(id=alice_id, user=renamed), metadata=bearer(login.access_token), timeout=TIMEOUT
    ).profile
    if updated.user != renamed or updated.email != alice.email:
        raise Failed(f"update profile: unexpected {updated}")
    print(f"ok   update profile: user is now {updated.user}")

    expect_error(
        "register a taken email",
        lambda: auth.Register(auth_pb.RegisterRequest(user=f"{alice.user}-2", email=alice.email, password=alice.password), timeout=TIMEOUT),
        grpc.StatusCode.ALREADY_EXISTS,
        error_reason_pb2.ERROR_REASON_EMAIL_TAKEN,
    )
    expect_error(
        "log in with a wrong password",
        lambda: auth.Login(auth_pb.LoginRequest(email=alice.email, password=alice.password + "!"), timeout=TIMEOUT),
        grpc.StatusCode.UNAUTHENTICATED,
        error_reason_pb2.ERROR_REASON_INVALID_CREDENTIALS,
    )
    bob = new_account("bob")
    auth.Register(bob, timeout=TIMEOUT)
    bob_token = auth.Login(auth_pb.LoginRequest(email=bob.email, password=bob.password), timeout=TIMEOUT).access_token
    expect_error(
        "read another user's profile",
        lambda: profiles.GetProfile(profile_pb.GetProfileRequest(id=alice_id), metadata=bearer(bob_token), timeout=TIMEOUT),
        grpc.StatusCode.PERMISSION_DENIED,
        error_reason_pb2.ERROR_REASON_NOT_OWNER,
    )
    expect_error(
        "read a profile without a token",
        lambda: profiles.GetProfile(profile_pb.GetProfileRequest(id=alice_id), timeout=TIMEOUT),
        grpc.StatusCode.UNAUTHENTICATED,
        error_reason_pb2.ERROR_REASON_ACCESS_TOKEN_MISSING,
    )
    fields = expect_error(
        "register with a short password",
        lambda: auth.Register(auth_pb.RegisterRequest(user=f"carol-{uuid.uuid4().hex[:8]}", email="carol@example.com", password="short"), timeout=TIMEOUT),
        grpc.StatusCode.INVALID_ARGUMENT,
        error_reason_pb2.ERROR_REASON_INVALID_FIELDS,
    )
    if fields != ["password"]:
        raise Failed(f"register with a short password: expected a violation of field password, got {fields}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", nargs="?", default="localhost:8080", help="host:port of the service (cleartext HTTP/2)")
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        try:
            run(channel)
        except Failed as failure:
            print(f"FAIL {failure}", file=sys.stderr)
            return 1
        except grpc.RpcError as err:
            print(f"FAIL unexpected {err.code().name}: {err.details()}", file=sys.stderr)
            return 1
    print("every step behaved as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
