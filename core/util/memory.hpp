// Giving memory back after a burst of large webhook bodies. glibc keeps freed heap memory for
// reuse and, after the first large free, serves even megabyte buffers from the heap: 4,096
// connections × 1 MiB bodies left the daemon holding 1.6 GB for good. Large buffers come
// straight from mmap instead (returned when freed), and what piles up in the heap is trimmed
// once enough of it was freed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sinkhub::util {

// Call once at startup: allocations of 128 KiB and more are mmapped and unmapped on free.
void return_large_buffers_to_the_os();

// Counts bytes of large buffers just freed (bodies, connection buffers).
void note_released(std::size_t bytes);

// True (and the count reset) when at least 32 MiB were freed since the last trim and the last
// trim is a second old: then call trim_heap(), off any latency-sensitive thread.
bool trim_due(std::int64_t now_ms);
// Hands free heap pages back to the kernel (malloc_trim).
void trim_heap();

}  // namespace sinkhub::util
