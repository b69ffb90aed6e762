#!/bin/sh
# alice's side of the booted-system test: her console login shell (tty1,
# autologin) becomes this loop (/etc/profile.d/aalayer-boot-test.sh in the
# image), so every command guest.sh hands over runs inside her logind
# session, as her. A command is a file N.cmd in the directory below; its
# output goes to N.out and its exit status, last, to N.rc.
d=/run/aalayer-boot-test/alice
# Tells guest.sh that the session is up, and which it is.
echo "${XDG_SESSION_ID:-none}" >"$d/session.tmp" && mv "$d/session.tmp" "$d/session"
while :; do
  for c in "$d"/*.cmd; do
    [ -f "$c" ] || continue
    b=${c%.cmd}
    sh "$c" >"$b.out" 2>&1 </dev/null
    echo $? >"$b.rc.tmp"
    rm -f "$c"
    mv "$b.rc.tmp" "$b.rc"
  done
  sleep 0.1
done
