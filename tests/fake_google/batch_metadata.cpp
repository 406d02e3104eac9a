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
