# bash completion for bootstrap(1), loaded by bash-completion, whose helpers it uses.
# The option list is written out rather than read from `bootstrap --help` at each Tab, so completing costs
# no process start; the package test checks that it names every long option --help lists.

_bootstrap() {
    local cur prev words cword split
    _init_completion -s || return

    # After "--" comes a command to run: bash completes it and its arguments as if typed on their own.
    local i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == -- ]]; then
            _command_offset $((i + 1))
            return
        fi
    done

    case $prev in
        -o | --output | --trace)
            _filedir
            return
            ;;
        --cgroup)
            _filedir -d
            return
            ;;
        -u | --uid | --run-as)
            mapfile -t COMPREPLY < <(compgen -u -- "$cur")
            return
            ;;
        -p | --pid | --ppid)
            _pids
            return
            ;;
        -c | --comm)
            _pnames
            return
            ;;
        -t | --time)
            mapfile -t COMPREPLY < <(compgen -W 'local utc iso rel' -- "$cur")
            return
            ;;
        # Values with nothing to offer: numbers, sizes, addresses, patterns, ids.
        -d | --duration | --max-args-bytes | --ring-size | --pidns | --container | --redact | --max-size | \
            --max-files | --max-delay | --metrics | --metrics-comm-limit | --cgroup-rate | --cgroup-level)
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W '-h --help -V --version
            -d --duration -x --failed --threads --exec-only --exit-only --max-args-bytes --ring-size
            --cgroup-rate --cgroup-level --no-isolation
            -p --pid --ppid -c --comm -u --uid --cgroup --container --containers --pidns
            -j --json -a --args --ancestors --existing --context --env --redact --redact-args -t --time
            -s --summary -o --output --max-size --max-files --trace --max-delay -v --verbose
            --metrics --metrics-only --metrics-comm-limit
            --run-as --wait --' -- "$cur")
    fi
} &&
    complete -F _bootstrap bootstrap

# ex: filetype=sh
