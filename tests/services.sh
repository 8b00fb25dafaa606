#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1 before the tests run: start them if they
# are installed but stopped, install them (Debian packages) if they are missing and we are root;
# likewise Chromium for the browser tests.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379

have() { command -v "$1" >/dev/null 2>&1; }

pg_up() { have pg_isready && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
redis_up() { have redis-cli && [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

install_missing() {
  local missing=()
  have pg_ctlcluster || missing+=(postgresql)
  have redis-server || missing+=(redis-server)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "services.sh: ${missing[*]} missing and not root: install them, then run again" >&2
      exit 1
    fi
    echo "services.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

if ! pg_up; then
  install_missing
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "services.sh: starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "services.sh: PostgreSQL does not answer on $PG_HOST:$PG_PORT" >&2; exit 1; }
  # Tests connect as postgres over TCP without a password (trust on loopback, test machines only).
  if ! psql -h "$PG_HOST" -U postgres -c 'SELECT 1' >/dev/null 2>&1; then
    hba=$(ls /etc/postgresql/"$version"/main/pg_hba.conf)
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
fi

if ! redis_up; then
  install_missing
  echo "services.sh: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "services.sh: Redis does not answer on 127.0.0.1:$REDIS_PORT" >&2; exit 1; }
fi
echo "services.sh: PostgreSQL and Redis answer"

# The end-to-end tests drive Debian's Chromium (a test tool's own browser download fails here).
if ! have chromium; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "services.sh: installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "services.sh: chromium missing and not root: the browser tests will be skipped" >&2
  fi
fi

# The appliance tests run the rendered site in Debian's nginx (never started as a service here:
# policy-rc.d refuses it for the install).
if ! have nginx && ! [ -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "services.sh: installing nginx"
    apt-get update -qq
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null || { rm -f /usr/sbin/policy-rc.d; exit 1; }
    rm -f /usr/sbin/policy-rc.d
  else
    echo "services.sh: nginx missing and not root: install it (apt-get install nginx)" >&2
  fi
fi

# The package tests check the .deb with lintian and its maintainer scripts with shellcheck.
for tool in lintian shellcheck; do
  if ! have "$tool"; then
    if [ "$(id -u)" -eq 0 ]; then
      echo "services.sh: installing $tool"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    else
      echo "services.sh: $tool missing and not root: install it" >&2
    fi
  fi
done

# The installation test builds a Debian 12 root once (cached) with debootstrap and zstd.
for tool in debootstrap zstd; do
  if ! have "$tool" && ! [ -x "/usr/sbin/$tool" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      echo "services.sh: installing $tool"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    fi
  fi
done
