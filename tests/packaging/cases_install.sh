# packaging.install (sourced by root_cases.sh): dpkg -i of both packages into the clean root.

stat_is() {  # stat_is PATH "OWNER:GROUP MODE"
  local got
  got=$(in_root stat -c '%U:%G %a' "$1")  # names from the root's passwd and group
  [[ $got == "$2" ]] || fail "$1 is $got, want $2"
}

case_install() {
  if [[ -n $(installed_version sinkhub) ]]; then
    in_root dpkg -P sinkhub-dev sinkhub >/dev/null  # a rerun: start from a root without them
  fi
  install_debs in_root "$DEBS" || fail "dpkg -i failed: $(cat "$WORK/dpkg.log")"
  local out
  out=$(cat "$WORK/dpkg.log")
  local version
  version=$(dpkg-deb -f "$DEBS"/sinkhub_*.deb Version)
  [[ $(installed_version sinkhub) == "ii $version" && $(installed_version sinkhub-dev) == "ii $version" ]] ||
    fail "not installed: sinkhub '$(installed_version sinkhub)', sinkhub-dev '$(installed_version sinkhub-dev)'"
  # Not started without a secret, and the admin is told what to do.
  grep -q "set SINKHUB_WEBHOOK_SECRET and APIFY_TOKEN in /etc/sinkhub/sinkhub.env" <<<"$out" ||
    fail "postinst did not say how to finish the setup: $out"
  echo "ok: dpkg -i installed both ($version)"

  # The system user: no login, home in the state directory.
  local pw
  pw=$(in_root getent passwd sinkhub) || fail "no user sinkhub"
  IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
  ((uid < 1000)) || fail "sinkhub is not a system user (uid $uid)"
  [[ $home == /var/lib/sinkhub && $shell == /usr/sbin/nologin ]] || fail "sinkhub user: $pw"
  [[ $(in_root getent group sinkhub | cut -d: -f3) == "$gid" ]] || fail "the sinkhub group is not the user's group"
  stat_is /etc/sinkhub/sinkhub.env "root:sinkhub 640"
  stat_is /etc/sinkhub/sinkhub.yaml "root:root 644"
  stat_is /var/lib/sinkhub "sinkhub:sinkhub 750"
  stat_is /usr/lib/sinkhub/plugins "root:root 755"
  local want_plugins=${SINKHUB_PKG_PLUGINS}
  local have
  have=$(find "$ROOT/usr/lib/sinkhub/plugins" -name '*.so' -printf '%f\n' | sed 's/\.so$//' | sort)
  [[ $have == "$(tr ' ' '\n' <<<"$want_plugins" | sort)" ]] ||
    fail "plugins installed: $(ls "$ROOT/usr/lib/sinkhub/plugins"), want $want_plugins"
  echo "ok: user sinkhub (uid $uid), owners and modes, plugins $want_plugins"

  # Enabled (the wants symlink deb-systemd-helper makes), for multi-user.target.
  [[ $(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/sinkhub.service") == "$UNIT" ]] ||
    fail "sinkhub.service is not enabled"
  echo "ok: sinkhub.service enabled"

  # The installed default config is valid once the secrets are set (as the unit runs it) ...
  local rc=0 msg
  msg=$(as_service SINKHUB_WEBHOOK_SECRET="$TEST_SECRET" APIFY_TOKEN="$TEST_TOKEN" -- \
        $(unit_value ExecStartPre) 2>&1) || rc=$?
  ((rc == 0)) || fail "check-config refused the installed config ($rc): $msg"
  echo "ok: check-config accepts the installed config: $msg"
  # ... and refused, naming what is missing, while the env file is as shipped.
  rc=0
  msg=$(as_service $(unit_value ExecStartPre) 2>&1) || rc=$?
  ((rc == 1)) && grep -q "auth.secrets" <<<"$msg" || fail "check-config with the shipped env file: $rc, $msg"
  echo "ok: without the secret it refuses: $msg"

  check_man_page
  check_library_packages
}

# The man page holds the installed binary's --help texts, verbatim (packaging/manpage.sh marks
# each block with a roff comment `.\" help: COMMAND`).
check_man_page() {
  local page n=0 cmd
  page=$(zcat "$ROOT/usr/share/man/man1/sinkhub.1.gz")
  while read -r cmd; do
    local block want
    block=$(awk -v c="$cmd" '$0 == ".\\\" help: " c {on = 1; next} on && $0 == ".nf" {next}
                             on && $0 == ".fi" {exit} on' <<<"$page" |
            sed -e 's/^\\&//' -e 's/\\-/-/g' -e 's/\\e/\\/g')
    # shellcheck disable=SC2086
    want=$(in_root /usr/bin/sinkhub $cmd --help 2>&1 | sed 's/[[:space:]]*$//')
    [[ $block == "$want" ]] || fail "the man page's help for '${cmd:-sinkhub}' differs from the binary's:
$(diff <(echo "$want") <(echo "$block"))"
    n=$((n + 1))
  done < <(sed -n 's/^\.\\" help: \{0,1\}//p' <<<"$page")
  ((n >= 5)) || fail "only $n help blocks in the man page"
  echo "ok: man page sinkhub(1) matches sinkhub --help and $((n - 1)) COMMAND --help texts"
}

# Every library any ELF file of the package loads is found, and each one the file needs itself
# comes from a package that sinkhub depends on (so Depends is complete, whatever else the root
# holds).
check_library_packages() {
  local depends elf lib pkg n=0
  depends=" $(dpkg-deb -f "$DEBS"/sinkhub_*.deb Depends | tr ',' '\n' | sed -e 's/(.*)//' -e 's/|.*//' | tr -d ' ' | tr '\n' ' ') "
  while read -r elf; do
    file -L "$ROOT$elf" | grep -q ELF || continue
    local ldd_out
    ldd_out=$(in_root ldd "$elf")
    grep -q "not found" <<<"$ldd_out" && fail "$elf: $(grep 'not found' <<<"$ldd_out")"
    # What the file itself needs (DT_NEEDED): those libraries' own dependencies are theirs.
    for lib in $(readelf -d "$ROOT$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
      lib=$(awk -v n="$lib" '$1 == n && $2 == "=>" {print $3}' <<<"$ldd_out")
      [[ $lib == /* ]] || fail "$elf: ldd does not resolve a needed library: $ldd_out"
      pkg=$(in_root dpkg -S "$lib" 2>/dev/null || in_root dpkg -S "$(in_root readlink -f "$lib")" 2>/dev/null ||
            in_root dpkg -S "/usr$lib" 2>/dev/null) || fail "$elf loads $lib, which no package owns"
      pkg=${pkg%%:*}
      # The package, or a name it Provides (libspdlog1.10 provides the libspdlog1.10-fmt9 its
      # shlibs file names).
      local name ok=""
      for name in "$pkg" $(in_root dpkg-query -W -f='${Provides}' "$pkg" | tr ',' '\n' | sed 's/(.*)//'); do
        [[ $depends == *" $name "* ]] && ok=1
      done
      [[ -n $ok ]] || fail "$elf loads $lib from $pkg, which is not in Depends:$depends"
    done
    n=$((n + 1))
  done < <(in_root dpkg -L sinkhub)
  ((n >= 2)) || fail "only $n ELF files in the package"
  echo "ok: the libraries of all $n ELF files come from packages in Depends"
}
