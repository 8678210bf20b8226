#!/usr/bin/env bash
# Verify Alfe webhook signatures (X-Alfe-Signature-256) with the openssl command line.
#
#   source docs/examples/verify.sh          # defines alfe_sign and alfe_verify
#   alfe_sign   SECRET BODY_FILE            # prints sha256=<hex>
#   alfe_verify SECRET BODY_FILE HEADER     # exit 0 if valid, 1 if not
#
#   bash docs/examples/verify.sh docs/signature-test-vectors.json    # run the test vectors
#
# The HMAC comes from `openssl dgst`. python3 (or node) is used only to read the JSON vectors.
# Good for testing and debugging; a shell script gives no timing guarantees, so use one of the
# other examples inside a real receiver. Note that -hmac puts the secret on the command line,
# where other users of the machine can see it (ps).

# HMAC-SHA256 of the exact bytes of BODY_FILE, key = the whole secret string.
alfe_sign() {
  local secret=$1 body_file=$2 out
  out=$(openssl dgst -sha256 -hmac "$secret" <"$body_file") || return 2
  printf 'sha256=%s\n' "${out##* }"   # output ends in "= <hex>"
}

alfe_verify() {
  local secret=$1 body_file=$2 header=$3 expected got diff=0 i
  [[ $header =~ ^sha256=[[:xdigit:]]{64}$ ]] || return 1   # missing, wrong prefix, wrong length
  expected=$(alfe_sign "$secret" "$body_file") || return 2
  got=${header,,}                                          # hex in either case
  # Compare every character without stopping early.
  for ((i = 0; i < ${#expected}; i++)); do
    [[ ${expected:i:1} == "${got:i:1}" ]] || diff=1
  done
  return "$diff"
}

_alfe_run_vectors() {
  local vectors=$1 tmp name secret body64 header valid got signed msg problems passed=0 failed=0
  local extract='import json,sys
for v in json.load(open(sys.argv[1], encoding="utf-8"))["vectors"]:
    for k in ("name", "secret", "bodyBase64", "header"):
        sys.stdout.write(v[k] + "\0")
    sys.stdout.write(("true" if v["valid"] else "false") + "\0")'
  local extract_js='const fs=require("fs");
for (const v of JSON.parse(fs.readFileSync(process.argv[1],"utf8")).vectors)
  process.stdout.write([v.name,v.secret,v.bodyBase64,v.header,String(v.valid)].join("\0")+"\0");'
  local -a cmd
  if command -v python3 >/dev/null; then cmd=(python3 -c "$extract" "$vectors")
  elif command -v node >/dev/null; then cmd=(node -e "$extract_js" "$vectors")
  else echo "need python3 or node to read $vectors" >&2; return 2; fi

  tmp=$(mktemp) || return 2
  while IFS= read -r -d '' name && IFS= read -r -d '' secret && IFS= read -r -d '' body64 \
        && IFS= read -r -d '' header && IFS= read -r -d '' valid; do
    problems=()
    printf '%s' "$body64" | base64 -d >"$tmp" || { problems+=("bad bodyBase64"); }
    if alfe_verify "$secret" "$tmp" "$header"; then got=true; else got=false; fi
    [[ $got == "$valid" ]] || problems+=("verify gave $got, expected $valid")
    if [[ $valid == true && $header == "${header,,}" ]]; then
      signed=$(alfe_sign "$secret" "$tmp")
      [[ $signed == "$header" ]] || problems+=("sign gave $signed")
    fi
    if ((${#problems[@]})); then
      failed=$((failed + 1))
      msg=$(printf '%s; ' "${problems[@]}")
      echo "FAIL $name: ${msg%; }"
    else
      passed=$((passed + 1))
    fi
  done < <("${cmd[@]}")
  rm -f "$tmp"
  echo "$passed passed, $failed failed"
  ((failed == 0 && passed > 0))
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -u
  if (($# != 1)); then
    echo "usage: $0 signature-test-vectors.json" >&2
    exit 2
  fi
  _alfe_run_vectors "$1"
fi
