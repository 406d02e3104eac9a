#!/usr/bin/env bash
# Writes the sinkhub(1) man page: fixed sections around the verbatim output of `sinkhub --help`
# and of `sinkhub COMMAND --help` for every command that --help lists, so the page says what
# the binary says. Each help block is preceded by the roff comment `.\" help: COMMAND` (empty
# for the top level), which tests/packaging uses to compare the installed page with the
# installed binary.
#   manpage.sh SINKHUB_BINARY OUTPUT
set -euo pipefail
bin=$1 out=$2

# Verbatim text for roff: backslash, minus (ASCII in every renderer), leading control chars.
escape() { sed -e 's/[[:space:]]*$//' -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
help_block() {  # help_block NAME TEXT
  printf '.\\" help: %s\n.nf\n' "$1"
  escape <<<"$2"
  printf '.fi\n'
}

top=$("$bin" --help)
version=$("$bin" version)
version=${version#sinkhub }
# The commands are the first words of the indented lines under "Commands:".
commands=$(sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}' <<<"$top")
[[ -n $commands ]] || { echo "manpage.sh: no commands in 'sinkhub --help'" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
{
  cat <<EOF
.TH SINKHUB 1 "" "sinkhub $version" "User Commands"
.SH NAME
sinkhub \\- receive Apify webhooks, record them durably, deliver run datasets to sinks
.SH SYNOPSIS
.B sinkhub
.I COMMAND
.RI [ OPTIONS ]
.SH DESCRIPTION
.B sinkhub serve
receives Apify webhooks on
.BR server.listen ,
checks their shared secret, records each event in a deduplicating SQLite ledger and answers
once it is on disk; then it streams each run's dataset from the Apify API to the sink plugins
that the routes name, with retries, dead letters and replay.
The other commands validate a configuration, list plugins, and inspect or replay deliveries;
they are safe to run while the daemon runs.
.PP
The installed service runs
.B sinkhub serve
as user
.B sinkhub
(sinkhub.service).
Configuration keys, sinks and the plugin SDK are described in
.IR /usr/share/doc/sinkhub/README.md .
.SH COMMANDS
EOF
  help_block "" "$top"
  for cmd in $commands; do
    text=$("$bin" "$cmd" --help 2>&1 || true)
    grep -qi '^usage:' <<<"$text" || continue  # `version` has no options
    printf '.SS %s\n' "$cmd"
    help_block "$cmd" "$text"
  done
  cat <<'EOF'
.SH FILES
.TP
.I /etc/sinkhub/sinkhub.yaml
The configuration of the service (YAML; INI files are read too, chosen by extension).
.TP
.I /etc/sinkhub/sinkhub.env
Secrets as NAME=value lines, loaded by the unit and referred to as ${env:NAME} in the config;
mode 0640, root:sinkhub.
.TP
.I /var/lib/sinkhub
The ledger (sinkhub.db), sink data and the file sink's output; removed only on purge.
.TP
.I /usr/lib/sinkhub/plugins
The packaged sink plugins. Plugins of your own (sinkhub\-dev) go in a directory added to
.BR plugins.dirs ,
owned by root and writable by nobody else.
.SH ENVIRONMENT
.TP
.B SINKHUB_WEBHOOK_SECRET\fR, \fBAPIFY_TOKEN
Read by the default configuration through ${env:...}; any variable can be referenced that way.
.TP
.B NOTIFY_SOCKET
Set by systemd for Type=notify:
.B serve
sends READY=1 once it listens and STOPPING=1 when it stops.
.SH SIGNALS
.TP
.BR SIGTERM ", " SIGINT
Stop accepting, answer the requests in flight, give delivery batches in flight
.BR delivery.shutdown_grace ,
close the ledger, exit 0.
.TP
.B SIGHUP
Sent by
.BR "systemctl reload" .
Reload the configuration without dropping a webhook: secrets, IP allowlists,
routes, sinks (added, removed, changed options), retry settings and newly
dropped-in plugins apply at once; an invalid configuration is refused (every
error logged) and the running one stays. Settings only a restart applies
(server.*, ledger.*, delivery.workers, delivery.lease) refuse the whole reload,
each named in the log.
.SH EXIT STATUS
0 on success, 1 when the configuration or a command fails, 2 for a command line error.
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1),
.I /usr/share/doc/sinkhub/README.md
and, for writing sinks,
.I /usr/share/doc/sinkhub\-dev/ABI.md
(package sinkhub\-dev).
EOF
} >"$out"
