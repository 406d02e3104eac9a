// sinkhub_testkit: drive the real sinkhub binary from a test, over loopback only.
// Every wait in here is bounded and every process started here is reaped.
#pragma once

#include "daemon.hpp"
#include "files.hpp"
#include "http.hpp"
#include "ledger_view.hpp"
#include "payloads.hpp"
#include "postgres.hpp"
