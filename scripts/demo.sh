#!/usr/bin/env bash
# The demo command. Until the service lands it shows the policy engine the
# service runs, on Debian's Firefox profile: two layers composed with a
# grant, the child profile compiled by the real apparmor_parser, explain,
# a clipped rule's warning, and the diff between the two layers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build client/policy_tool/aalayer-policy
tool=build/client/policy_tool/aalayer-policy
ex=docs/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
L=(--base /usr/share/apparmor/extra-profiles/usr.lib.firefox.firefox --grant "$ex/grants/firefox.conf"
   --uid 1000 --user alice --home /home/alice)

echo "== the grant: where users may decide, and how much ($ex/grants/firefox.conf)"
grep -v '^#' "$ex/grants/firefox.conf"
echo
echo "== the banking layer ($ex/layers/banking.layer) and its child profile"
grep -v '^#' "$ex/layers/banking.layer"
"$tool" compose "${L[@]}" --layer "$ex/layers/banking.layer" | tee "$work/banking.child" | sed -n '1,12p;/Inside the grant/,$p'
echo
echo "== apparmor_parser compiles the child (compile-only, 3.0 ABI)"
apparmor_parser -Q -K -T -M /etc/apparmor.d/abi/3.0 -o "$work/banking.bin" "$work/banking.child"
echo "ok: $(stat -c %s "$work/banking.bin") bytes of binary policy"
echo
echo "== explain: inside the grant, outside it, and what the layer denies"
"$tool" explain "${L[@]}" --layer "$ex/layers/banking.layer" \
  /home/alice/.mozilla/firefox/banking/cookies.sqlite /home/alice/.mozilla/firefox/everyday/places.sqlite \
  /home/alice/.ssh/id_rsa /etc/passwd
echo
echo "== a layer that reaches past the grant: its rules are clipped, with an example path"
"$tool" compose "${L[@]}" --layer "$ex/layers/escape.layer" > /dev/null
echo
echo "== the same layer with --strict: an error, no profile (exit 1)"
"$tool" compose "${L[@]}" --layer "$ex/layers/escape.layer" --strict > /dev/null || echo "(exit code $?)"
echo
echo "== diff banking everyday: where the two layers differ"
"$tool" diff "${L[@]}" --layer "$ex/layers/banking.layer" --layer "$ex/layers/everyday.layer"
