# deps.sh - the Debian packages baton needs to build and test.
# Sourced by scripts/setup and scripts/test.
BATON_PKGS="gcc make meson ninja-build pkg-config libyaml-dev libjansson-dev
libsqlite3-dev libcurl4-openssl-dev libcmocka-dev python3 python3-pytest sqlite3
libmicrohttpd-dev"

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

# The browser tests' tools: Debian's chromium and npm's playwright-core
# (pinned in tests/ui/package-lock.json; it downloads no browser).
# Installs what is missing; returns 1 with a message when it cannot, and
# the UI tests then fail saying what is missing.
baton_install_ui_deps() {
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	if [ ! -x /usr/bin/chromium ] || ! command -v npm >/dev/null 2>&1; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "the browser tests need chromium and npm; install them with:" >&2
			echo "  sudo apt-get install -y chromium nodejs npm" >&2
			return 1
		fi
		local pkgs=(chromium)
		command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
		echo "==> installing ${pkgs[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends "${pkgs[@]}" \
			>/dev/null || return 1
	fi
	if [ ! -d "$root/tests/ui/node_modules/playwright-core" ]; then
		echo "==> npm ci --prefix tests/ui"
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$root/tests/ui" \
			--no-audit --no-fund >/dev/null || return 1
	fi
}
