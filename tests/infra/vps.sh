#!/usr/bin/env bash
# A test "VPS" number N (1..14): its own network namespace, file system view, sshd and dockerd.
#
#   vps.sh up N [--bare]     start it (idempotent), then print its status JSON; --bare: Docker's
#                            packages purged from its disk, no dockerd, apt reaches Debian's mirror
#                            through a proxy on the host side (a "fresh VPS" to install Docker on)
#   vps.sh down N [--kill] [--purge]
#                            stop it (idempotent): dockerd gets 3 s to stop its containers (--kill:
#                            none, a power cut); --purge also deletes its disk, keys and password
#   vps.sh rekey N           new ssh host key (restarts sshd if up), then print status JSON
#   vps.sh status N          print {"name","host","port","user","password","clientKeyPath",
#                            "hostKeyFingerprint","dockerSocket",...} as JSON
#   vps.sh exec N CMD        run CMD (bash -c) as root inside the VPS, without SSH (fixtures, checks)
#   vps.sh exec N -- ARGV..  same, without a shell
#   vps.sh ssh N [ARGS..]    open an OpenSSH session with the test client key (convenience)
#
# Addresses: host side 10.231.N.1/30 (interface fvpsN), VPS side 10.231.N.2/30 (eth0 in the
# network namespace facteur-vps-N). The VPS has no default route: it reaches only the host.
# Every VPS also has a non-root administrator, "owner", in the sudo group (sudo asks its password).
set -euo pipefail
INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$INFRA_DIR/lib/common.sh"
tb_trap_err

