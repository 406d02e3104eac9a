// Where a batch is cut (delivery/batcher.hpp) and where reading resumes
// (delivery/read_ahead.hpp's ResumeMarks): pure parts of the delivery engine.
#include <gtest/gtest.h>

#include <string>

#include "delivery/batcher.hpp"
#include "delivery/read_ahead.hpp"

namespace sinkhub::delivery {
namespace {

sinkhub_instance_limits hints() {
  sinkhub_instance_limits h{};
  h.struct_size = sizeof h;
  return h;
}

TEST(BatchLimits, WithoutHintsABatchIsOnePageOrSixteenMebibytes) {
  const auto l = batch_limits(hints(), 1000);
  EXPECT_EQ(l.max_total, 0u);
  EXPECT_EQ(l.max_items, 1000u);
  EXPECT_EQ(l.max_bytes, 16u << 20);
  EXPECT_EQ(l.min_bytes, 0u);
  EXPECT_EQ(l.read_ahead_bytes(), 32u << 20);
}

TEST(BatchLimits, PreferredWinsBelowTheMaximum) {
  auto h = hints();
  h.preferred_batch_items = 500;
  h.max_batch_items = 200;
  h.preferred_batch_bytes = 1 << 20;
  EXPECT_EQ(batch_limits(h, 1000).max_items, 200u) << "never above the maximum";
  EXPECT_EQ(batch_limits(h, 1000).max_bytes, 1u << 20);
  EXPECT_EQ(batch_limits(h, 1000).read_ahead_bytes(), 2u << 20) << "two batches ahead";
}

TEST(BatchLimits, ASinkSizedInBytesIsNotCutAtOnePage) {
  auto h = hints();
  h.max_batch_bytes = 5u << 20;
  const auto l = batch_limits(h, 1000);
  EXPECT_EQ(l.max_items, UINT64_MAX);
  EXPECT_EQ(l.max_bytes, 5u << 20);
}

TEST(BatchLimits, ASinkThatNeedsTheFirstItemsGetsNoReadAhead) {
  auto h = hints();
  h.max_items = 10;
  EXPECT_EQ(batch_limits(h, 1000).read_ahead_bytes(), 0u);
}

BatchLimits limits(std::uint64_t max_items, std::uint64_t max_bytes, std::uint64_t min_bytes = 0,
                   std::uint64_t max_total = 0) {
  BatchLimits l;
  l.max_items = max_items;
  l.max_bytes = max_bytes;
  l.min_bytes = min_bytes;
  l.max_total = max_total;
  return l;
}

TEST(Batcher, CutsBeforeAnItemThatWouldOverflow) {
  Batcher b(limits(3, 20), 0);
  EXPECT_FALSE(b.full_before(100)) << "an empty batch takes any item";
  b.add("aaaa", 4);  // 5 bytes with its newline
  b.add("bbbb", 4);
  EXPECT_FALSE(b.full_before(4)) << "15 bytes fit in 20";
  EXPECT_TRUE(b.full_before(10)) << "21 bytes would not";
  b.add("cccc", 4);
  EXPECT_TRUE(b.full_before(1)) << "max_items reached";
}

TEST(Batcher, MinBytesHoldsTheBatchOpen) {
  Batcher b(limits(1, 1000, 8), 0);
  b.add("abc", 3);
  EXPECT_FALSE(b.full_before(3)) << "4 bytes are below min_bytes";
  b.add("def", 3);
  EXPECT_TRUE(b.full_before(3));
}

TEST(Batcher, APartialAcceptKeepsTheRestForTheNextCall) {
  Batcher b(limits(10, 1000), 40);
  for (const std::string item : {"one", "two", "three", "four"}) b.add(item.data(), item.size());
  EXPECT_EQ(b.first(), 40u);
  EXPECT_EQ(b.end(), 44u);
  b.accept(1);
  EXPECT_EQ(b.first(), 41u);
  ASSERT_EQ(b.count(), 3u);
  EXPECT_EQ(b.batch().data, "two\nthree\nfour\n");
  EXPECT_EQ(b.batch().offsets[1], 4u);
  EXPECT_EQ(b.batch().lengths[1], 5u);
  b.accept(3);
  EXPECT_EQ(b.count(), 0u);
  EXPECT_EQ(b.first(), 44u);
  b.accept(0);
  EXPECT_EQ(b.first(), 44u);
}

TEST(Batcher, MaxTotalCountsDeliveredAndGatheredItems) {
  Batcher b(limits(100, 1000, 0, 5), 3);
  EXPECT_FALSE(b.reached_max_total());
  b.add("x", 1);
  b.add("y", 1);
  EXPECT_TRUE(b.reached_max_total());
}

apify::Page page(std::int64_t offset, std::int64_t returned, std::int64_t scanned) {
  apify::Page p;
  p.offset = offset;
  p.returned = returned;
  p.scanned = scanned;
  return p;
}

// With `clean`, pages scan more raw items than they return: raw offsets and delivered
// positions part ways, and a resume must use both.
TEST(ResumeMarks, ResumeAtThePageHoldingTheFirstUnacceptedItem) {
  ResumeMarks m(100, 90);          // this attempt started at raw offset 100, 90 items delivered before
  m.add(page(100, 8, 10), 90);     // delivered-index 90..97, raw 100..109
  m.add(page(110, 10, 10), 98);    // 98..107, raw 110..119
  EXPECT_EQ(m.resume_point(90).offset, 100);
  EXPECT_EQ(m.resume_point(95).offset, 100);
  EXPECT_EQ(m.resume_point(95).items_before, 90u) << "5 items of that page are skipped on resume";
  EXPECT_EQ(m.resume_point(98).offset, 110);
  EXPECT_EQ(m.resume_point(98).items_before, 98u);
  EXPECT_EQ(m.resume_point(108).offset, 120) << "past every page: the end of the last";
  EXPECT_EQ(m.resume_point(108).items_before, 108u);
  m.prune(100);
  EXPECT_EQ(m.size(), 1u) << "the first page is wholly committed";
  EXPECT_EQ(m.resume_point(100).offset, 110);
  m.prune(1000);
  EXPECT_EQ(m.size(), 1u) << "the last page stays: it says where reading ended";
}

TEST(ResumeMarks, BeforeAnyPageResumeWhereTheAttemptStarted) {
  const ResumeMarks m(42, 40);
  EXPECT_EQ(m.resume_point(40).offset, 42);
  EXPECT_EQ(m.resume_point(40).items_before, 40u);
}

// A sink's rewind (ABI 1.2) may go back before the pages still held: the resume point is
// then derived (raw offset = position without `clean`) or the dataset's start, never a page
// that begins after the item.
TEST(ResumeMarks, ARewindBeforeThePagesHeldReadsFromWhereThatItemIs) {
  ResumeMarks m(100, 90);
  m.add(page(100, 8, 10), 90);   // 90..97
  m.add(page(110, 10, 10), 98);  // 98..107
  m.prune(100);                  // the first page is gone
  EXPECT_EQ(m.rewind_point(99, false).offset, 110) << "a position still held: its page";
  EXPECT_EQ(m.rewind_point(99, false).items_before, 98u);
  EXPECT_EQ(m.rewind_point(95, false).offset, 0) << "with clean: from the start, skipping 95 items";
  EXPECT_EQ(m.rewind_point(95, false).items_before, 0u);
  EXPECT_EQ(m.rewind_point(95, true).offset, 95) << "without clean a raw offset is a position";
  EXPECT_EQ(m.rewind_point(95, true).items_before, 95u);
  EXPECT_EQ(m.rewind_point(0, false).offset, 0);
  const ResumeMarks fresh(42, 40);  // no page read yet in this attempt
  EXPECT_EQ(fresh.rewind_point(41, false).offset, 42);
  EXPECT_EQ(fresh.rewind_point(12, false).offset, 0);
  EXPECT_EQ(fresh.rewind_point(12, true).offset, 12);
}

}  // namespace
}  // namespace sinkhub::delivery
