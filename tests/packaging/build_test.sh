#!/usr/bin/env bash
# packaging.build: scripts/package.sh makes both packages from this build tree (and the same
# tree as the next version, for the upgrade case), and they hold exactly what they should.
source "$(dirname "$0")/lib.sh"

prefix=${SINKHUB_PKG_PREFIX:?}
[[ $prefix == /usr ]] || skip "this tree is configured with CMAKE_INSTALL_PREFIX=$prefix; the packages need /usr (the presets set it)"
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps missing: scripts/install-deps.sh"

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
next=$(awk -F. -v OFS=. '{$NF = $NF + 1; print}' <<<"$version")
rm -rf "$DEBS" "$NEXT"
mapfile -t built < <("$SRC/scripts/package.sh" --build-dir "$BUILD" --out "$DEBS")
arch=$(dpkg --print-architecture)
[[ ${built[*]} == "$DEBS/sinkhub_${version}_${arch}.deb $DEBS/sinkhub-dev_${version}_${arch}.deb" ]] ||
  fail "package.sh printed '${built[*]}'"
"$SRC/scripts/package.sh" --build-dir "$BUILD" --out "$NEXT" --version "$next" >/dev/null
[[ -f $NEXT/sinkhub_${next}_${arch}.deb && -f $NEXT/sinkhub-dev_${next}_${arch}.deb ]] || fail "no $next packages in $NEXT"
rm -f "$DEBS/cpack.log" "$NEXT/cpack.log"
deb=$DEBS/sinkhub_${version}_${arch}.deb dev=$DEBS/sinkhub-dev_${version}_${arch}.deb

# Files (not directories) of a package: "mode owner/group path", sorted.
files_of() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $1, $2, $6}' | sort; }
expect_files() {  # expect_files DEB < expected listing
  local got want
  got=$(files_of "$1") want=$(sort)
  [[ $got == "$want" ]] || fail "$(basename "$1") does not hold what it should:
$(diff <(echo "$want") <(echo "$got") | sed -n 's/^[<>]/&/p')
(< expected, > in the package)"
  echo "ok: $(basename "$1") holds exactly $(wc -l <<<"$got") files"
}

# The sinkhub package: every plugin target of the build (plugins/), and their READMEs.
plugins=${SINKHUB_PKG_PLUGINS:?}
{
  echo "-rw-r----- root/root /etc/sinkhub/sinkhub.env"
  echo "-rw-r--r-- root/root /etc/sinkhub/sinkhub.yaml"
  echo "-rw-r--r-- root/root /lib/systemd/system/sinkhub.service"
  echo "-rwxr-xr-x root/root /usr/bin/sinkhub"
  for p in ${plugins}; do
    echo "-rw-r--r-- root/root /usr/lib/sinkhub/plugins/$p.so"
    [[ -f $SRC/plugins/$p/README.md ]] && echo "-rw-r--r-- root/root /usr/share/doc/sinkhub/plugins/$p/README.md"
  done
  for f in README.md changelog.gz copyright; do echo "-rw-r--r-- root/root /usr/share/doc/sinkhub/$f"; done
  for f in "$SRC"/config/examples/*; do echo "-rw-r--r-- root/root /usr/share/doc/sinkhub/examples/${f##*/}"; done
  echo "-rw-r--r-- root/root /usr/share/lintian/overrides/sinkhub"
  echo "-rw-r--r-- root/root /usr/share/man/man1/sinkhub.1.gz"
} | expect_files "$deb"
dpkg-deb -c "$deb" | grep -q '^drwxr-xr-x root/root .* \./var/lib/sinkhub/$' || fail "no /var/lib/sinkhub in the package"

# sinkhub-dev: the SDK, under the multiarch libdir for the CMake package and pkg-config file.
libdir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)
{
  for f in "$SRC"/sdk/include/sinkhub/*; do echo "-rw-r--r-- root/root /usr/include/sinkhub/${f##*/}"; done
  for f in SinkhubPlugin.cmake sinkhub-sdkConfig.cmake sinkhub-sdkConfigVersion.cmake sinkhub-sdkTargets.cmake \
           sinkhub_plugin.map; do
    echo "-rw-r--r-- root/root $libdir/cmake/sinkhub-sdk/$f"
  done
  echo "-rw-r--r-- root/root $libdir/pkgconfig/sinkhub-sdk.pc"
  for f in ABI.md changelog.gz copyright; do echo "-rw-r--r-- root/root /usr/share/doc/sinkhub-dev/$f"; done
  (cd "$SRC/sdk/examples" && find . -type f | sed 's|^\.|-rw-r--r-- root/root /usr/share/doc/sinkhub-dev/examples|')
  echo "-rw-r--r-- root/root /usr/share/lintian/overrides/sinkhub-dev"
} | expect_files "$dev"

# Every file under /etc is a conffile, and nothing else is.
ctl=$WORK/control
rm -rf "$ctl" && dpkg-deb -e "$deb" "$ctl"
[[ $(sort "$ctl/conffiles") == "$(files_of "$deb" | awk '$3 ~ /^\/etc\// {print $3}')" ]] ||
  fail "conffiles ($(tr '\n' ' ' <"$ctl/conffiles")) differ from the files under /etc"
for s in postinst prerm postrm; do
  [[ -x $ctl/$s ]] || fail "no executable $s"
  sh -n "$ctl/$s" || fail "$s: syntax error"
done
echo "ok: conffiles are the files under /etc; postinst, prerm, postrm present"

# Depends: computed by dpkg-shlibdeps (versioned library packages), plus what the scripts run.
depends=$(dpkg-deb -f "$deb" Depends)
for want in "libc6 (>= " "libstdc++6 (>= " "libpoconet" "libsqlite3-0 (>= " "libyaml-cpp" adduser procps; do
  [[ $depends == *"$want"* ]] || fail "Depends lacks '$want': $depends"
done
echo "ok: Depends: $depends"
[[ -z $(dpkg-deb -f "$dev" Depends) ]] || fail "sinkhub-dev is header-only, yet depends on $(dpkg-deb -f "$dev" Depends)"

# Stripped binaries (the build's debug info stays out of the package).
x=$WORK/extract
rm -rf "$x" && dpkg-deb -x "$deb" "$x"
for elf in "$x/usr/bin/sinkhub" "$x"/usr/lib/sinkhub/plugins/*.so; do
  file "$elf" | grep -q ', stripped' || fail "$elf is not stripped"
done
rm -rf "$x" "$ctl"
echo "ok: binaries stripped"
echo "packaging.build: passed"
