#!/usr/bin/env bash
# The action templates' demo: the local emulator, a pre-authorized
# workspace, the Salesforce integration enabled (when this build has
# `luaforce integration`), `templates install --all` into a new bot, then one
# conversation: Create a Lead, Search Leads, Update a Lead, Create an
# Opportunity and Delete a Lead, printed as bot/user lines, and the
# emulator's record counts at the end.
#   scripts/examples/templates_demo.sh [BUILD_DIR]   (default: build;
#   $LUAFORCE_BIN, when set, names the luaforce executable instead)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${LUAFORCE_BIN:-${1:-build}/luaforce}"
[ -x "$bin" ] || { echo "templates_demo: build first ($bin is missing)" >&2; exit 1; }

tmp=$(mktemp -d)
python3 spec/emulator/emulator.py --https >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
pid=$!
trap 'kill '"$pid"' 2>/dev/null; wait '"$pid"' 2>/dev/null; rm -rf '"$tmp" EXIT
for _ in $(seq 200); do grep -q '^ready ' "$tmp/emulator.out" 2>/dev/null && break; sleep 0.05; done
read -r _ url ca <"$tmp/emulator.out" || { echo "templates_demo: no emulator" >&2; exit 1; }
ca=${ca#ca=}
export LUAFORCE_HOME="$tmp/workspace" LUAFORCE_CA_FILE="$ca" LUAFORCE_ALLOW_LOOPBACK=1

echo "== the Salesforce emulator is at $url; a pre-authorized workspace"
echo luaforce-test-secret | "$bin" auth system set --client-id luaforce-test-client \
  --client-secret - --login-url "$url" >/dev/null
"$bin" auth login --client-credentials >/dev/null
if "$bin" help integration >/dev/null 2>&1; then
  echo "== luaforce integration enable salesforce --mode pre-authorize"
  "$bin" integration enable salesforce --mode pre-authorize
fi
echo "== luaforce templates install --all --into bot"
"$bin" templates install --all --into "$tmp/bot" >/dev/null
"$bin" templates list

# One conversation, kept in the workspace as session "demo": each part
# resumes it (the lead's id is read from the bot's answer in between).
talk() {
  printf '%s\n' "$@" >"$tmp/answers.txt"
  "$bin" dialog run "$tmp/bot" --session demo --answers "$tmp/answers.txt" | tee "$tmp/said"
}
echo "== the conversation"
talk "create a lead" "Ada" "Lovelace" "Analytical Engines"
id=$(grep -o 'ID: 00Q[0-9A-Za-z]*' "$tmp/said" | head -n1 | cut -c5-)
talk "find leads named Lovelace" \
  "update lead $id" "status" "contacted" \
  "new opportunity" "Analytical Engine, second order" "31 Dec 2026" "prospectin" \
  "delete lead $id" "yes"

echo "== the emulator's records"
for sobject in Lead Opportunity; do
  n=$(curl -s --cacert "$ca" "$url/__emulator/records?sobject=$sobject&include_deleted=false" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["totalSize"])')
  echo "$sobject: $n"
done
