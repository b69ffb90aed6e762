# Completes LINE as an interactive zsh does, for tests/integration/cli_test.cpp: a zsh -i on a
# pseudo-terminal (zpty), compinit finding _aalayer in DIR, LINE typed and TAB (bound to
# list-choices) pressed; prints the candidates it lists, one a line.
# zsh -f zsh_completion_driver.zsh DIR LINE
setopt extended_glob
zmodload zsh/zpty || exit 1
dir=$1 line=$2
zpty -b z "zsh -f -i"
zpty -w z "PS1='%% '; fpath=($dir \$fpath); autoload -U compinit; compinit -u -D"
# The list below the line and the prompt printed again after it (not the cursor moved back up).
zpty -w z "unsetopt always_last_prompt prompt_cr prompt_sp; bindkey '^I' list-choices; LISTMAX=0"
# The markers are typed split (RE""ADY), so that the line's echo does not look like them.
zpty -w z "print -r -- comps: \$_comps[aalayer]; print RE\"\"ADY"
# Reads what the terminal shows until $1 is printed (10 s at most).
read_until() {
  local chunk; integer tries=0
  out=
  while ((tries++ < 200)); do
    if zpty -r -t z chunk; then out+=$chunk; else sleep 0.05; fi
    [[ $out == *$1$'\r'* ]] && return 0
  done
  print -u2 "no $1 from zsh: $out"; exit 1
}
read_until READY
[[ $out == *"comps: _aalayer"* ]] || { print -u2 "compinit did not register _aalayer for aalayer"; exit 1; }
zpty -w -n z "$line"$'\t'
sleep 1
zpty -w -n z $'\C-u'"print DO\"\"NE"$'\n'
read_until DONE
zpty -d z
# The listing: after the line typed, before the next prompt; escapes and carriage returns gone.
out=${out//$'\e'\[[0-9;?]#[a-zA-Z]/}
out=${out//$'\r'/}
out=${out//?$'\b'/}
local -a lines=(${(f)out}) words
integer listing=0
for l in $lines; do
  if ((listing)); then
    [[ $l == '% '* || $l == DONE ]] && break
    if [[ $l == *' -- '* ]]; then words+=(${l%% *}); else words+=(${=l}); fi
  elif [[ $l == "% $line"* ]]; then
    listing=1
  fi
done
print -rl -- $words
