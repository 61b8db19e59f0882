#!/usr/bin/env bash
# The README's curl walkthrough as a script that checks every answer.
#
#   examples/walkthrough.sh [BASE_URL]      (default: $WARDROBE_URL, else http://127.0.0.1:8000)
#
# Every request states the status it expects (and, for errors, the problem document's `code`);
# the first surprise prints the response and exits 1. Each run registers a new email, so it
# can run again and again against the same server. Needs bash, curl and python3 (no jq).
set -euo pipefail

API=${1:-${WARDROBE_URL:-http://127.0.0.1:8000}}
API=${API%/}
EMAIL="walkthrough-$(date +%s)-$RANDOM@example.com"
PASSWORD="correct horse battery staple"

BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

# call EXPECTED_STATUS METHOD PATH [curl arguments...]: the response body lands in $BODY.
call() {
  local expected=$1 method=$2 path=$3 status
  shift 3
  if ! status=$(curl -sS --max-time 10 -o "$BODY" -w '%{http_code}' -X "$method" "$API$path" "$@"); then
    echo "FAIL $method $path: could not reach $API" >&2
    exit 1
  fi
  if [[ $status != "$expected" ]]; then
    echo "FAIL $method $path: expected $expected, got $status" >&2
    cat "$BODY" >&2
    echo >&2
    exit 1
  fi
  echo "ok   $status $method $path"
}

# field NAME: that field of the JSON object in $BODY.
field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$BODY" "$1"
}

# expect_code CODE: the problem document in $BODY carries this stable `code`.
expect_code() {
  local code
  code=$(field code)
  if [[ $code != "$1" ]]; then
    echo "FAIL expected code $1, got $code" >&2
    exit 1
  fi
  echo "     code $code"
}

json=(-H 'Content-Type: application/json')
credentials="{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"

echo "Wardrobe API at $API, as $EMAIL"

# Register (anyone). The role is always "user"; a body that tries to set it is refused.
call 422 POST /auth/register "${json[@]}" \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"role\": \"admin\"}"
expect_code validation_error
call 201 POST /auth/register "${json[@]}" \
  -d "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"name\": \"Ada\"}"
[[ $(field role) == user ]] || { echo "FAIL new user's role is not user" >&2; exit 1; }

# Log in: an access token and a refresh token, one new session.
call 200 POST /auth/login "${json[@]}" -d "$credentials"
ACCESS=$(field access_token)
REFRESH=$(field refresh_token)

# Who am I? Any protected route wants the access token in the Authorization header.
call 401 GET /auth/me
expect_code token_missing
call 200 GET /auth/me -H "Authorization: Bearer $ACCESS"
[[ $(field email) == "$EMAIL" ]] || { echo "FAIL /auth/me is someone else" >&2; exit 1; }

# My sessions (one per login), the current one marked.
call 200 GET /auth/sessions -H "Authorization: Bearer $ACCESS"

# Refresh: a new pair; the refresh token just used is dead from now on.
OLD_REFRESH=$REFRESH
call 200 POST /auth/refresh -H "Authorization: Bearer $REFRESH"
ACCESS=$(field access_token)
REFRESH=$(field refresh_token)
call 200 GET /auth/me -H "Authorization: Bearer $ACCESS"

# Replaying the old refresh token is reuse: the whole session ends, newest tokens too.
call 401 POST /auth/refresh -H "Authorization: Bearer $OLD_REFRESH"
expect_code refresh_reused
call 401 GET /auth/me -H "Authorization: Bearer $ACCESS"
expect_code token_revoked

# Log in again, then log out: this session's tokens stop working at once.
call 200 POST /auth/login "${json[@]}" -d "$credentials"
ACCESS=$(field access_token)
call 204 POST /auth/logout -H "Authorization: Bearer $ACCESS"
call 401 GET /auth/me -H "Authorization: Bearer $ACCESS"
expect_code token_revoked

echo "walkthrough passed"
