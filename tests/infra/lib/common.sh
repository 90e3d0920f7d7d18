# shellcheck shell=bash disable=SC2034
# Shared constants and helpers for the Facteur test bed (sourced by setup.sh, vps.sh, teardown.sh).

# Everything the bed creates lives under these three roots.
TB_STATE=${FACTEUR_TESTBED_STATE:-/var/lib/facteur-testbed}  # persistent state (docker data, VPS disks, keys)
TB_CACHE=${FACTEUR_TESTBED_CACHE:-/var/cache/facteur-testbed} # downloads: rootfs tarball, Node 24
TB_RUN=${FACTEUR_TESTBED_RUN:-/run/facteur-testbed}           # runtime: sockets, pid files, locks, state.json

TB_DOCKER_SOCK=$TB_RUN/docker.sock
TB_DOCKER_HOST=unix://$TB_DOCKER_SOCK
TB_DOCKER_PID=$TB_RUN/docker.pid
TB_DOCKER_EXEC=$TB_RUN/docker
TB_DOCKER_DATA=$TB_STATE/docker

TB_NODE24_VERSION=${FACTEUR_NODE24_VERSION:-24.21.0}
# Node 24 unpacked (bin/node + include/node): $TB_CACHE/node24/<version>, the same layout as
# server-bundle/scripts/node24.sh, so both share one copy.
TB_NODE24_DIR=$TB_CACHE/node24/$TB_NODE24_VERSION
TB_BASE_IMAGE=${FACTEUR_BASE_IMAGE:-facteur-base:bookworm-node24}
TB_DEBIAN_MIRROR=${FACTEUR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TB_ROOTFS_TAR=$TB_CACHE/rootfs-bookworm-minbase.tar.zst

TB_REDIS_PORT=${FACTEUR_REDIS_PORT:-6390}
TB_REDIS_PID=$TB_RUN/redis.pid
TB_REDIS_DIR=$TB_STATE/redis

TB_STATE_JSON=$TB_RUN/state.json

log() { printf '[facteur-testbed] %s\n' "$*" >&2; }
die() {
	printf '[facteur-testbed] ERROR: %s\n' "$*" >&2
	exit 1
}

# Print the failing command and line on any unexpected error (set -e).
tb_trap_err() {
	set -E
	# shellcheck disable=SC2154 # rc is assigned inside the trap
	trap 'rc=$?; printf "[facteur-testbed] ERROR: %s:%s: command failed (exit %s): %s\n" "${BASH_SOURCE[0]##*/}" "$LINENO" "$rc" "$BASH_COMMAND" >&2; exit $rc' ERR
}

require_root() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, mounts and dockerd need it)"
}

require_cmds() {
	local missing=() c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
	((${#missing[@]} == 0)) || die "missing commands: ${missing[*]} (run tests/infra/setup.sh first)"
}

# Process start time (clock ticks since boot), used to make sure a PID from a pid file is still
# the process we started and not a recycled PID.
proc_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) } # drop "pid (comm) "
	# shellcheck disable=SC2086
	set -- $stat
	printf '%s\n' "${20}"
}

# proc_alive PID: the process exists and is not a zombie (a zombie waits for its parent, which
# may be a slow PID 1, to reap it: for us it has stopped).
proc_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

# write_pidfile FILE PID: stores "PID STARTTIME"; fails if the process is already gone.
write_pidfile() {
	local st
	st=$(proc_starttime "$2") || return 1
	printf '%s %s\n' "$2" "$st" >"$1.tmp"
	mv -f "$1.tmp" "$1"
}

# pidfile_alive FILE: prints the PID and succeeds if the recorded process is still the same one.
# Accepts plain pid files (just "PID", as written by dockerd/redis) too.
pidfile_alive() {
	local f=$1 pid st cur
	[[ -s $f ]] || return 1
	read -r pid st <"$f" || true
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	cur=$(proc_starttime "$pid") || return 1
	if [[ -n ${st:-} && $st != "$cur" ]]; then return 1; fi
	proc_alive "$pid" || return 1
	printf '%s\n' "$pid"
}

# kill_and_wait PID SECONDS: SIGTERM, wait, then SIGKILL if still there.
kill_and_wait() {
	local pid=$1 timeout=${2:-20} i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < timeout * 20; i++)); do
		proc_alive "$pid" || return 0
		sleep 0.05
	done
	log "process $pid did not stop within ${timeout}s: SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		proc_alive "$pid" || return 0
		sleep 0.05
	done
	die "process $pid survived SIGKILL"
}

# wait_until SECONDS DESCRIPTION CMD...: polls CMD every 0.1 s.
wait_until() {
	local timeout=$1 i # $2 only documents the call
	shift 2
	for ((i = 0; i < timeout * 20; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.05
	done
	return 1
}

# json_str VALUE: JSON string literal (values here are paths, hex, base64: escape \ and " anyway).
json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# Remove a cgroup subtree created by one of our dockerds (cgroup v1 hierarchies or v2), deepest first.
remove_cgroup() {
	local name=$1 d
	for d in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name"; do
		[[ -d $d ]] || continue
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
}

# Unmount everything mounted at or below DIR (deepest first). Used before deleting scratch trees,
# which are also always deleted with rm --one-file-system.
umount_tree() {
	local dir mp
	dir=$(realpath -m "$1")
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r mp; do
		umount -l "$mp" 2>/dev/null || true
	done
}

safe_rm_tree() {
	[[ -n $1 && $1 != / ]] || die "refusing to delete '$1'"
	[[ -e $1 ]] || return 0
	umount_tree "$1"
	rm -rf --one-file-system "$1"
}
