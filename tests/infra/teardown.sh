#!/usr/bin/env bash
# Facteur test bed: stop everything setup.sh and vps.sh started (by PID file), leaving the machine
# as it was found. Caches stay: /var/cache/facteur-testbed (rootfs tarball, Node 24) and
# /var/lib/facteur-testbed (the bed's docker images, VPS disks and keys).
#   teardown.sh            stop all
#   teardown.sh --purge    also delete /var/lib/facteur-testbed (docker data, VPS disks, keys)
set -euo pipefail
INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$INFRA_DIR/lib/common.sh"
tb_trap_err

PURGE=0
for arg in "$@"; do
	case $arg in
	--purge) PURGE=1 ;;
	-h | --help)
		sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument: $arg (usage: teardown.sh [--purge])" ;;
	esac
done
require_root

if [[ -d $TB_RUN ]]; then
	exec 9>"$TB_RUN/setup.lock"
	flock -w 900 9 || die "timed out waiting for a running setup.sh"
fi

# 1. Every VPS (whatever is left of it: processes, netns, veth).
for n in $(seq 1 14); do
	if [[ -e $TB_RUN/vps-$n || -e /run/netns/facteur-vps-$n ]] || ip link show "fvps$n" >/dev/null 2>&1; then
		log "stopping facteur-vps-$n"
		if ((PURGE)); then
			"$INFRA_DIR/vps.sh" down "$n" --purge 9>&-
		else
			"$INFRA_DIR/vps.sh" down "$n" 9>&-
		fi
	fi
done

# 2. The bed's dockerd (it stops its containers and its containerd).
if pid=$(pidfile_alive "$TB_RUN/docker.owner.pid"); then
	log "stopping dockerd (pid $pid)"
	kill_and_wait "$pid" 40
fi
umount_tree "$TB_DOCKER_EXEC"
umount_tree "$TB_DOCKER_DATA"
remove_cgroup facteur-testbed

# 3. Redis.
if pid=$(pidfile_alive "$TB_RUN/redis.owner.pid"); then
	log "stopping redis (pid $pid)"
	kill_and_wait "$pid" 20
fi

# 4. /run/netns, if the bed's first `ip netns add` created that mount and nothing else uses it.
if [[ -e $TB_RUN/netns-mount-created && -d /run/netns ]] && [[ -z $(ls -A /run/netns) ]]; then
	umount /run/netns 2>/dev/null || true
	rmdir /run/netns 2>/dev/null || true
fi

# 5. Runtime files (sockets, pid files, locks, state.json).
if [[ -d $TB_RUN ]]; then
	exec 9>&-
	safe_rm_tree "$TB_RUN"
fi
if ((PURGE)); then
	safe_rm_tree "$TB_STATE"
fi
log "test bed stopped"
