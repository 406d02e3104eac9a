// createDeveloperMetadata, updateDeveloperMetadata, deleteDeveloperMetadata.
#include <algorithm>

#include "batch_update.hpp"
#include "data_filter.hpp"
#include "field_mask.hpp"
#include "render.hpp"

namespace sinkhub::fake::google::batch {

namespace {

Visibility visibility_of(const json::Obj& m) {
  const std::string v = json::str(m, "visibility");
  if (v == "DOCUMENT") return Visibility::Document;
  if (v == "PROJECT") return Visibility::Project;
  throw RequestError("Developer metadata must have a visibility specified.");
}

std::size_t chars(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool same_place(const Metadata& a, const Metadata& b) {
  if (a.type != b.type) return false;
  if (a.type == LocationType::Spreadsheet) return true;
  return a.sheet_id == b.sheet_id && (a.type == LocationType::Sheet || a.index == b.index);
}

// Google refuses metadata that would take its location past the per-location character cap.
void check_room(const BatchContext& ctx, const Metadata& m) {
  std::size_t used = chars(m.key) + chars(m.value);
  for (const auto& [id, other] : ctx.ss.metadata)
    if (id != m.id && same_place(other, m)) used += chars(other.key) + chars(other.value);
  const std::size_t cap = ctx.limits.max_metadata_chars_per_location;
  if (used > cap)
    throw RequestError("Developer metadata at this location would use " + std::to_string(used) +
                       " characters, above the limit of " + std::to_string(cap) + " characters per location.");
}

std::vector<std::int32_t> ids_of(const std::vector<const Metadata*>& list) {
  std::vector<std::int32_t> ids;
  for (const Metadata* m : list) ids.push_back(m->id);
  return ids;
}

}  // namespace

json::Obj create_developer_metadata(BatchContext& ctx, const json::Obj& r) {
  const json::Obj in = json::child(r, "developerMetadata");
  if (!in) throw RequestError("developerMetadata must be specified.");
  Metadata m;
  m.key = json::str(in, "metadataKey");
  if (m.key.empty()) throw RequestError("Developer metadata must have a key specified.");
  m.has_value = json::has(in, "metadataValue");
  m.value = json::str(in, "metadataValue");
  m.visibility = visibility_of(in);
  m.project = ctx.project;
  set_location(ctx.ss, json::child(in, "location"), m);
  if (json::has(in, "metadataId")) {
    m.id = static_cast<std::int32_t>(json::integer(in, "metadataId"));
    if (m.id <= 0) throw RequestError("metadataId must be positive.");
    if (ctx.ss.metadata.count(m.id))
      throw RequestError("Cannot add developer metadata with ID [" + std::to_string(m.id) +
                         "] because developer metadata with that ID already exists.");
  } else {
    m.id = new_metadata_id(ctx);
  }
  check_room(ctx, m);
  ctx.ss.metadata[m.id] = m;
  auto body = json::object();
  body->set("developerMetadata", render::metadata(m));
  return reply("createDeveloperMetadata", body);
}

json::Obj update_developer_metadata(BatchContext& ctx, const json::Obj& r) {
  const json::Arr filters = json::list(r, "dataFilters");
  if (!filters || filters->size() == 0) throw RequestError("Must specify at least one dataFilter.");
  const json::Obj in = json::child(r, "developerMetadata");
  const std::string text = json::str(r, "fields");
  if (text.empty()) throw RequestError("At least one field must be specified.");
  auto mask = FieldMask::parse(text);
  if (!mask || !mask->normalize("DeveloperMetadata").empty()) throw RequestError("Invalid field mask: " + text);
  if (!mask->selects_everything() && mask->touches("metadataId")) throw RequestError("metadataId cannot be updated.");
  std::vector<std::int32_t> ids;
  for (std::size_t i = 0; i < filters->size(); ++i)
    for (std::int32_t id : ids_of(select_metadata(ctx.ss, json::as_object(filters->get(i)), ctx.project)))
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  auto list = json::array();
  for (std::int32_t id : ids) {
    Metadata& m = ctx.ss.metadata.at(id);
    if (mask->touches("metadataKey")) {
      m.key = json::str(in, "metadataKey");
      if (m.key.empty()) throw RequestError("Developer metadata must have a key specified.");
    }
    if (mask->touches("metadataValue")) {
      m.has_value = json::has(in, "metadataValue");
      m.value = json::str(in, "metadataValue");
    }
    if (mask->touches("visibility")) m.visibility = visibility_of(in);
    if (mask->touches("location")) set_location(ctx.ss, json::child(in, "location"), m);
    check_room(ctx, m);
    list->add(render::metadata(m));
  }
  auto body = json::object();
  if (list->size() > 0) body->set("developerMetadata", list);
  return reply("updateDeveloperMetadata", body);
}

json::Obj delete_developer_metadata(BatchContext& ctx, const json::Obj& r) {
  const json::Obj filter = json::child(r, "dataFilter");
  if (!filter) throw RequestError("dataFilter.filter must be specified.");
  auto list = json::array();
  for (std::int32_t id : ids_of(select_metadata(ctx.ss, filter, ctx.project))) {
    list->add(render::metadata(ctx.ss.metadata.at(id)));
    ctx.ss.metadata.erase(id);
  }
  auto body = json::object();
  if (list->size() > 0) body->set("deletedDeveloperMetadata", list);
  return reply("deleteDeveloperMetadata", body);
}

}  // namespace sinkhub::fake::google::batch
