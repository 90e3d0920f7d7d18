#!/bin/bash
# PID 1 of a test VPS. Started by vps.sh as:
#   nsenter --net=/run/netns/facteur-vps-N unshare --mount --propagation private --pid --uts --ipc --fork \
#       bash vps-init.sh N STATE_DIR RUNTIME_DIR MODE MIRROR
# so it runs in the VPS's network namespace and in fresh mount/pid/uts/ipc namespaces. It builds
# the VPS's root file system, pivots into it, starts dockerd and sshd, then waits. SIGTERM stops
# dockerd (which stops its containers) and sshd; when this process exits, the kernel kills every
# process left in the VPS's pid namespace.
#
# MODE "bare" (a fresh VPS to install Docker on): Docker's packages are purged from the VPS's disk
# and no dockerd starts; apt reaches MIRROR through the bed's proxy on the host side (10.231.N.1),
# and /etc/docker/daemon.json holds the options a dockerd needs here, so that the distribution's
# init script (there is no systemd in a VPS) starts a working one.
#
# The VPS's root file system:
#   /                 overlay: the host's root fs read-only below, writes go to STATE/fs/upper
#                     (so apt-get, /etc edits, /usr, /opt, ... never reach the host)
#   /root             bind STATE/home           (own HOME, clean .bashrc, own .ssh/authorized_keys)
#   /var/lib/facteur  bind STATE/facteur        (the app's data dir on the "server")
#   /var/lib/docker   bind STATE/docker         (the VPS dockerd's data; overlay2 cannot sit on overlayfs)
#   /run              bind STATE/run            (emptied at each start, like a tmpfs; /run/docker.sock)
#   /tmp              bind STATE/tmp
#   /var/cache/apt/archives   bind STATE/apt-archives (bare only: downloads are the VPS's own)
#   /proc             fresh procfs of the VPS's pid namespace; /proc/sys read-only except net/
#   /dev, /sys        the host's (rbind), with a private /dev/shm; /sys read-only except cgroups
#   /var/lib/facteur-testbed   hidden (empty read-only tmpfs): VPSs don't see the bed's keys
set -euo pipefail
N=$1
S=$2
R=$3
MODE=${4:-full}
MIRROR=${5:-http://deb.debian.org/debian}
NAME=facteur-vps-$N
SUDO_USER_NAME=owner

# Our PID as the host sees it: /proc is still the host's procfs here, and a redirection of the
# `read` builtin is opened by this very shell.
read -r host_pid _ </proc/self/stat
printf '%s\n' "$host_pid" >"$R/init.hostpid"

HASH=$(cat "$S/password.hash")
OWNER_HASH=$(cat "$S/owner-password.hash")
CLIENT_PUB=$(cat "$S/ssh/client_ed25519.pub")
NEWROOT=$S/rootfs

mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=/,upperdir=$S/fs/upper,workdir=$S/fs/work" "$NEWROOT"
mount --rbind /dev "$NEWROOT/dev"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$NEWROOT/dev/shm"
mount --rbind /sys "$NEWROOT/sys"
mount -t proc -o nosuid,nodev,noexec proc "$NEWROOT/proc"
# Like docker does for containers: kernel-wide knobs read-only. /proc/sys/net belongs to the VPS's
# network namespace and stays writable (iptables, ip_forward, ...); /sys/fs/cgroup stays writable
# for the VPS dockerd.
mount --bind "$NEWROOT/proc/sys" "$NEWROOT/proc/sys"
mount --bind "$NEWROOT/proc/sys/net" "$NEWROOT/proc/sys/net"
mount -o remount,bind,ro "$NEWROOT/proc/sys"
if [[ -e $NEWROOT/proc/sysrq-trigger ]]; then
	mount --bind "$NEWROOT/proc/sysrq-trigger" "$NEWROOT/proc/sysrq-trigger"
	mount -o remount,bind,ro "$NEWROOT/proc/sysrq-trigger"
fi
mount -o remount,bind,ro "$NEWROOT/sys"
mount --bind "$S/run" "$NEWROOT/run"
mount --bind "$S/tmp" "$NEWROOT/tmp"
mount --bind "$S/home" "$NEWROOT/root"
mkdir -p "$NEWROOT/var/lib/facteur" "$NEWROOT/var/lib/docker"
mount --bind "$S/facteur" "$NEWROOT/var/lib/facteur"
mount --bind "$S/docker" "$NEWROOT/var/lib/docker"
if [[ $MODE == bare ]]; then
	mount --bind "$S/apt-archives" "$NEWROOT/var/cache/apt/archives"
fi
# Hide the bed's state (keys and passwords of every VPS, the bed's docker data) from the VPS.
mount -t tmpfs -o ro,size=16k,mode=755 none "$NEWROOT${S%/*}"

# The VPS's /etc/ssh: our sshd_config and host key; the host machine's own host keys are hidden.
rm -f "$NEWROOT"/etc/ssh/ssh_host_*
install -m 600 "$S/ssh/ssh_host_ed25519_key" "$NEWROOT/etc/ssh/ssh_host_ed25519_key"
install -m 644 "$S/ssh/ssh_host_ed25519_key.pub" "$NEWROOT/etc/ssh/ssh_host_ed25519_key.pub"
install -m 644 "$S/sshd_config" "$NEWROOT/etc/ssh/sshd_config"

cd "$NEWROOT"
pivot_root . .
umount -l .
cd /

hostname "$NAME"
printf '%s\n' "$NAME" >/etc/hostname
printf '127.0.0.1\tlocalhost\n10.231.%s.2\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$N" "$NAME" >/etc/hosts
if [[ ! -f /etc/machine-id.facteur-vps ]]; then
	head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >/etc/machine-id
	echo >>/etc/machine-id
	: >/etc/machine-id.facteur-vps
fi
usermod -p "$HASH" root
mkdir -p /run/sshd /run/lock
chmod 755 /run/sshd
chmod 1777 /run/lock

# A non-root administrator, as many VPS images have: in the sudo group, where Debian's sudoers
# (%sudo ALL=(ALL:ALL) ALL) asks for its password. Same client key as root; password reset at
# each start; keys added by tests stay.
if ! id "$SUDO_USER_NAME" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash "$SUDO_USER_NAME"
fi
usermod -p "$OWNER_HASH" -a -G sudo "$SUDO_USER_NAME"
OWNER_SSH=/home/$SUDO_USER_NAME/.ssh
install -d -m 700 -o "$SUDO_USER_NAME" -g "$SUDO_USER_NAME" "$OWNER_SSH"
touch "$OWNER_SSH/authorized_keys"
grep -qxF "$CLIENT_PUB" "$OWNER_SSH/authorized_keys" || printf '%s\n' "$CLIENT_PUB" >>"$OWNER_SSH/authorized_keys"
chown "$SUDO_USER_NAME:$SUDO_USER_NAME" "$OWNER_SSH/authorized_keys"
chmod 600 "$OWNER_SSH/authorized_keys"

# A bare VPS: Docker's packages purged (again, if an earlier run installed them), the host's extra
# docker CLI gone, apt pointed at the mirror through the host-side proxy.
make_bare() {
	local policy=/usr/sbin/policy-rc.d created_policy=0 installed
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" # no service stops or starts during the purge
		chmod 755 "$policy"
		created_policy=1
	fi
	# shellcheck disable=SC2016 # dpkg-query's own ${...} fields
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' docker.io containerd runc tini 2>/dev/null |
		awk '$2 != "not-installed" { print $1 }') || true
	if [[ -n $installed ]]; then
		echo "bare VPS: purging" $installed
		# shellcheck disable=SC2086 # a list of package names
		DEBIAN_FRONTEND=noninteractive dpkg --purge $installed
	fi
	if ((created_policy)); then rm -f "$policy"; fi
	rm -f /usr/local/bin/docker /run/docker.pid /run/docker-ssd.pid
	rm -f /etc/apt/sources.list
	rm -rf /etc/apt/sources.list.d
	mkdir -p /etc/apt/sources.list.d
	cat >/etc/apt/sources.list.d/debian.sources <<SOURCES
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	cat >/etc/apt/apt.conf.d/00facteur-testbed-proxy <<PROXY
// Facteur test bed: this VPS has no route out; the host forwards requests to Debian's mirror.
Acquire::http::Proxy "http://10.231.$N.1:3142/";
PROXY
	mkdir -p /etc/docker
	printf '{ "bridge": "none", "iptables": false, "cgroup-parent": "/%s" }\n' "$NAME" >/etc/docker/daemon.json
	# The bed's machine lacks CAP_SYS_RESOURCE, so the init script's `ulimit -n 1048576` cannot
	# raise the hard limit and would stop it: it sources this file first, whose function shadows
	# the builtin for that script only (dockerd keeps the VPS's limits).
	cat >/etc/default/docker <<'DEFAULTS'
# Facteur test bed (see tests/infra/lib/vps-init.sh): limits this machine cannot raise are kept.
ulimit() { command ulimit "$@" 2>/dev/null || true; }
DEFAULTS
}
if [[ $MODE == bare ]]; then make_bare; fi

