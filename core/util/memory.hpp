// Giving memory back after a burst of large webhook bodies. glibc keeps freed heap memory for
// reuse: 4,096 connections x 1 MiB bodies left the daemon holding 1.6 GB for good. What piles
// up in the heap is trimmed once enough of it was freed. (A fixed M_MMAP_THRESHOLD of 128 KiB
// did the same job, but made every dataset page and batch of the delivery path an mmap, page
// faults and munmap: twice the CPU per delivered item, bench/RESULTS.md "e2e after the merges".)
#pragma once

#include <cstddef>
#include <cstdint>

namespace sinkhub::util {

// Counts bytes of large buffers just freed (bodies, connection buffers).
void note_released(std::size_t bytes);

// True (and the count reset) when at least 32 MiB were freed since the last trim and the last
// trim is a second old: then call trim_heap(), off any latency-sensitive thread.
bool trim_due(std::int64_t now_ms);
// Hands free heap pages back to the kernel (malloc_trim).
void trim_heap();

}  // namespace sinkhub::util
