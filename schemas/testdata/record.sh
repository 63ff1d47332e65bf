#!/usr/bin/env bash
# Records real Kratos v1.3.1 response bodies for the schemas tests.
#
# Needs curl, jq, python3 and a Kratos started from the trigger-map main
# profile (password, code, totp, oidc provider "github" with dummy creds,
# registration after.password.hooks: [session], HaveIBeenPwned off):
#
#   PUB=http://127.0.0.1:4433 ADMIN=http://127.0.0.1:4434 schemas/testdata/record.sh
#
# With PUB_SHORT set to a second Kratos of the same profile but with login,
# settings and recovery lifespan: 3s, it also records expired-flow 410s.
#
# Writes <operationId>.<status>.<variant>.json (and webauthn.js as .body, an
# answer that is not JSON) into the directory
# of this script. Secrets are replaced by same-shaped placeholders:
# session tokens, logout tokens, CSRF tokens.
set -euo pipefail

PUB=${PUB:?PUB=public base URL}
ADMIN=${ADMIN:?ADMIN=admin base URL}
OUT=${OUT:-$(cd "$(dirname "$0")" && pwd)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
JSON=(-H 'Accept: application/json')
POSTJSON=(-H 'Accept: application/json' -H 'Content-Type: application/json')
PASSWORD='correct-horse-battery-staple-42'
EMAIL="schemas-$(date +%s)-$RANDOM@example.org"
EMAIL2="other-$EMAIL"

# scrub replaces secrets by placeholders of the same length and prefix.
SCRUB='
def pad($n): ("REDACTED" * (($n / 8) + 1))[0:$n];
def mask($prefix): if type == "string" then
    (if startswith($prefix) then $prefix else "" end) as $p | $p + pad(length - ($p | length))
  else . end;
walk(
  if type == "object" then
    (if has("session_token") then .session_token |= mask("ory_st_") else . end)
    | (if has("ory_session_token") then .ory_session_token |= mask("ory_st_") else . end)
    | (if has("logout_token") then .logout_token |= mask("ory_lo_") else . end)
    | (if has("logout_url") and (.logout_url | type) == "string" then
         .logout_url |= sub("token=ory_lo_(?<t>[A-Za-z0-9]+)"; "token=ory_lo_" + pad(.t | length)) else . end)
    | (if .attributes?.name? == "csrf_token" then .attributes.value |= mask("") else . end)
  else . end)'

# call NAME WANT_STATUS CURL_ARGS... stores the body as NAME (scrubbed) and
# fails unless the status is WANT_STATUS. The raw body stays in $TMP/last.
call() {
  local name=$1 want=$2; shift 2
  local got
  got=$(curl -s -o "$TMP/last" -w '%{http_code}' "$@")
  if [[ "$got" != "$want" ]]; then
    echo "record: $name: got $got, want $want: $(head -c 300 "$TMP/last")" >&2
    exit 1
  fi
  if [[ "$name" == *.body ]]; then
    cp "$TMP/last" "$OUT/$name"
  else
    jq "$SCRUB" "$TMP/last" > "$OUT/$name"
    if grep -Eq 'ory_(st|lo|ses)_[A-Za-z0-9]*[a-z0-9]' "$OUT/$name"; then
      echo "record: $name: a token survived scrubbing" >&2
      exit 1
    fi
  fi
  echo "$name"
}

totp() { # RFC 6238 code for a base32 secret
  python3 -c '
import base64, hmac, struct, sys, time
k = base64.b32decode(sys.argv[1].upper() + "=" * (-len(sys.argv[1]) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"
}

csrf() { jq -r '.ui.nodes[] | select(.attributes.name == "csrf_token") | .attributes.value' "$1"; }

# --- registration and login (native) -------------------------------------
call createNativeRegistrationFlow.200.native.json 200 "${JSON[@]}" "$PUB/self-service/registration/api"
RF=$(jq -r .id "$TMP/last")
call updateRegistrationFlow.400.invalid-email.json 400 "${POSTJSON[@]}" \
  -d '{"method":"password","password":"'"$PASSWORD"'","traits":{"email":"not-an-email"}}' "$PUB/self-service/registration?flow=$RF"
call updateRegistrationFlow.200.native.json 200 "${POSTJSON[@]}" \
  -d '{"method":"password","password":"'"$PASSWORD"'","traits":{"email":"'"$EMAIL"'"}}' "$PUB/self-service/registration?flow=$RF"
TOKEN=$(jq -r .session_token "$TMP/last")
call updateRegistrationFlow.400.missing-flow.json 400 "${POSTJSON[@]}" \
  -d '{"method":"password","password":"'"$PASSWORD"'","traits":{"email":"x@example.org"}}' "$PUB/self-service/registration"

RF=$(curl -s "${JSON[@]}" "$PUB/self-service/registration/api" | jq -r .id)
call updateRegistrationFlow.422.oidc.json 422 "${POSTJSON[@]}" \
  -d '{"method":"oidc","provider":"github"}' "$PUB/self-service/registration?flow=$RF"

call createNativeLoginFlow.200.native.json 200 "${JSON[@]}" "$PUB/self-service/login/api"
LF=$(jq -r .id "$TMP/last")
call updateLoginFlow.400.wrong-password.json 400 "${POSTJSON[@]}" \
  -d '{"method":"password","identifier":"'"$EMAIL"'","password":"wrong-password-123456"}' "$PUB/self-service/login?flow=$LF"
call getLoginFlow.200.native.json 200 "${JSON[@]}" "$PUB/self-service/login/flows?id=$LF"
call updateLoginFlow.200.native.json 200 "${POSTJSON[@]}" \
  -d '{"method":"password","identifier":"'"$EMAIL"'","password":"'"$PASSWORD"'"}' "$PUB/self-service/login?flow=$LF"
call updateLoginFlow.400.missing-flow.json 400 "${POSTJSON[@]}" \
  -d '{"method":"password","identifier":"'"$EMAIL"'","password":"'"$PASSWORD"'"}' "$PUB/self-service/login"
LF=$(curl -s "${JSON[@]}" "$PUB/self-service/login/api" | jq -r .id)
call updateLoginFlow.422.oidc.json 422 "${POSTJSON[@]}" \
  -d '{"method":"oidc","provider":"github"}' "$PUB/self-service/login?flow=$LF"
call getLoginFlow.404.unknown-id.json 404 "${JSON[@]}" "$PUB/self-service/login/flows?id=00000000-0000-4000-8000-000000000000"

# --- browser / SPA -------------------------------------------------------
JAR="$TMP/jar"
call createBrowserLoginFlow.200.spa.json 200 -c "$JAR" -b "$JAR" "${JSON[@]}" "$PUB/self-service/login/browser"
BLF=$(jq -r .id "$TMP/last"); BCSRF=$(csrf "$TMP/last")
call getLoginFlow.403.csrf.json 403 "${JSON[@]}" "$PUB/self-service/login/flows?id=$BLF"
call updateLoginFlow.403.csrf-missing.json 403 -c "$JAR" -b "$JAR" "${POSTJSON[@]}" \
  -d '{"method":"password","identifier":"'"$EMAIL"'","password":"'"$PASSWORD"'"}' "$PUB/self-service/login?flow=$BLF"
call updateLoginFlow.200.spa.json 200 -c "$JAR" -b "$JAR" "${POSTJSON[@]}" \
  -d '{"method":"password","identifier":"'"$EMAIL"'","password":"'"$PASSWORD"'","csrf_token":"'"$BCSRF"'"}' "$PUB/self-service/login?flow=$BLF"
call createBrowserLogoutFlow.200.cookie.json 200 -b "$JAR" "${JSON[@]}" "$PUB/self-service/logout/browser"
call createBrowserRegistrationFlow.200.spa.json 200 "${JSON[@]}" "$PUB/self-service/registration/browser"
call createBrowserLoginFlow.400.return-to.json 400 "${JSON[@]}" "$PUB/self-service/login/browser?return_to=https://evil.example.org/"

# --- sessions ------------------------------------------------------------
AUTH=(-H "X-Session-Token: $TOKEN")
call toSession.200.token.json 200 "${JSON[@]}" "${AUTH[@]}" "$PUB/sessions/whoami"
call toSession.401.no-session.json 401 "${JSON[@]}" "$PUB/sessions/whoami"
call listMySessions.200.token.json 200 "${JSON[@]}" "${AUTH[@]}" "$PUB/sessions"
call disableMySession.400.current.json 400 "${JSON[@]}" "${AUTH[@]}" -X DELETE \
  "$PUB/sessions/$(curl -s "${AUTH[@]}" "$PUB/sessions/whoami" | jq -r .id)"

# --- settings ------------------------------------------------------------
call createNativeSettingsFlow.200.native.json 200 "${JSON[@]}" "${AUTH[@]}" "$PUB/self-service/settings/api"
SF=$(jq -r .id "$TMP/last")
call updateSettingsFlow.400.invalid-email.json 400 "${POSTJSON[@]}" "${AUTH[@]}" \
  -d '{"method":"profile","traits":{"email":"not-an-email"}}' "$PUB/self-service/settings?flow=$SF"
call updateSettingsFlow.200.profile.json 200 "${POSTJSON[@]}" "${AUTH[@]}" \
  -d '{"method":"profile","traits":{"email":"'"$EMAIL"'"}}' "$PUB/self-service/settings?flow=$SF"
SF=$(curl -s "${JSON[@]}" "${AUTH[@]}" "$PUB/self-service/settings/api" | jq -r .id)
call updateSettingsFlow.422.oidc-link.json 422 "${POSTJSON[@]}" "${AUTH[@]}" \
  -d '{"method":"oidc","link":"github"}' "$PUB/self-service/settings?flow=$SF"
call getSettingsFlow.401.no-session.json 401 "${JSON[@]}" "$PUB/self-service/settings/flows?id=$SF"

# --- recovery and verification --------------------------------------------
call createNativeRecoveryFlow.200.native.json 200 "${JSON[@]}" "$PUB/self-service/recovery/api"
RCF=$(jq -r .id "$TMP/last")
call updateRecoveryFlow.200.sent-email.json 200 "${POSTJSON[@]}" \
  -d '{"method":"code","email":"'"$EMAIL"'"}' "$PUB/self-service/recovery?flow=$RCF"
IDENTITY=$(curl -s "${AUTH[@]}" "$PUB/sessions/whoami" | jq -r .identity.id)
curl -s -o "$TMP/code" -H 'Content-Type: application/json' \
  -d '{"identity_id":"'"$IDENTITY"'","expires_in":"15m"}' "$ADMIN/admin/recovery/code"
RCF=$(jq -r .recovery_link "$TMP/code" | sed 's/.*flow=//'); RCODE=$(jq -r .recovery_code "$TMP/code")
call updateRecoveryFlow.422.code.json 422 "${POSTJSON[@]}" \
  -d '{"method":"code","code":"'"$RCODE"'"}' "$PUB/self-service/recovery?flow=$RCF"

call createNativeVerificationFlow.200.native.json 200 "${JSON[@]}" "$PUB/self-service/verification/api"
VF=$(jq -r .id "$TMP/last")
call updateVerificationFlow.200.sent-email.json 200 "${POSTJSON[@]}" \
  -d '{"method":"code","email":"'"$EMAIL"'"}' "$PUB/self-service/verification?flow=$VF"
call getVerificationFlow.200.native.json 200 "${JSON[@]}" "$PUB/self-service/verification/flows?id=$VF"

# --- errors, webauthn ----------------------------------------------------
call getFlowError.200.stub.json 200 "${JSON[@]}" "$PUB/self-service/errors?id=stub:500"
call getWebAuthnJavaScript.200.body 200 "$PUB/.well-known/ory/webauthn.js"
call disableMyOtherSessions.200.token.json 200 "${JSON[@]}" "${AUTH[@]}" -X DELETE "$PUB/sessions"

# --- TOTP: aal1 login of an identity with a second factor ------------------
SF=$(curl -s "${JSON[@]}" "${AUTH[@]}" "$PUB/self-service/settings/api" | tee "$TMP/settings" | jq -r .id)
SECRET=$(jq -r '.ui.nodes[] | select(.attributes.id? == "totp_secret_key") | .attributes.text.text' "$TMP/settings")
curl -s -o "$TMP/totp" -w '%{http_code}' "${POSTJSON[@]}" "${AUTH[@]}" \
  -d '{"method":"totp","totp_code":"'"$(totp "$SECRET")"'"}' "$PUB/self-service/settings?flow=$SF" | grep -q 200 \
  || { echo "record: totp enrolment failed: $(head -c 300 "$TMP/totp")" >&2; exit 1; }
LF=$(curl -s "${JSON[@]}" "$PUB/self-service/login/api" | jq -r .id)
call updateLoginFlow.200.native-aal1.json 200 "${POSTJSON[@]}" \
  -d '{"method":"password","identifier":"'"$EMAIL"'","password":"'"$PASSWORD"'"}' "$PUB/self-service/login?flow=$LF"
AAL1=$(jq -r .session_token "$TMP/last")
call toSession.403.aal2-required.json 403 "${JSON[@]}" -H "X-Session-Token: $AAL1" "$PUB/sessions/whoami"

# --- expired flows (optional second Kratos with 3 s lifespans) -------------
if [[ -n "${PUB_SHORT:-}" ]]; then
  RF=$(curl -s "${JSON[@]}" "$PUB_SHORT/self-service/registration/api" | jq -r .id)
  TOKEN_SHORT=$(curl -s "${POSTJSON[@]}" -d '{"method":"password","password":"'"$PASSWORD"'","traits":{"email":"'"$EMAIL2"'"}}' \
    "$PUB_SHORT/self-service/registration?flow=$RF" | jq -r .session_token)
  LF=$(curl -s "${JSON[@]}" "$PUB_SHORT/self-service/login/api" | jq -r .id)
  SF=$(curl -s "${JSON[@]}" -H "X-Session-Token: $TOKEN_SHORT" "$PUB_SHORT/self-service/settings/api" | jq -r .id)
  RCF=$(curl -s "${JSON[@]}" "$PUB_SHORT/self-service/recovery/api" | jq -r .id)
  sleep 4
  call getLoginFlow.410.expired-api.json 410 "${JSON[@]}" "$PUB_SHORT/self-service/login/flows?id=$LF"
  call getSettingsFlow.410.expired-api.json 410 "${JSON[@]}" -H "X-Session-Token: $TOKEN_SHORT" "$PUB_SHORT/self-service/settings/flows?id=$SF"
  call getRecoveryFlow.410.expired-api.json 410 "${JSON[@]}" "$PUB_SHORT/self-service/recovery/flows?id=$RCF"
  call updateLoginFlow.410.expired-api.json 410 "${POSTJSON[@]}" \
    -d '{"method":"password","identifier":"'"$EMAIL2"'","password":"'"$PASSWORD"'"}' "$PUB_SHORT/self-service/login?flow=$LF"
fi
