# deps.sh - the Debian packages baton needs to build and test.
# Sourced by scripts/setup and scripts/test.
BATON_PKGS="gcc make meson ninja-build pkg-config libyaml-dev libjansson-dev
libsqlite3-dev libcmocka-dev python3 python3-pytest sqlite3"

# Installs what is missing (as root), or prints the apt-get line and
# returns 1 when not root.
baton_install_deps() {
	local missing=() p
	for p in $BATON_PKGS "$@"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "baton needs these Debian packages; install them with:" >&2
		echo "  sudo apt-get install -y ${missing[*]}" >&2
		return 1
	fi
	echo "==> installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
