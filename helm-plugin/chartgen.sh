#!/bin/sh
# Launcher of the chartgen helm plugin: `helm chartgen ARGS...` runs `chartgen ARGS...`.
#
# It runs chartgen from the first of these that has it installed:
#   1. $CHARTGEN_PYTHON, a Python interpreter. When it is set, nothing else is tried.
#   2. The .venv of the chartgen checkout that contains this plugin folder. Helm 3.17 and 4.3
#      install a local folder as a symlink, which is resolved to find the checkout.
#   3. A `chartgen` executable on PATH.
#   4. python3 on PATH.
# No virtual environment needs to be activated. `helm --debug chartgen ...` prints the choice.
#
# Exit status: chartgen's own (0, 1 when a finding fails the check, 2 for usage errors),
# or 127 when no Python with chartgen was found.

set -u

# Status of a candidate that cannot import chartgen. sh uses the same status for a command it cannot find.
NOT_FOUND=127

# The Python program each candidate runs. Its first argument is "show-import-error" or "quiet".
# `python -c` puts the working directory first on sys.path. The program removes it, because a folder
# named chartgen in the user's working directory would otherwise shadow the installed package.
BOOTSTRAP='import sys
if sys.path[:1] == [""]:
    del sys.path[0]
show_import_error = sys.argv.pop(1) == "show-import-error"
try:
    from chartgen.cli import main
except ImportError as error:
    if show_import_error:
        print(f"{sys.executable}: {error}", file=sys.stderr)
    sys.exit(127)
sys.argv[0] = "chartgen"
main()'

debug() {
    if [ "${HELM_DEBUG:-false}" = true ]; then
        printf 'helm chartgen: %s\n' "$*" >&2
    fi
}

if [ "${HELM_DEBUG:-false}" = true ]; then
    import_errors=show-import-error
else
    import_errors=quiet
fi

# helm sets HELM_BIN to the command it was started with, such as "helm" or "./helm".
# chartgen runs $HELM_BIN to render charts, so make it a path that works from any folder.
case ${HELM_BIN:-} in
    "") ;;
    /*) ;;
    */*) HELM_BIN=$PWD/$HELM_BIN ;;
    *) HELM_BIN=$(command -v -- "$HELM_BIN") || HELM_BIN= ;;
esac
if [ -n "${HELM_BIN:-}" ]; then
    export HELM_BIN
    debug "chartgen renders with HELM_BIN=$HELM_BIN"
else
    unset HELM_BIN
fi

# helm keeps -n/--namespace for itself and hands the plugin only HELM_NAMESPACE. Pass it to
# `chartgen validate` so the chart renders in the namespace `helm template` would use.
if [ -n "${HELM_NAMESPACE:-}" ]; then
    subcommand_seen=false
    for arg do
        shift
        set -- "$@" "$arg"
        if [ "$subcommand_seen" = false ]; then
            case $arg in
                -*) ;;
                validate)
                    set -- "$@" --namespace "$HELM_NAMESPACE"
                    debug "passing --namespace $HELM_NAMESPACE to chartgen validate"
                    subcommand_seen=true
                    ;;
                *) subcommand_seen=true ;;
            esac
        fi
    done
fi

# Run chartgen with the Python in $1 and the remaining arguments. Returns NOT_FOUND when it lacks chartgen.
run_with_python() {
    python=$1
    shift
    "$python" -c "$BOOTSTRAP" "$import_errors" "$@"
}

if [ -n "${CHARTGEN_PYTHON:-}" ]; then
    debug "running chartgen with CHARTGEN_PYTHON=$CHARTGEN_PYTHON"
    import_errors=show-import-error
    run_with_python "$CHARTGEN_PYTHON" "$@"
    status=$?
    if [ "$status" -eq "$NOT_FOUND" ]; then
        printf '%s\n' \
            "helm chartgen: CHARTGEN_PYTHON is $CHARTGEN_PYTHON, which cannot run chartgen." \
            "Install chartgen into that Python with \`$CHARTGEN_PYTHON -m pip install PATH_TO_CHARTGEN_CHECKOUT\`," \
            "or point CHARTGEN_PYTHON at a Python that has chartgen, or unset it." >&2
    fi
    exit "$status"
fi

case $0 in
    */*) plugin_dir=${0%/*} ;;
    *) plugin_dir=. ;;
esac
checkout=$(cd -P -- "$plugin_dir/.." && pwd -P)
tried="CHARTGEN_PYTHON (not set)"

venv_python=$checkout/.venv/bin/python
if [ -x "$venv_python" ]; then
    debug "running chartgen with $venv_python"
    run_with_python "$venv_python" "$@"
    status=$?
    [ "$status" -ne "$NOT_FOUND" ] && exit "$status"
    tried="$tried, $venv_python (no chartgen)"
else
    tried="$tried, $venv_python (missing)"
fi

if chartgen_program=$(command -v chartgen); then
    debug "running $chartgen_program"
    exec "$chartgen_program" "$@"
fi
tried="$tried, chartgen on PATH (missing)"

if python3_program=$(command -v python3); then
    debug "running chartgen with $python3_program"
    run_with_python "$python3_program" "$@"
    status=$?
    [ "$status" -ne "$NOT_FOUND" ] && exit "$status"
    tried="$tried, $python3_program (no chartgen)"
else
    tried="$tried, python3 on PATH (missing)"
fi

if [ -f "$checkout/pyproject.toml" ] && [ -f "$checkout/chartgen/cli.py" ]; then
    install_hint="Run \`make setup\` in $checkout, or \`python3 -m pip install $checkout\`"
else
    install_hint="Run \`make setup\` in a chartgen checkout, or \`python3 -m pip install PATH_TO_CHARTGEN_CHECKOUT\`"
fi
printf '%s\n' \
    "helm chartgen: chartgen is not installed for any Python the plugin looked at." \
    "Tried: $tried." \
    "$install_hint, then set CHARTGEN_PYTHON to the Python that has chartgen or put chartgen on PATH." >&2
exit "$NOT_FOUND"
