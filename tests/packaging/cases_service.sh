# packaging.serve and packaging.sdk (sourced by root_cases.sh): the installed daemon at work,
# run as the unit runs it, in this test's own network namespace (loopback only).

case_serve() {
  ensure_installed "$DEBS"
  configure_service
  start_fake_apify -- ds-serve:25
  start_daemon
  accept_new_run serve ds-serve actor-serve
  expect_delivered_file actor-serve "$RUN" 25
  echo "ok: a webhook was delivered into the file sink (25 items) through the installed file.so"
  [[ $(in_root stat -c '%U' /var/lib/sinkhub/sinkhub.db) == sinkhub ]] || fail "the ledger is not owned by sinkhub"
  local listing
  listing=$(as_service /usr/bin/sinkhub deliveries --config /etc/sinkhub/sinkhub.yaml --run "$RUN" --json)
  grep -q '"state": *"done"' <<<"$listing" || fail "the delivery is not done: $listing"
  stop_daemon
  kill "$FAKE_PID"
  echo "ok: ledger in /var/lib/sinkhub; SIGTERM: exit 0, 'stopped cleanly'"
}

# The SDK examples, built in the root against the installed sinkhub-dev only (the root has no
# source tree at all), installed under /usr/local, loaded and fed by the installed daemon.
case_sdk() {
  ensure_installed "$DEBS"
  configure_service
  local yaml=$ROOT/etc/sinkhub/sinkhub.yaml sdk=/tmp/sdk-examples
  cp "$yaml" "$WORK/sinkhub.yaml.before-sdk"
  rm -rf "$ROOT$sdk" && mkdir -p "$ROOT$sdk"
  cp -r "$ROOT/usr/share/doc/sinkhub-dev/examples/." "$ROOT$sdk/"
  local ex
  for ex in c-minimal cpp-minimal; do
    in_root cmake -S "$sdk/$ex" -B "$sdk/build-$ex" -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      -DCMAKE_COMPILE_WARNING_AS_ERROR=ON >"$WORK/sdk-$ex.log" 2>&1 || fail "cmake $ex: $(tail -20 "$WORK/sdk-$ex.log")"
    grep -q "^sinkhub-sdk_DIR:PATH=/usr/lib/.*/cmake/sinkhub-sdk$" "$ROOT$sdk/build-$ex/CMakeCache.txt" ||
      fail "$ex did not find the installed sinkhub-sdk package: $(grep sinkhub-sdk_DIR "$ROOT$sdk/build-$ex/CMakeCache.txt")"
    in_root cmake --build "$sdk/build-$ex" >>"$WORK/sdk-$ex.log" 2>&1 || fail "build $ex: $(tail -20 "$WORK/sdk-$ex.log")"
    # No include path but the system's: the SDK headers came from /usr/include/sinkhub.
    local includes
    includes=$(grep -o -- '-I[^ ]*\|-isystem [^ ]*' "$ROOT$sdk/build-$ex/compile_commands.json" || true)
    [[ -z $includes ]] || fail "$ex compiled with include paths: $includes"
    in_root cmake --install "$sdk/build-$ex" --prefix /usr/local >>"$WORK/sdk-$ex.log" 2>&1 || fail "install $ex"
  done
  # pkg-config, without CMake.
  in_root sh -c "cc -std=c99 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \$(pkg-config --cflags sinkhub-sdk) \
    $sdk/c-minimal/count_c.c -Wl,--version-script=\$(pkg-config --variable=versionscript sinkhub-sdk) \
    -Wl,--no-undefined -o $sdk/count_c_pkgconfig.so" || fail "the pkg-config build of count_c failed"
  [[ $(in_root nm -D --defined-only "$sdk/count_c_pkgconfig.so" | awk '{print $NF}') == sinkhub_plugin_entry_v1 ]] ||
    fail "the pkg-config build exports more than the entry symbol"
  echo "ok: both examples built against the installed sinkhub-dev (CMake and pkg-config), no include path"

  # The admin adds their plugin directory and a sink of each example to the route.
  sed -i -e 's|^\(  dirs: \[/usr/lib/sinkhub/plugins\)\]|\1, /usr/local/lib/sinkhub/plugins]|' \
         -e 's|^sinks:$|sinks:\n  counted-c:\n    plugin: example.count-c\n  counted-cpp:\n    plugin: example.count-cpp|' \
         -e 's|^\(    sinks: \[local-files\)\]|\1, counted-c, counted-cpp]|' "$yaml"
  local listing
  listing=$(as_service /usr/bin/sinkhub plugins --config /etc/sinkhub/sinkhub.yaml) || fail "sinkhub plugins: $listing"
  grep -q "^example.count-c " <<<"$listing" && grep -q "^example.count-cpp " <<<"$listing" ||
    fail "sinkhub plugins does not list the examples: $listing"
  start_fake_apify -- ds-sdk:7
  start_daemon
  accept_new_run sdk ds-sdk actor-sdk
  local sink
  for sink in example.count-c/counted-c example.count-cpp/counted-cpp; do
    # count_c logs "run R: 7 items delivered", count_cpp "run R of ACTOR: 7 items".
    wait_until 60 grep -qE "\[${sink//./\\.}\] run $RUN( of [^:]+)?: 7 items" "$WORK/daemon.log" ||
      fail "$sink did not report the run: $(tail -20 "$WORK/daemon.log")"
  done
  expect_delivered_file actor-sdk "$RUN" 7
  stop_daemon
  kill "$FAKE_PID"
  echo "ok: the installed daemon loaded both examples and delivered a run to them"
  # Leave the root as the package left it.
  cp "$WORK/sinkhub.yaml.before-sdk" "$yaml"
  rm -rf "$ROOT$sdk" "$ROOT/usr/local/lib/sinkhub"
}
