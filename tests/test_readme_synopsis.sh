#!/usr/bin/env bash
# The README's Synopsis and the commands' --help agree (issue 9: the synopsis lagged --help):
# every option a command's --help lists appears in that command's Synopsis entry, and every
# option the entry shows exists in --help. The Synopsis is the first ``` block after
# "## Synopsis"; an entry is a line "vigil CMD ..." and the indented lines after it. --help and
# --version, which every command has, are in the "vigil COMMAND --help | --version" line. Also:
# every command of `vigil --help` has an entry, and the man page lists every option.
set -uo pipefail
VIGIL=${VIGIL_BUILD:?}/vigil
SRC=${VIGIL_SRC:?}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# synopsis CMD: the options (one per line, sorted) of CMD's Synopsis entry.
synopsis() {
  awk -v cmd="$1" '
    /^## Synopsis/ { in_section = 1; next }
    in_section && /^```/ { if (in_block) exit; in_block = 1; next }
    !in_block { next }
    /^vigil / { current = $2 }
    !/^vigil / && !/^[ \t]/ { current = "" }
    current == cmd { print }
  ' "$SRC/README.md" | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

# help_options CMD: the options CMD --help lists (lines "  --name ..."), without --help/--version.
help_options() {
  "$VIGIL" "$1" --help | grep -o -- '^  --[a-z0-9][a-z0-9-]*' | sed 's/^  //' |
    grep -vx -- '--help' | grep -vx -- '--version' | sort -u
}

commands=$("$VIGIL" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
[ -n "$commands" ] || fail "vigil --help lists no commands"
for cmd in $commands; do
  syn=$(synopsis "$cmd")
  hlp=$(help_options "$cmd")
  [ -n "$hlp" ] || fail "vigil $cmd --help lists no options"
  if ! grep -q "^vigil $cmd\\b" <(awk '/^## Synopsis/,0' "$SRC/README.md"); then
    fail "the README Synopsis has no entry for vigil $cmd"
    continue
  fi
  missing=$(comm -23 <(echo "$hlp") <(echo "$syn"))
  extra=$(comm -13 <(echo "$hlp") <(echo "$syn"))
  [ -z "$missing" ] || fail "vigil $cmd: --help lists $(echo $missing) but the README Synopsis does not"
  [ -z "$extra" ] || fail "vigil $cmd: the README Synopsis shows $(echo $extra), which --help does not list"
  for opt in $hlp; do
    man_opt=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    grep -q -- "$man_opt" "$SRC/man/vigil.1" || fail "man/vigil.1 does not mention $opt (vigil $cmd)"
  done
done
awk '/^## Synopsis/,0' "$SRC/README.md" | grep -c '^vigil COMMAND --help | --version$' >/dev/null ||
  fail "the Synopsis lacks the 'vigil COMMAND --help | --version' line"

[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "ok: the README Synopsis matches every command's --help"
