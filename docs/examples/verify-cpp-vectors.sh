#!/usr/bin/env bash
# Run the C++ example (verify.cpp) over the signature test vectors.
#
#   bash docs/examples/verify-cpp-vectors.sh docs/signature-test-vectors.json [VERIFY_BINARY]
#
# Without VERIFY_BINARY, verify.cpp (next to this script) is compiled into a temporary directory
# with g++ (override with CXX). python3 only reads the JSON; the HMAC comes from the binary.
set -u

if (($# < 1 || $# > 2)); then
  echo "usage: $0 signature-test-vectors.json [VERIFY_BINARY]" >&2
  exit 2
fi
vectors=$1
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT

if (($# == 2)); then
  bin=$2
else
  bin=$work/verify
  "${CXX:-g++}" -std=c++17 -Wall -Wextra "$(dirname "$0")/verify.cpp" -lcrypto -o "$bin" || exit 2
fi

extract='import json, sys
for v in json.load(open(sys.argv[1], encoding="utf-8"))["vectors"]:
    for k in ("name", "secret", "bodyBase64", "header"):
        sys.stdout.write(v[k] + "\0")
    sys.stdout.write(("true" if v["valid"] else "false") + "\0")'

passed=0 failed=0
while IFS= read -r -d '' name && IFS= read -r -d '' secret && IFS= read -r -d '' body64 \
      && IFS= read -r -d '' header && IFS= read -r -d '' valid; do
  problems=()
  printf '%s' "$body64" | base64 -d >"$work/body" || problems+=("bad bodyBase64")
  out=$("$bin" "$secret" "$work/body" "$header"); rc=$?
  case "$rc:$out" in
    "0:valid") got=true ;;
    "1:invalid") got=false ;;
    *) got="error (exit $rc, output '$out')" ;;
  esac
  [[ $got == "$valid" ]] || problems+=("verify gave $got, expected $valid")
  if [[ $valid == true && $header == "${header,,}" ]]; then
    signed=$("$bin" --sign "$secret" "$work/body")
    [[ $signed == "$header" ]] || problems+=("sign gave $signed")
  fi
  if ((${#problems[@]})); then
    failed=$((failed + 1))
    msg=$(printf '%s; ' "${problems[@]}")
    echo "FAIL $name: ${msg%; }"
  else
    passed=$((passed + 1))
  fi
done < <(python3 -c "$extract" "$vectors")

echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
