// The Sheets v4 methods the fake serves, run with the model lock held by serve_sheets.
#pragma once

#include <string>

#include "field_mask.hpp"
#include "state.hpp"

namespace sinkhub::fake::google {

struct MethodCall {
  FakeGoogle::State& st;
  const Incoming& in;
  const Principal& who;
  const FieldMask* fields;  // the `fields` mask, null when absent
};

json::Obj get_spreadsheet(MethodCall& call, const Spreadsheet& ss);
json::Obj batch_update(MethodCall& call, Spreadsheet& ss, bool& applied);
json::Obj values_get(MethodCall& call, const Spreadsheet& ss, const std::string& range);
json::Obj values_batch_get(MethodCall& call, const Spreadsheet& ss);
json::Obj metadata_search(MethodCall& call, const Spreadsheet& ss);
json::Obj metadata_get(MethodCall& call, const Spreadsheet& ss, const std::string& id);

}  // namespace sinkhub::fake::google