set +e # from here on, PID 1 must not die on a failing command

# Each daemon runs in a small subshell that records its exit status, so vps.sh can tell at once
# when one of them failed to start.
if [[ $MODE != bare ]]; then
	{
		dockerd --bridge=none --iptables=false --cgroup-parent="/$NAME" </dev/null >/run/dockerd.log 2>&1 &
		echo $! >/run/dockerd.init.pid
		wait $!
		echo $? >/run/dockerd.exit
	} &
fi
{
	/usr/sbin/sshd -D -f /etc/ssh/sshd_config -E /run/sshd.log </dev/null >/dev/null 2>&1 &
	echo $! >/run/sshd.init.pid
	wait $!
	echo $? >/run/sshd.exit
} &

shutdown() {
	trap - TERM INT
	local sshd_pid dockerd_pid
	sshd_pid=$(cat /run/sshd.init.pid 2>/dev/null)
	# ours, or the one the distribution's init script started on a bare VPS (its own pid file)
	dockerd_pid=$(cat /run/dockerd.init.pid 2>/dev/null || cat /run/docker.pid 2>/dev/null)
	[[ -n $sshd_pid ]] && kill -TERM "$sshd_pid" 2>/dev/null
	if [[ -n $dockerd_pid ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
		kill -TERM "$dockerd_pid"
		# dockerd is not our child (its subshell is): poll. vps.sh down cuts this short anyway.
		for ((i = 0; i < 300; i++)); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	exit 0
}
trap shutdown TERM INT

# Reap orphans (bash reaps any child on SIGCHLD) and wait for SIGTERM.
while :; do
	sleep 3600 &
	wait $!
done
