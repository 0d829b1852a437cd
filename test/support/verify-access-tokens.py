#!/usr/bin/env python3
"""Verify access tokens the way another service would, with no TypeScript
and no shared secret: discover the issuer and the JWKS from the issuer
metadata, then check each token with PyJWT (Debian python3-jwt and
python3-cryptography).

stdin:  {"base_url": "http://127.0.0.1:1234", "audience": "auth-service", "tokens": ["eyJ..."]}
stdout: one result per token, [{"ok": true, "kid": "...", "claims": {...}} | {"ok": false, "error": "ExpiredSignatureError"}]
"""
import json
import sys
import urllib.request

import jwt
from jwt import PyJWKClient


def main() -> None:
    request = json.load(sys.stdin)
    metadata_url = request["base_url"] + "/.well-known/oauth-authorization-server"
    with urllib.request.urlopen(metadata_url, timeout=10) as response:
        metadata = json.load(response)
    keys = PyJWKClient(metadata["jwks_uri"])
    results = []
    for token in request["tokens"]:
        try:
            header = jwt.get_unverified_header(token)
            # RFC 9068 explicit typing: only access tokens are accepted.
            if header.get("typ") != "at+jwt":
                raise jwt.InvalidTokenError("not an access token")
            key = keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["ES256"],
                audience=request["audience"],
                issuer=metadata["issuer"],
                leeway=30,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
            results.append({"ok": True, "kid": header["kid"], "claims": claims})
        except Exception as error:  # every failure is a result, not a crash
            results.append({"ok": False, "error": type(error).__name__})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
