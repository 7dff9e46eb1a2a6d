# Sourced by the browser checks: installs Debian's chromium when it is
# missing. Needs a fail function (message → exit 1) in the caller.
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  echo "installing chromium from the Debian mirror"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q chromium >/dev/null 2>&1; then
    $sudo apt-get update -q >/dev/null 2>&1 || fail "apt-get update failed"
    $sudo apt-get install -y -q chromium >/dev/null 2>&1 || fail "apt-get install chromium failed"
  fi
  command -v chromium >/dev/null 2>&1 || fail "chromium is not on PATH after installing it"
fi
