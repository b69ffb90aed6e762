# bash completion for aalayer(1): its commands and their options; your layers
# (aalayer list) where a command wants BASE/NAME, and for apply also the bases
# you may layer on (aalayer grants --json) followed by '/'; files where it wants
# FILE or PATH. Installed as bash-completion/completions/aalayer.
# The commands and options are client/cli/arguments.cpp's table
# (Cli.CompletionInBashAndZsh in tests/integration/cli_test.cpp compares them).

_aalayer_commands="grants check apply list show explain diff remove edit mode reset reload accept log learn run notify sync launcher"

_aalayer_options() {
    case $1 in
        grants) echo --json ;;
        check) echo --base --name --print-profile --json ;;
        apply) echo --strict --complain --interactive --json ;;
        list) echo --all --json ;;
        show | explain) echo --json ;;
        diff) echo --with-base --json ;;
        remove) echo --force --interactive --json ;;
        edit) echo --strict --interactive ;;
        mode | reset | accept) echo --interactive ;;
        log) echo --since --follow --json ;;
        learn) echo --since --yes --enforce --interactive --json ;;
        run) echo --allow --deny --layer --strict ;;
        notify) echo --all-repeats --repeat-after --interval --terminal ;;
        sync) echo --dry-run --json ;;
        launcher) echo --desktop --label --default-for --remove ;;
    esac
}

# Your layers, BASE/NAME: the first column of aalayer list, under its header.
_aalayer_layers() {
    "$1" list 2>/dev/null | sed -n '2,$s/ .*//p'
}

# The desktop file IDs of the XDG data directories' applications (launcher --desktop).
_aalayer_desktop_ids() {
    local dir data_home=${XDG_DATA_HOME:-$HOME/.local/share}
    local IFS=:
    for dir in $data_home ${XDG_DATA_DIRS:-/usr/local/share:/usr/share}; do
        [[ -d $dir/applications ]] || continue
        (cd "$dir/applications" && find . -name '*.desktop' ! -name 'aalayer-*' 2>/dev/null) |
            sed 's|^\./||; s|/|-|g'
    done
}

# The bases you may layer on.
_aalayer_bases() {
    "$1" grants --json 2>/dev/null | grep -o '"base": "[^"]*"' | sed 's/^"base": "//; s/"$//'
}

_aalayer() {
    local program=$1 cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local command="" position=0 i word
    COMPREPLY=()
    # The command, and which of its arguments is being completed (options and their values skipped).
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
            --) # run: COMMAND [ARG]... after it
                if ((i == COMP_CWORD - 1)); then
                    mapfile -t COMPREPLY < <(compgen -c -- "$cur")
                else
                    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                fi
                return ;;
            --base | --name | --since | --repeat-after | --interval | --terminal | --desktop | --label | --default-for | --allow | --deny | --layer) ((i++)) ;;
            -*) ;;
            *) if [[ -z $command ]]; then command=$word; else ((position++)); fi ;;
        esac
    done
    case $prev in
        --base) mapfile -t COMPREPLY < <(compgen -W "$(_aalayer_bases "$program")" -- "$cur"); return ;;
        --terminal) mapfile -t COMPREPLY < <(compgen -c -- "$cur"); return ;;
        --desktop) mapfile -t COMPREPLY < <(compgen -W "$(_aalayer_desktop_ids)" -- "$cur"); return ;;
        --allow | --deny | --layer) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        --name | --since | --repeat-after | --interval | --label | --default-for) return ;;
    esac
    if [[ -z $command ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$_aalayer_commands --help --version" -- "$cur")
        return
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_aalayer_options "$command") --help" -- "$cur")
        return
    fi
    case $command:$position in
        apply:0)
            # An existing layer to replace, or a base to start a new one on.
            local bases
            bases=$(_aalayer_bases "$program" | sed 's|$|/|')
            mapfile -t COMPREPLY < <(compgen -W "$(_aalayer_layers "$program") $bases" -- "$cur")
            # A base needs its NAME after the '/': no space yet.
            if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then compopt -o nospace 2>/dev/null; fi
            ;;
        show:0 | explain:0 | diff:[01] | remove:0 | edit:0 | mode:0 | reset:0 | accept:0 | log:0 | learn:0 | launcher:0)
            mapfile -t COMPREPLY < <(compgen -W "$(_aalayer_layers "$program")" -- "$cur") ;;
        run:0) # your layers, or a base for a one-run layer (--allow)
            mapfile -t COMPREPLY < <(compgen -W "$(_aalayer_layers "$program") $(_aalayer_bases "$program")" -- "$cur") ;;
        mode:1) mapfile -t COMPREPLY < <(compgen -W "enforce complain" -- "$cur") ;;
        run:*) mapfile -t COMPREPLY < <(compgen -W "--" -- "$cur") ;;
        apply:1 | check:0 | explain:*)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    esac
    return 0
}

complete -F _aalayer aalayer
