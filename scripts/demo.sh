#!/usr/bin/env bash
# The demo command. Until the service lands it shows the policy engine on
# real profiles: parse Debian's Firefox profile with all its includes, and
# print the canonical text of another.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build client/policy_tool/aalayer-policy
tool=build/client/policy_tool/aalayer-policy
echo "== aalayer-policy parse: Debian's Firefox profile and everything it includes"
"$tool" parse -v /usr/share/apparmor/extra-profiles/usr.lib.firefox.firefox
echo
echo "== aalayer-policy emit: canonical text of /etc/apparmor.d/usr.bin.man"
"$tool" emit /etc/apparmor.d/usr.bin.man
echo
echo "== a broken profile gets a located error (exit 1)"
printf 'profile demo {\n  /etc/demo.conf rz,\n}\n' > /tmp/aalayer-demo-broken
"$tool" parse /tmp/aalayer-demo-broken || echo "(exit code $?)"
