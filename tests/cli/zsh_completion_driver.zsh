# Runs client/data/completion/_aalayer in a non-interactive zsh, for
# tests/integration/cli_test.cpp: compinit must find it for aalayer, then it
# is called as the completion system would, with stand-ins (named below) for
# the builtins that work only inside a completion widget.
# zsh -f zsh_completion_driver.zsh DIR WORD... (DIR holds _aalayer; the last WORD is being completed.)
dir=$1; shift
fpath=($dir $fpath)
autoload -U compinit
compinit -u -D
print -r -- "comps: $_comps[aalayer]"
# Stand-ins for zsh's completion builtins and helpers, which work only inside a widget.
compadd() {
  local -a out; local suffix=
  while (($#)); do
    case $1 in
      -a) shift; while (($#)); do out+=(${(P)1}); shift; done; break ;;
      -S) shift; suffix=$1 ;;
      --) shift; out+=("$@"); break ;;
      -*) ;;
      *) out+=("$1") ;;
    esac
    shift
  done
  (($#out)) && print -rl -- ${^out}$suffix
}
_describe() { local -a d=(${(P)4}); print -rl -- ${d%%:*} }
_files() { print -r -- '<files>' }
_command_names() { print -r -- '<commands>' }
words=("$@"); CURRENT=$#words; PREFIX=${words[-1]}
autoload -U _aalayer
_aalayer
