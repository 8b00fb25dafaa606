#!/bin/sh
# Inside the fresh Debian 12 root: its services started by hand as an init would, then the
# command given (install, upgrade, checks), the transcript on standard output.
set -eu
start_services() {
    # No init here: invoke-rc.d asks policy-rc.d, which lets every action run the init script.
    printf '#!/bin/sh\nexit 0\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    install -d -o redis -g redis /run/redis
    install -d -o postgres -g postgres -m 2775 /run/postgresql
    pg_ctlcluster 15 main start
    runuser -u redis -- redis-server /etc/redis/redis.conf --daemonize yes --supervised no
    supervisord -c /etc/supervisor/supervisord.conf
    nginx
}
wait_running() {
    # The four programs of the group RUNNING (90 s at most).
    i=0
    until [ "$(supervisorctl status | grep -c RUNNING)" = 4 ] || [ $i -ge 90 ]; do i=$((i+1)); sleep 1; done
}
ready() {
    # nginx answering /health/ with 200 over HTTPS (90 s at most).
    i=0
    until [ "$(curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1/health/)" = 200 ] || [ $i -ge 90 ]; do
        i=$((i+1)); sleep 1
    done
}
"$@"
