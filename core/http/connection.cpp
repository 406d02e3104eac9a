// One connection's HTTP/1.x on its event loop: reading, parsing, routing, the webhook's body,
// answering (in order, pipelined requests included), lingering close, deadlines' effects.
#include <sys/epoll.h>
#include <sys/socket.h>

#include "http/loop_internals.hpp"
#include "http/status_pages.hpp"
#include "http/task_thread.hpp"
#include "util/memory.hpp"

namespace sinkhub::http {

namespace {

using namespace loop_detail;

bool is_health_path(const std::string& p) { return p == "/healthz" || p == "/readyz" || p == "/metrics"; }

}  // namespace

void Loop::on_event(Conn& c, std::uint32_t events) {
  if (c.fd < 0 || c.st == Conn::St::Closed) return;
  if (events & EPOLLERR) {
    destroy(c);
    return;
  }
  if (events & (EPOLLRDHUP | EPOLLHUP)) c.rdhup = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) c.readable = true;
  if ((events & EPOLLOUT) && c.out_off < c.out.size()) {
    flush(c);
    if (c.fd < 0 || c.st == Conn::St::Closed) return;
  }
  service(c);
}

void Loop::service(Conn& c) {
  if (c.st == Conn::St::Linger) return linger_drain(c);
  for (int round = 0; round < 8; ++round) {
    // While the ledger has the request, only a little of what a client pipelines is buffered.
    const std::size_t cap = c.st == Conn::St::Waiting ? kScratch : in_cap_;
    if (c.readable && c.in.size() < cap && c.st != Conn::St::Closing) read_some(c, cap);
    if (c.fd < 0 || c.st == Conn::St::Closed) return;
    const bool progressed = advance(c);
    if (c.fd < 0 || c.st == Conn::St::Closed) return;
    if (c.out_blocked) {
      // Pipelined answers filled the output: send them before parsing more. Whatever the
      // socket does not take now, EPOLLOUT resumes; what it took makes room at once (no edge
      // would come for input already buffered, so waiting here would stall the connection).
      flush(c);
      if (c.fd < 0 || c.st == Conn::St::Closed || c.out_off < c.out.size()) return;
    } else if (!progressed || !c.readable) {
      break;
    }
    // A client that keeps the socket full gets a few rounds, then the others get their turn;
    // no new edge will come for what is already buffered in the kernel, so come back to it.
    if (round == 7) again_.push_back(c.id);
  }
  flush(c);
}

void Loop::read_some(Conn& c, std::size_t cap) {
  for (;;) {
    const ssize_t n = ::recv(c.fd, scratch_.data(), scratch_.size(), 0);
    if (n > 0) {
      c.in.append(scratch_.data(), static_cast<std::size_t>(n));
      // Edge-triggered: a short read emptied the socket (new data brings a new edge), unless
      // the peer's FIN is already flagged and only a read to EOF will show it.
      if (static_cast<std::size_t>(n) < scratch_.size() && !c.rdhup) {
        c.readable = false;
        return;
      }
      if (c.in.size() >= cap) return;  // paused; `readable` stays set
      continue;
    }
    if (n == 0) {
      c.peer_eof = true;
      c.readable = false;
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      c.readable = false;
      return;
    }
    destroy(c);  // reset by the peer
    return;
  }
}

// Parses and dispatches what is buffered, as far as the connection's state allows. True if
// anything was consumed or answered.
bool Loop::advance(Conn& c) {
  bool progressed = false;
  for (;;) {
    // The client is not reading its answers: stop parsing (and soon reading) until it does.
    c.out_blocked = c.out.size() - c.out_off > kMaxPendingOut;
    if (c.out_blocked) return progressed;
    switch (c.st) {
      case Conn::St::Idle:
      case Conn::St::Head: {
        if (c.in.empty()) {
          if (c.peer_eof || (draining_ && c.st == Conn::St::Idle)) {
            c.st = Conn::St::Closing;  // after any answer still queued
            c.linger = false;
            return true;
          }
          return progressed;
        }
        if (c.st == Conn::St::Idle) {
          c.st = Conn::St::Head;
          c.scanned = 0;
          c.head_only = false;
          c.deadline = now() + ctx_.server.read_timeout_ms;
        }
        std::size_t consumed = 0;
        ParseError err;
        const auto status = parse_head(c.in, limits_, c.scanned, c.head, consumed, err);
        if (status == ParseStatus::Incomplete) {
          if (c.peer_eof) {
            c.st = Conn::St::Closing;  // a head that will never be complete: nothing to answer
            c.linger = false;
            return true;
          }
          return progressed;
        }
        progressed = true;
        if (status == ParseStatus::Error) {
          respond(c, reject_reply(err.status, err.message));
          return true;
        }
        c.in.erase(0, consumed);
        dispatch(c);
        continue;
      }
      case Conn::St::Body:
        if (!read_body(c)) {
          if (c.peer_eof) {
            respond(c, ctx_.endpoint.body_malformed("request body incomplete"));
            return true;
          }
          return progressed;
        }
        progressed = true;
        continue;
      case Conn::St::Waiting:
      case Conn::St::Closing:
      case Conn::St::Linger:
      case Conn::St::Closed:
        return progressed;
    }
  }
}

