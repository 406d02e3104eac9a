#include "spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace sinkhub_kit {

using sinkhub::Outcome;

bool starts_fresh(const sinkhub::Context& ctx) {
  return ctx.first_batch() || (ctx.item_offset() == 0 && ctx.checkpoint().empty());
}

std::optional<Outcome> resume_mismatch(const sinkhub::Context& ctx, std::optional<std::uint64_t> items,
                                       const std::string& why) {
  if (!items)
    return Outcome::reject("cannot resume at item " + std::to_string(ctx.item_offset()) + ": " + why +
                           "; replay the delivery from the start");
  if (*items != ctx.item_offset())
    return Outcome::reject("checkpoint covers " + std::to_string(*items) + " items but the host resumes at item " +
                           std::to_string(ctx.item_offset()));
  return std::nullopt;
}

std::optional<Outcome> Spool::create(mode_t mode, std::uint64_t start) {
  fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd_.ok()) return Outcome::retry(errno_text("cannot create " + noun_, path_, errno));
  if (start && ::ftruncate(fd_.get(), static_cast<off_t>(start)) != 0)
    return Outcome::retry(errno_text("cannot size " + noun_, path_, errno));
  length_ = start;
  return std::nullopt;
}

Spool::Resume Spool::resume(std::uint64_t committed, Outcome& failure) {
  const auto fail = [&](Outcome o) {
    failure = std::move(o);
    return Resume::Failed;
  };
  fd_.reset(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd_.ok() && errno == ENOENT) return Resume::Missing;
  if (!fd_.ok()) return fail(Outcome::retry(errno_text("cannot open " + noun_, path_, errno)));
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return fail(Outcome::retry(errno_text("cannot stat " + noun_, path_, errno)));
  if (static_cast<std::uint64_t>(st.st_size) < committed)
    return fail(Outcome::reject("cannot resume: " + noun_ + " '" + path_ +
                                "' is shorter than its checkpoint; replay the delivery"));
  // Bytes past the checkpoint belong to items the host sends again.
  if (::ftruncate(fd_.get(), static_cast<off_t>(committed)) != 0)
    return fail(Outcome::retry(errno_text("cannot truncate " + noun_, path_, errno)));
  length_ = committed;
  return Resume::Ok;
}

Outcome Spool::missing() const {
  return Outcome::reject("cannot resume: " + noun_ + " '" + path_ + "' is gone; replay the delivery from the start");
}

std::optional<Outcome> Spool::append(std::string_view bytes) {
  if (const int rc = pwrite_all(fd_.get(), bytes.data(), bytes.size(), length_))
    return Outcome::retry(errno_text("cannot write " + noun_, path_, rc), -1, 0);
  if (const int rc = sync_data(fd_.get())) return Outcome::retry(errno_text("cannot sync " + noun_, path_, rc), -1, 0);
  length_ += bytes.size();
  return std::nullopt;
}

std::optional<Outcome> Spool::close() {
  if (const int rc = fd_.close_checked()) return Outcome::retry(errno_text("cannot close " + noun_, path_, rc), -1, 0);
  return std::nullopt;
}

}  // namespace sinkhub_kit
