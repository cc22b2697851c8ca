#!/bin/sh
# A streaming replica of the local PostgreSQL, for the replica test (tests/production/
# test_replica.py) and for trying DATABASE_REPLICA_URL by hand.
#
#   scripts/pg-replica.sh start PORT    pg_basebackup of the server at $PGHOST:$PGPORT into a
#                                       scratch directory, started on PORT; prints the directory
#   scripts/pg-replica.sh stop DIR      stops it and removes the directory
#
# PostgreSQL refuses to run as root: the replica runs as the `postgres` OS user. The primary
# must accept replication connections from 127.0.0.1: when its pg_hba.conf has no such line
# and this script may write it (root), it adds `host replication all 127.0.0.1/32 trust`
# (the same trust the local server already gives every database) and reloads.
set -eu
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
RUNAS="${JILIANG_REPLICA_OS_USER:-postgres}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$BIN" ] || BIN="$(dirname "$(command -v pg_basebackup)")"

q() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tAc "$1"; }
as_pg() { if [ "$(id -un)" = "$RUNAS" ]; then "$@"; else runuser -u "$RUNAS" -- "$@"; fi; }

case "${1:-}" in
start)
    PORT="$2"
    allowed=$(q "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)
                 AND (type = 'local' OR address IN ('127.0.0.1', 'all'))")
    if [ "$allowed" = "0" ]; then
        HBA=$(q "SHOW hba_file")
        if [ -w "$HBA" ]; then
            printf '\n# streaming replicas on this machine (jiliang scripts/pg-replica.sh)\nhost replication all 127.0.0.1/32 trust\n' >> "$HBA"
            q "SELECT pg_reload_conf()" >/dev/null
            sleep 1
        else
            echo "the primary's pg_hba.conf ($HBA) allows no replication from 127.0.0.1 and is not writable here" >&2
            exit 3
        fi
    fi
    DIR=$(mktemp -d /tmp/jiliang-replica.XXXXXX)
    chown "$RUNAS" "$DIR"
    chmod 700 "$DIR"
    as_pg "$BIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -D "$DIR/data" \
        -X stream -R -c fast >/dev/null
    # Debian keeps the configuration outside the data directory: the replica gets its own.
    # A hot standby needs these at least as high as on the primary.
    {
        for name in max_connections max_worker_processes max_wal_senders \
                    max_prepared_transactions max_locks_per_transaction; do
            echo "$name = $(q "SHOW $name")"
        done
        echo "port = $PORT"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$DIR'"
        echo "hot_standby = on"
        echo "shared_buffers = 32MB"
        echo "logging_collector = off"
        # A scratch server: no flushing to disk (it also skips the start-up sync of the
        # copied data directory, which takes minutes when the primary holds big databases).
        echo "fsync = off"
        echo "full_page_writes = off"
        echo "synchronous_commit = off"
    } > "$DIR/data/postgresql.conf"
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$DIR/data/pg_hba.conf"
    : > "$DIR/data/pg_ident.conf"
    chown "$RUNAS" "$DIR/data/postgresql.conf" "$DIR/data/pg_hba.conf" "$DIR/data/pg_ident.conf"
    # A hot standby opens for reads once the primary reports no transaction too large to track
    # (it does every 15 s); a long transaction with many savepoints on the primary delays it.
    if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t "${JILIANG_REPLICA_WAIT:-180}" \
            start >/dev/null; then
        tail -5 "$DIR/log" >&2
        as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$DIR"
        echo "the replica did not open for reads in time (a long transaction on the primary?)" >&2
        exit 4
    fi
    echo "$DIR"
    ;;
stop)
    DIR="$2"
    case "$DIR" in /tmp/jiliang-replica.*) ;; *) echo "not a replica directory: $DIR" >&2; exit 2;; esac
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: $0 start PORT | stop DIR" >&2
    exit 2
    ;;
esac
