# Sourced by .ci/run: installs redis-server if it is missing (Debian's
# package), starts one on a free loopback port without persistence, and
# exports REDIS_ADDR for contrib/redisreplay's tests, with
# REDISREPLAY_REQUIRE_REDIS=1 so that those tests fail rather than skip.
# redis_stop (called by .ci/run's exit trap) stops it.

redis_pid=""
redis_dir=""

redis_stop() {
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  fi
  if [ -n "$redis_dir" ]; then rm -rf "$redis_dir"; redis_dir=""; fi
}

redis_start() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    echo "redis: installing redis-server from the Debian mirror"
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -q --no-install-recommends redis-server >/dev/null 2>&1; then
      $sudo apt-get update -q >/dev/null 2>&1 || { echo "redis: apt-get update failed"; return 1; }
      $sudo apt-get install -y -q --no-install-recommends redis-server >/dev/null 2>&1 ||
        { echo "redis: apt-get install redis-server failed"; return 1; }
    fi
  fi
  redis_dir=$(mktemp -d)
  local try port i
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 30000))
    # Skip a port something already answers on.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" \
      --daemonize no >"$redis_dir/redis.log" 2>&1 &
    redis_pid=$!
    for i in $(seq 50); do
      if ! kill -0 "$redis_pid" 2>/dev/null; then break; fi # lost the port: next try
      # Our process answers (not another server that took the port).
      if redis-cli -p "$port" info server 2>/dev/null | tr -d "\r" | grep -qx "process_id:$redis_pid"; then
        export REDIS_ADDR="127.0.0.1:$port" REDISREPLAY_REQUIRE_REDIS=1
        echo "redis: $(redis-server --version | cut -d' ' -f1-3) on $REDIS_ADDR (no persistence), pid $redis_pid"
        return 0
      fi
      sleep 0.1
    done
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  done
  echo "redis: could not start redis-server on a free loopback port"; cat "$redis_dir/redis.log" 2>/dev/null
  return 1
}
