# Sourced by the set-up scripts (setup-e2e.sh, setup-editors.sh): one way to install the
# Debian packages a step needs, and only those that are missing.
#
#   apt_install_missing TAG PACKAGE...
# says what it installs, prefixed with TAG; returns 0 when it installed something and 1
# when nothing was missing. A failed install ends the script (exit, not return: `set -e`
# does not apply inside a function called as an `if` condition).
apt_install_missing() {
  local tag=$1 p sudo=""
  shift
  local need=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      need+=("$p")
    fi
  done
  [ ${#need[@]} -gt 0 ] || return 1
  echo "$tag: apt-get install ${need[*]}"
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Try without refreshing the package lists first; refresh only when that fails.
  if ! $sudo apt-get install -y -qq "${need[@]}" >"/tmp/$tag-apt.log" 2>&1; then
    $sudo apt-get update -qq || exit 1
    $sudo apt-get install -y -qq "${need[@]}" || exit 1
  fi
  return 0
}