usage() {
	sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

(($# >= 2)) || usage
CMD=$1
N=$2
shift 2
[[ $N =~ ^([1-9]|1[0-4])$ ]] || die "VPS index must be 1..14, got '$N'"

NAME=facteur-vps-$N
NETNS=$NAME
HOST_IF=fvps$N
HOST_IP=10.231.$N.1
VPS_IP=10.231.$N.2
S=$TB_STATE/vps-$N # persistent: keys, password, disk (overlay upper), docker data
R=$TB_RUN/vps-$N   # runtime: pid files
INIT_PID=$R/init.pid
UNSHARE_PID=$R/unshare.pid
DOCKER_SOCK=$S/run/docker.sock
MODE_FILE=$R/mode # "full" (sshd + dockerd) or "bare" (sshd + apt proxy, no Docker)
APT_PROXY_PORT=3142
APT_PROXY_PID=$R/apt-proxy.pid
SUDO_USER_NAME=owner

require_root

lock() {
	mkdir -p "$TB_RUN"
	exec 9>"$TB_RUN/vps-$N.lock"
	flock -w 180 9 || die "timed out waiting for the lock of $NAME ($TB_RUN/vps-$N.lock)"
}

init_pid() { pidfile_alive "$INIT_PID"; }

# sshd listens on :22 in the VPS's network namespace (checked without connecting: a probe
# connection would litter sshd's log).
sshd_listening() {
	[[ -n $(nsenter --net="/run/netns/$NETNS" ss -Hltn 'sport = :22' 2>/dev/null) ]]
}
docker_ping() { curl -fsS --max-time 2 --unix-socket "$DOCKER_SOCK" http://docker/_ping >/dev/null 2>&1; }
running_mode() { cat "$MODE_FILE" 2>/dev/null || echo full; }
# healthy [MODE]: up in that mode (default: the mode it runs in). A bare VPS needs its apt proxy
# instead of dockerd.
healthy() {
	local mode=${1:-$(running_mode)}
	[[ $(running_mode) == "$mode" ]] || return 1
	init_pid >/dev/null && sshd_listening || return 1
	if [[ $mode == bare ]]; then pidfile_alive "$APT_PROXY_PID" >/dev/null; else docker_ping; fi
}

fingerprint() { ssh-keygen -lf "$S/ssh/ssh_host_ed25519_key.pub" | awk '{print $2}'; }

write_known_hosts() {
	printf '%s %s\n' "$VPS_IP" "$(cut -d' ' -f1,2 "$S/ssh/ssh_host_ed25519_key.pub")" >"$S/ssh/known_hosts"
}

new_host_key() {
	local tmp=$S/ssh/.hostkey.$$
	rm -f "$tmp" "$tmp.pub"
	ssh-keygen -q -t ed25519 -N '' -C "root@$NAME" -f "$tmp"
	mv -f "$tmp.pub" "$S/ssh/ssh_host_ed25519_key.pub"
	mv -f "$tmp" "$S/ssh/ssh_host_ed25519_key"
	write_known_hosts
}

# Keys, password, directories: created once, kept across down/up (not across --purge).
prepare_state() {
	require_cmds ip nsenter unshare flock sshd ssh-keygen openssl dockerd curl usermod pivot_root
	mkdir -p "$S" "$R"
	chmod 700 "$S"
	mkdir -p "$S/ssh" "$S/fs/upper" "$S/fs/work" "$S/rootfs" "$S/home" "$S/facteur" "$S/docker" "$S/run" "$S/tmp" \
		"$S/apt-archives/partial"
	chmod 700 "$S/ssh" "$S/home"
	chmod 1777 "$S/tmp"
	[[ -s $S/ssh/ssh_host_ed25519_key ]] || new_host_key
	[[ -s $S/ssh/known_hosts ]] || write_known_hosts
	if [[ ! -s $S/ssh/client_ed25519 ]]; then
		rm -f "$S/ssh/client_ed25519.pub"
		ssh-keygen -q -t ed25519 -N '' -C "facteur-tests@host" -f "$S/ssh/client_ed25519"
	fi
	if [[ ! -s $S/password ]]; then
		(umask 077 && openssl rand -hex 12 >"$S/password")
		rm -f "$S/password.hash"
	fi
	chmod 600 "$S/password"
	if [[ ! -s $S/password.hash ]]; then
		(umask 077 && tr -d '\n' <"$S/password" | openssl passwd -6 -stdin >"$S/password.hash")
	fi
	# The sudo user's password (its login and sudo password).
	if [[ ! -s $S/owner-password ]]; then
		(umask 077 && openssl rand -hex 12 >"$S/owner-password")
		rm -f "$S/owner-password.hash"
	fi
	chmod 600 "$S/owner-password"
	if [[ ! -s $S/owner-password.hash ]]; then
		(umask 077 && tr -d '\n' <"$S/owner-password" | openssl passwd -6 -stdin >"$S/owner-password.hash")
	fi
	# The VPS's HOME: Debian's pristine root dotfiles (the host's .bashrc may be slow or odd).
	[[ -e $S/home/.bashrc ]] || install -m 644 /usr/share/base-files/dot.bashrc "$S/home/.bashrc" 2>/dev/null ||
		printf '# ~/.bashrc of a Facteur test VPS\n' >"$S/home/.bashrc"
	[[ -e $S/home/.profile ]] || install -m 644 /usr/share/base-files/dot.profile "$S/home/.profile" 2>/dev/null ||
		printf '[ -f ~/.bashrc ] && . ~/.bashrc\n' >"$S/home/.profile"
	mkdir -p "$S/home/.ssh"
	chmod 700 "$S/home/.ssh"
	local pub
	pub=$(cat "$S/ssh/client_ed25519.pub")
	touch "$S/home/.ssh/authorized_keys"
	chmod 600 "$S/home/.ssh/authorized_keys"
	grep -qxF "$pub" "$S/home/.ssh/authorized_keys" || printf '%s\n' "$pub" >>"$S/home/.ssh/authorized_keys"
	cat >"$S/sshd_config" <<'EOF'
# sshd_config of a Facteur test VPS (written by tests/infra/vps.sh at each start)
Port 22
ListenAddress 0.0.0.0
AddressFamily inet
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
PermitRootLogin yes
PasswordAuthentication yes
PubkeyAuthentication yes
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
MaxSessions 64
MaxStartups 64:30:128
LoginGraceTime 30
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
}

setup_network() {
	if ! ip netns list | grep -qE "^$NETNS( |$)"; then
		if [[ ! -d /run/netns ]] || ! mountpoint -q /run/netns; then
			# `ip netns add` makes /run/netns a mount; remember that the bed created it.
			[[ -e $TB_RUN/netns-mount-created ]] || : >"$TB_RUN/netns-mount-created"
		fi
		ip netns add "$NETNS"
	fi
	ip link del "$HOST_IF" 2>/dev/null || true
	ip -n "$NETNS" link del eth0 2>/dev/null || true
	ip link add "$HOST_IF" type veth peer name eth0 netns "$NETNS"
	ip addr add "$HOST_IP/30" dev "$HOST_IF"
	ip link set "$HOST_IF" up
	ip -n "$NETNS" link set lo up
	ip -n "$NETNS" addr add "$VPS_IP/30" dev eth0
	ip -n "$NETNS" link set eth0 up
}

teardown_network() {
	ip link del "$HOST_IF" 2>/dev/null || true
	if ip netns list | grep -qE "^$NETNS( |$)"; then
		ip netns del "$NETNS"
	fi
}

# do_down [kill]: SIGTERM to the VPS's init, which stops sshd and dockerd (dockerd stops its
# containers); after FACTEUR_VPS_STOP_TIMEOUT seconds (default 3), or at once with "kill", SIGKILL:
# the kernel then kills every process of the VPS (a power cut; containers with a restart policy
# come back at the next up).
do_down() {
	local pid upid i timeout=${FACTEUR_VPS_STOP_TIMEOUT:-3}
	[[ ${1:-} == kill ]] && timeout=0
	if pid=$(init_pid); then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < timeout * 20; i++)); do
			proc_alive "$pid" || break
			sleep 0.05
		done
		if proc_alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			wait_until 10 "init" eval '! proc_alive '"$pid" || die "$NAME: init $pid survived SIGKILL"
		fi
	fi
	if upid=$(pidfile_alive "$UNSHARE_PID"); then
		kill_and_wait "$upid" 5
	fi
	rm -f "$INIT_PID" "$UNSHARE_PID" "$R/init.hostpid" "$MODE_FILE"
	stop_apt_proxy
	teardown_network
	remove_cgroup "$NAME"
	# All the VPS's mounts lived in its own mount namespace, gone with its last process. Be sure
	# nothing of it leaked into the host's mount table.
	umount_tree "$S/rootfs"
	if [[ -d $R ]]; then rmdir "$R" 2>/dev/null || true; fi
}

# The apt proxy of a bare VPS: on the host side address, for the Debian mirror's host only.
start_apt_proxy() {
	stop_apt_proxy
	local mirror_host=${TB_DEBIAN_MIRROR#*://}
	mirror_host=${mirror_host%%/*}
	setsid node "$INFRA_DIR/lib/apt-proxy.mjs" "$HOST_IP" "$APT_PROXY_PORT" "$mirror_host" \
		</dev/null >"$S/apt-proxy.log" 2>&1 9>&- &
	local pid=$!
	proxy_listening() { ss -Hltn "sport = :$APT_PROXY_PORT" 2>/dev/null | grep -qF "$HOST_IP:$APT_PROXY_PORT"; }
	if ! wait_until 20 "apt proxy" proxy_listening || ! write_pidfile "$APT_PROXY_PID" "$pid"; then
		cat "$S/apt-proxy.log" >&2 || true
		die "$NAME: the apt proxy did not start on $HOST_IP:$APT_PROXY_PORT (log above)"
	fi
}

stop_apt_proxy() {
	local pid
	if pid=$(pidfile_alive "$APT_PROXY_PID"); then kill_and_wait "$pid" 5; fi
	rm -f "$APT_PROXY_PID"
}

# do_up MODE (full | bare)
do_up() {
	local mode=$1
	if healthy "$mode"; then return 0; fi
	if init_pid >/dev/null; then
		log "$NAME runs but is not healthy (or not in $mode mode): restarting it"
	fi
	do_down
	prepare_state
	# A bare VPS's disk lacks Docker's packages and carries settings a full VPS's dockerd would
	# refuse (daemon.json): a full start gives it back the host's root file system.
	if [[ $mode == full && -e $S/bare-disk ]]; then
		log "$NAME was bare: resetting its root file system (overlay upper layer)"
		safe_rm_tree "$S/fs"
		mkdir -p "$S/fs/upper" "$S/fs/work"
		rm -f "$S/bare-disk"
	fi
	if [[ $mode == bare ]]; then : >"$S/bare-disk"; fi
	# Like a tmpfs /run at boot: empty.
	safe_rm_tree "$S/run"
	mkdir "$S/run"
	chmod 755 "$S/run"
	umount_tree "$S/rootfs"
	setup_network
	mkdir -p "$R"
	rm -f "$R/init.hostpid"
	printf '%s\n' "$mode" >"$MODE_FILE"
	if [[ $mode == bare ]]; then start_apt_proxy; fi
	setsid nsenter --net="/run/netns/$NETNS" \
		unshare --mount --propagation private --pid --uts --ipc --fork --kill-child=SIGTERM \
		/bin/bash "$INFRA_DIR/lib/vps-init.sh" "$N" "$S" "$R" "$mode" "$TB_DEBIAN_MIRROR" \
		</dev/null >"$S/init.log" 2>&1 9>&- &
	local upid=$! ipid
	write_pidfile "$UNSHARE_PID" "$upid" || true
	init_started() { [[ -s $R/init.hostpid ]] || ! proc_alive "$upid"; }
	wait_until 20 "init" init_started || true
	if [[ ! -s $R/init.hostpid ]] || ! proc_alive "$upid"; then
		echo "--- $S/init.log" >&2
		cat "$S/init.log" >&2 || true
		do_down
		die "$NAME: its init process did not start or exited at once (log above: $S/init.log)"
	fi
	read -r ipid <"$R/init.hostpid"
	if ! write_pidfile "$INIT_PID" "$ipid"; then
		cat "$S/init.log" >&2 || true
		do_down
		die "$NAME: its init process exited at once (log above: $S/init.log)"
	fi
	local i ok=0
	for ((i = 0; i < 1200; i++)); do
		if healthy "$mode"; then
			ok=1
			break
		fi
		# init, sshd or dockerd died: no point in waiting
		if ! init_pid >/dev/null || [[ -e $S/run/dockerd.exit || -e $S/run/sshd.exit ]]; then break; fi
		sleep 0.05
	done
	if ((!ok)); then
		{
			echo "--- $S/init.log"
			tail -n 20 "$S/init.log"
			echo "--- $S/run/sshd.log"
			tail -n 20 "$S/run/sshd.log"
			echo "--- $S/run/dockerd.log"
			tail -n 20 "$S/run/dockerd.log"
		} >&2 2>/dev/null || true
		do_down
		if [[ $mode == bare ]]; then
			die "$NAME (bare) did not become healthy (sshd on $VPS_IP:22 and the apt proxy within 60 s; logs above)"
		fi
		die "$NAME did not become healthy (sshd on $VPS_IP:22 and dockerd on $DOCKER_SOCK within 60 s; logs above)"
	fi
}

do_status() {
	[[ -s $S/password && -s $S/ssh/ssh_host_ed25519_key.pub ]] ||
		die "$NAME has no state yet: run tests/infra/vps.sh up $N"
	local running=false pid=null bare=false
	if healthy; then
		running=true
		pid=$(init_pid)
	fi
	if [[ $(running_mode) == bare ]]; then bare=true; fi
	printf '{"name":%s,"host":%s,"port":22,"user":"root","password":%s,"clientKeyPath":%s,' \
		"$(json_str "$NAME")" "$(json_str "$VPS_IP")" "$(json_str "$(cat "$S/password")")" \
		"$(json_str "$S/ssh/client_ed25519")"
	printf '"hostKeyFingerprint":%s,"hostKey":%s,"knownHostsPath":%s,"dockerSocket":%s,' \
		"$(json_str "$(fingerprint)")" "$(json_str "$(cut -d' ' -f1,2 "$S/ssh/ssh_host_ed25519_key.pub")")" \
		"$(json_str "$S/ssh/known_hosts")" "$(json_str "$DOCKER_SOCK")"
	printf '"sudoUser":%s,"sudoPassword":%s,"bare":%s,"aptProxy":%s,' \
		"$(json_str "$SUDO_USER_NAME")" "$(json_str "$(cat "$S/owner-password" 2>/dev/null)")" "$bare" \
		"$(if [[ $bare == true ]]; then json_str "http://$HOST_IP:$APT_PROXY_PORT"; else echo null; fi)"
	printf '"index":%s,"hostSideAddress":%s,"netns":%s,"stateDir":%s,"initPid":%s,"running":%s}\n' \
		"$N" "$(json_str "$HOST_IP")" "$(json_str "$NETNS")" "$(json_str "$S")" "$pid" "$running"
}

do_rekey() {
	prepare_state
	new_host_key
	local pid
	if pid=$(init_pid); then
		nsenter -t "$pid" -m -p -- /bin/sh -c '
			umask 077
			cat >/etc/ssh/ssh_host_ed25519_key.new && mv -f /etc/ssh/ssh_host_ed25519_key.new /etc/ssh/ssh_host_ed25519_key
		' <"$S/ssh/ssh_host_ed25519_key"
		nsenter -t "$pid" -m -p -- /bin/sh -c 'cat >/etc/ssh/ssh_host_ed25519_key.pub' <"$S/ssh/ssh_host_ed25519_key.pub"
		# SIGHUP: sshd re-executes itself and reads its keys again; open sessions stay.
		# shellcheck disable=SC2016 # expanded inside the VPS
		nsenter -t "$pid" -m -p -- /bin/sh -c 'kill -HUP "$(cat /run/sshd.pid)"'
		local want
		want=$(cut -d' ' -f2 "$S/ssh/ssh_host_ed25519_key.pub")
		served() { ssh-keyscan -T 2 -t ed25519 "$VPS_IP" 2>/dev/null | grep -qF "$want"; }
		wait_until 20 "sshd with the new key" served || die "$NAME: sshd does not serve the new host key"
	fi
}

do_exec() {
	local pid
	pid=$(init_pid) || die "$NAME is not up (run tests/infra/vps.sh up $N)"
	local env=(env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
	(($# >= 1)) || die "usage: vps.sh exec N CMD | vps.sh exec N -- ARGV..."
	if [[ $1 == -- ]]; then
		shift
		(($# >= 1)) || die "usage: vps.sh exec N -- ARGV..."
		exec nsenter -t "$pid" -m -u -i -n -p -- "${env[@]}" /bin/bash -c 'cd /root && exec "$@"' _ "$@"
	fi
	exec nsenter -t "$pid" -m -u -i -n -p -- "${env[@]}" /bin/bash -c "cd /root && $1"
}

case $CMD in
up)
	mode=full
	for a in "$@"; do
		case $a in
		--bare) mode=bare ;;
		*) die "usage: vps.sh up N [--bare]" ;;
		esac
	done
	lock
	do_up "$mode"
	do_status
	;;
down)
	purge=0 kill=
	for a in "$@"; do
		case $a in
		--purge) purge=1 ;;
		--kill) kill="kill" ;;
		*) die "usage: vps.sh down N [--kill] [--purge]" ;;
		esac
	done
	# Without the runtime dir, nothing of the bed runs (its pid files live there): do not create it.
	if [[ -d $TB_RUN ]]; then lock; fi
	do_down $kill
	if ((purge)); then safe_rm_tree "$S"; fi
	;;
rekey)
	(($# == 0)) || die "usage: vps.sh rekey N"
	lock
	do_rekey
	do_status
	;;
status)
	do_status
	;;
exec)
	do_exec "$@"
	;;
ssh)
	[[ -s $S/ssh/client_ed25519 ]] || die "$NAME has no state yet: run tests/infra/vps.sh up $N"
	exec ssh -i "$S/ssh/client_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o UserKnownHostsFile="$S/ssh/known_hosts" -o StrictHostKeyChecking=yes \
		-o GlobalKnownHostsFile=/dev/null "root@$VPS_IP" "$@"
	;;
*) usage ;;
esac
