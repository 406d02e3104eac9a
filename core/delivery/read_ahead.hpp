// Reading the dataset: a bounded prefetch of pages on a helper thread, so that network and
// sink I/O overlap, and the marks that say where reading resumes after a retry or a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "apify/client.hpp"

namespace sinkhub::delivery {

// Streams the dataset from `offset` and hands every page to on_page, on the calling thread.
// With budget_bytes > 0 a helper thread fetches ahead while on_page runs, holding at most
// budget_bytes of pages (always at least one page), so memory stays bounded whatever the
// dataset size; with 0 a page is fetched only when the previous one was handled. When on_page
// returns false, or stopping() turns true, the reader stops at its next page.
apify::StreamResult read_ahead(apify::Client& client, const std::string& dataset_id, std::int64_t offset,
                               const apify::ItemsQuery& query, std::size_t budget_bytes,
                               const std::function<bool()>& stopping, const apify::PageFn& on_page);

// Where reading resumes. Positions count delivered items from the dataset's start; Apify
// offsets count raw items, and with `clean` a page can scan more raw items than it returns,
// so both are kept: a page's raw offset and the delivered items before it.
class ResumeMarks {
 public:
  // Where this attempt started reading: a raw offset and the delivered items before it.
  ResumeMarks(std::int64_t source_offset, std::uint64_t source_items)
      : source_offset_(source_offset), source_items_(source_items) {}

  std::int64_t start_offset() const { return source_offset_; }
  std::uint64_t start_items() const { return source_items_; }

  // A page was read whose first item has delivered-index `items_before`.
  void add(const apify::Page& page, std::uint64_t items_before);

  // Where to resume so that delivered-index `pos` is read again first: the start of the page
  // holding it (the items before `pos` on that page are skipped on resume), or, past every
  // page read, the end of the last one.
  struct Point {
    std::int64_t offset = 0;
    std::uint64_t items_before = 0;
  };
  Point resume_point(std::uint64_t pos) const;
  // The same for a position that may lie before the pages still held (a sink's rewind, ABI
  // 1.2): resume_point when it is known, else, where raw offsets count delivered items (no
  // `clean`), that offset, else the dataset's start (the items before pos are then skipped).
  Point rewind_point(std::uint64_t pos, bool offsets_are_positions) const;

  // Pages wholly before the committed position are no longer needed.
  void prune(std::uint64_t committed);
  std::size_t size() const { return pages_.size(); }

 private:
  struct Mark {
    std::int64_t offset, next_offset;
    std::uint64_t items_before, items_after;
  };
  std::int64_t source_offset_;
  std::uint64_t source_items_;
  std::deque<Mark> pages_;
};

}  // namespace sinkhub::delivery
