#!/usr/bin/env bash
# Generates the Python stubs this example imports, from the contract in
# ../../proto, into the folder given (default: ./gen). Needs protoc and
# grpc_python_plugin (Debian: protobuf-compiler, protobuf-compiler-grpc) or
# grpcio-tools' bundled protoc (PROTOC="python3 -m grpc_tools.protoc").
# google/api and google/rpc come from the google-proto-files npm package
# (after `npm install`); point GOOGLEAPIS at any other copy of googleapis.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mkdir -p "${1:-$here/gen}" && cd "${1:-$here/gen}" && pwd)
googleapis=${GOOGLEAPIS:-$root/node_modules/google-proto-files}
read -r -a protoc <<<"${PROTOC:-protoc}"
grpc=()
if [ -z "${PROTOC:-}" ]; then grpc=(--plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)"); fi

# Our contract, with gRPC stubs; then the google types it and its errors use.
"${protoc[@]}" -I "$root/proto" -I "$googleapis" "${grpc[@]}" --python_out="$out" --grpc_python_out="$out" \
  "$root"/proto/auth/v1/*.proto
"${protoc[@]}" -I "$googleapis" --python_out="$out" \
  google/api/annotations.proto google/api/http.proto google/rpc/status.proto google/rpc/error_details.proto

# grpc.health.v1 would land in a Python package named `grpc`, which grpcio
# owns. Like the grpcio-health-checking package, generate it as grpc_health.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/grpc_health/v1"
cp "$root/proto/grpc/health/v1/health.proto" "$staging/grpc_health/v1/"
"${protoc[@]}" -I "$staging" "${grpc[@]}" --python_out="$out" --grpc_python_out="$out" grpc_health/v1/health.proto
echo "Python stubs written to $out"
