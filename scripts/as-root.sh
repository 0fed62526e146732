# Sourced by the scripts that need root (install-deps, sandbox, test): `mmm_as_root "$@"` returns when the
# caller is root, re-runs the calling script through sudo when it is not and sudo exists (keeping the MMM_*
# and CI variables, which sudo would drop), and exits with a clear message otherwise.
mmm_as_root() {
    [[ $(id -u) == 0 ]] && return 0
    local self name var keep=()
    self=$(realpath "$0")
    name=$(basename "$self")
    if ! command -v sudo >/dev/null 2>&1; then
        echo "$name: must run as root (network namespaces, packages, mariadbd as user mysql), and sudo is not installed" >&2
        exit 1
    fi
    for var in $(compgen -e); do
        [[ $var == MMM_* || $var == CI ]] && keep+=("$var=${!var}")
    done
    echo "$name: not root: running it again through sudo" >&2
    exec sudo env "${keep[@]}" "$self" "$@"
}