void Loop::dispatch(Conn& c) {
  const RequestHead& h = c.head;
  const std::string path = h.path();
  c.head_only = h.method == "HEAD";
  // A body we do not read would be taken for the next request: answer, then close.
  auto unread_body = [&](Reply r) {
    if (h.has_body()) r.close = r.linger = true;
    return r;
  };
  if (path == ctx_.server.path) {
    if (h.method != "POST") {
      Reply r = error_reply(405, "method not allowed");
      r.headers.emplace_back("Allow", "POST");
      return respond(c, unread_body(std::move(r)));
    }
    c.rules = ctx_.endpoint.rules();
    c.client = ctx_.endpoint.client(c.rules, h, c.peer);
    if (auto refused = ctx_.endpoint.screen(c.rules, h, c.client)) return respond(c, *refused);
    if (!h.content_length && !h.chunked) return respond(c, reject_reply(411, "Content-Length required"));
    c.st = Conn::St::Body;
    c.deadline = now() + ctx_.server.read_timeout_ms;  // the whole body
    c.body.clear();
    if (h.chunked) c.chunked.emplace(ctx_.endpoint.max_body_bytes());
    else c.chunked.reset();
    // The client waits for this before sending the body (unless it already started).
    if (h.expect_continue && c.in.empty()) c.out += "HTTP/1.1 100 Continue\r\n\r\n";
    return;
  }
  if (is_health_path(path)) {
    if (h.method != "GET" && h.method != "HEAD") {
      Reply r = error_reply(405, "method not allowed");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return respond(c, unread_body(std::move(r)));
    }
    if (path == "/healthz") return respond(c, unread_body(json_reply(200, R"({"status":"alive"})")));
    // These read the ledger: on the helper thread, answered through the mailbox.
    c.unread_body = h.has_body();
    c.st = Conn::St::Waiting;
    c.deadline = 0;
    const bool metrics = path == "/metrics";
    ctx_.helper.post([mb = mailbox_, id = c.id, metrics, &ledger = ctx_.ledger, max = ctx_.server.max_body_bytes] {
      Item it;
      it.kind = Item::Kind::Answer;
      it.conn = id;
      it.reply = metrics ? metrics_page(ledger) : readiness_page(ledger, max);
      mb->post(std::move(it));
    });
    return;
  }
  respond(c, unread_body(error_reply(404, "not found")));
}

// True once the body is complete (and handed on) or refused.
bool Loop::read_body(Conn& c) {
  if (c.chunked) {
    std::size_t consumed = 0;
    const auto st = c.chunked->feed(c.in, consumed, c.body);
    c.in.erase(0, consumed);
    if (st == ChunkedDecoder::Status::NeedMore) return false;
    if (st == ChunkedDecoder::Status::TooLarge) {
      respond(c, ctx_.endpoint.body_too_large());
      return true;
    }
    if (st == ChunkedDecoder::Status::Error) {
      respond(c, ctx_.endpoint.body_malformed(c.chunked->error()));
      return true;
    }
  } else {
    const std::size_t need = static_cast<std::size_t>(c.head.content_length.value_or(0));
    if (c.in.size() < need) return false;
    if (c.in.size() == need) {
      c.body.swap(c.in);
      c.in.clear();
    } else {
      c.body.assign(c.in, 0, need);
      c.in.erase(0, need);
    }
  }
  util::note_released(c.body.size());  // freed once recorded or refused
  if (c.body.size() > kInlineParseBytes) {
    prepare_off_loop(c);
    return true;
  }
  auto event = std::make_unique<ledger::IncomingEvent>();
  Reply refused;
  if (!ctx_.endpoint.prepare(c.rules, c.head, c.client, std::move(c.body), *event, c.summary, refused)) {
    respond(c, refused);
    return true;
  }
  c.rules.reset();
  c.body = std::string();
  c.st = Conn::St::Waiting;
  c.deadline = 0;
  // Answered only after the commit: the outcome comes back through the mailbox. Queued with
  // the others of this loop round, submitted together at its end (one group commit).
  to_record_.push_back({std::move(event), c.id});
  return true;
}

