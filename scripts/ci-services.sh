#!/usr/bin/env bash
# Installs and starts what selfheal's tests use: a C compiler for the race
# detector (go test -race needs cgo), PostgreSQL on 127.0.0.1:5432 (trust
# auth, database "test") and headless Chromium for the status page's
# browser test. Safe to run again: it only installs or starts what is
# missing.
set -euo pipefail

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_ready; then
	version=$(ls /etc/postgresql | sort -V | tail -1)
	conf=/etc/postgresql/$version/main
	# Trust local TCP connections: these are throwaway test servers.
	if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
		sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$conf/pg_hba.conf"
	fi
	pg_ctlcluster --skip-systemctl-redirect "$version" main start
	for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
pg_ready || { echo "ci-services: PostgreSQL did not start" >&2; exit 1; }
su postgres -c "psql -h 127.0.0.1 -tAc \"select 1 from pg_database where datname='test'\"" | grep -q 1 ||
	su postgres -c "createdb -h 127.0.0.1 test"
echo "ci-services: PostgreSQL ready on 127.0.0.1:5432"
