# SPDX-License-Identifier: GPL-2.0-or-later
# oot.sh: sourced by fuzz/run.sh and tools/sanitize.sh to build out of tree.
#
# oot_builddir DIR: creates the build directory, which ignores itself (so that git, and the
# copy below, never take it for sources). Call it before anything else is put in DIR.
oot_builddir() {
	mkdir -p "$1" || return 1
	[ -f "$1/.gitignore" ] || echo '*' >"$1/.gitignore"
}

# oot_srcdir TOP COPY: prints the source directory to run configure from.
#  - $IPVSTOP_SRCDIR when set (an unconfigured tree with configure generated);
#  - TOP itself when it is not configured in place (a VPATH build is possible);
#  - otherwise (Automake refuses a VPATH build of a tree configured in place, as a
#    developer's checkout is) a copy of TOP's working tree, the files git tracks or would
#    track, in COPY, refreshed each time (unchanged files keep their times, so make
#    rebuilds only what changed) and given its own configure by autogen.sh.
oot_srcdir() {
	_top=$1
	_copy=$2
	if [ -n "${IPVSTOP_SRCDIR:-}" ]; then
		printf '%s\n' "$IPVSTOP_SRCDIR"
		return 0
	fi
	if [ ! -f "$_top/config.status" ] && [ -x "$_top/configure" ]; then
		printf '%s\n' "$_top"
		return 0
	fi
	if ! git -C "$_top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		echo "oot.sh: $_top is configured in place and is not a git checkout:" \
			"run 'make distclean' there or set IPVSTOP_SRCDIR" >&2
		return 1
	fi
	mkdir -p "$_copy" || return 1
	# deleted-but-tracked files are skipped (--ignore-failed-read)
	(cd "$_top" && git ls-files -z -c -o --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
		tar -xf - -C "$_copy" || return 1
	if [ ! -x "$_copy/configure" ]; then
		(cd "$_copy" && ./autogen.sh) >"$_copy.autogen.log" 2>&1 || {
			cat "$_copy.autogen.log" >&2
			return 1
		}
	fi
	printf '%s\n' "$_copy"
}

# oot_configure SRCDIR BUILD ARGS...: runs SRCDIR/configure ARGS in BUILD unless BUILD was
# configured with the same ARGS from the same SRCDIR; the build directory ignores itself.
oot_configure() {
	_src=$1
	_build=$2
	shift 2
	oot_builddir "$_build" || return 1
	_want="$_src $*"
	if [ -f "$_build/config.status" ] && [ "$(cat "$_build/.oot-args" 2>/dev/null)" = "$_want" ]; then
		return 0
	fi
	(cd "$_build" && "$_src/configure" "$@") >"$_build/configure.out" 2>&1 || {
		tail -30 "$_build/configure.out" >&2
		return 1
	}
	printf '%s\n' "$_want" >"$_build/.oot-args"
}