// The body goes to a parser thread; the answer comes back through the mailbox (on_prepared).
void Loop::prepare_off_loop(Conn& c) {
  c.st = Conn::St::Waiting;
  c.deadline = 0;
  ctx_.parser.post([mb = mailbox_, id = c.id, rules = std::move(c.rules), head = c.head, client = c.client,
                    body = std::move(c.body), &endpoint = ctx_.endpoint]() mutable {
    Item it;
    it.kind = Item::Kind::Prepared;
    it.conn = id;
    it.event = std::make_unique<ledger::IncomingEvent>();
    it.admitted = endpoint.prepare(rules, head, client, std::move(body), *it.event, it.summary, it.reply);
    if (!it.admitted) it.event.reset();
    mb->post(std::move(it));
  });
  c.body = std::string();
}

void Loop::on_prepared(Item& it) {
  const auto found = conns_.find(it.conn);
  if (found == conns_.end()) return;
  Conn& c = *found->second;
  if (it.admitted) {
    // Recorded even if the client left meanwhile: it sent the whole webhook.
    c.summary = std::move(it.summary);
    to_record_.push_back({std::move(it.event), c.id});
    return;
  }
  if (c.abandoned) {
    c.st = Conn::St::Closed;
    graveyard_.push_back(c.id);
    return;
  }
  respond(c, it.reply);
  service(c);
}

// After a large request, a keep-alive connection does not keep its megabyte buffers.
void Loop::release_buffers(Conn& c) {
  if (c.in.capacity() > kScratch && c.in.size() <= kScratch) {
    util::note_released(c.in.capacity());
    c.in.shrink_to_fit();
  }
  if (c.body.capacity() > kScratch) {
    util::note_released(c.body.capacity());
    std::string().swap(c.body);
  }
}

void Loop::respond(Conn& c, const Reply& r) {
  const bool close = r.close || r.linger || !c.head.keep_alive || draining_;
  const char* connection = close ? "close" : c.head.minor_version == 0 ? "keep-alive" : "";
  append_response(c.out, r, date_, connection, c.head_only);
  c.head_only = false;
  c.chunked.reset();
  c.rules.reset();
  if (close) {
    c.st = Conn::St::Closing;
    c.linger = r.linger;
    c.deadline = now() + ctx_.server.read_timeout_ms;  // for a client that does not read
  } else {
    c.st = Conn::St::Idle;
    c.deadline = now() + kKeepAliveIdleMs;
    release_buffers(c);
  }
}

void Loop::flush(Conn& c) {
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // EPOLLOUT resumes
    destroy(c);
    return;
  }
  if (c.out.capacity() > kMaxPendingOut) {
    util::note_released(c.out.capacity());
    std::string().swap(c.out);  // a burst of pipelined answers
  }
  c.out.clear();
  c.out_off = 0;
  if (c.st != Conn::St::Closing) return;
  if (!c.linger) return destroy(c);
  // Lingering close: the client gets our answer, then EOF, instead of a reset.
  ::shutdown(c.fd, SHUT_WR);
  c.st = Conn::St::Linger;
  c.deadline = now() + kLingerMs;
  linger_drain(c);
}

void Loop::linger_drain(Conn& c) {
  for (int i = 0; i < 64; ++i) {
    const ssize_t n = ::recv(c.fd, scratch_.data(), scratch_.size(), 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    destroy(c);  // EOF or error
    return;
  }
}

void Loop::destroy(Conn& c) {
  if (c.fd >= 0) {
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    ctx_.connections.fetch_sub(1, std::memory_order_relaxed);
    owned_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (c.st == Conn::St::Waiting) {
    c.abandoned = true;
    return;
  }
  if (c.st != Conn::St::Closed) {
    c.st = Conn::St::Closed;
    graveyard_.push_back(c.id);
  }
}

}  // namespace sinkhub::http
