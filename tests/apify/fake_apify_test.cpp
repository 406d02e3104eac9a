// The fake Apify API itself, datasets and faults: it must behave like the real one where the
// client relies on it.
#include <gtest/gtest.h>

#include <string>

#include "fake_client.hpp"

namespace sinkhub::fake {
namespace {

using test::get;
using test::Got;
using test::json;

TEST(FakeApify, ItemsCarryAllPaginationHeadersAndJsonlContentType) {
  FakeApify api({"tok"});
  api.add_dataset("d", {"{\"a\":1}", "{}", "{\"#h\":1}", "{\"a\":2,\"#h\":3}"});
  const Got g = get(api, "/v2/datasets/d/items?format=jsonl&offset=1&limit=2");
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.head.getContentType(), "application/jsonl; charset=utf-8");
  EXPECT_EQ(g.head.get("X-Apify-Pagination-Offset"), "1");
  EXPECT_EQ(g.head.get("X-Apify-Pagination-Limit"), "2");
  EXPECT_EQ(g.head.get("X-Apify-Pagination-Count"), "2");
  EXPECT_EQ(g.head.get("X-Apify-Pagination-Total"), "4");
  EXPECT_EQ(g.head.get("X-Apify-Pagination-Desc"), "false");
  EXPECT_EQ(g.body, "{}\n{\"#h\":1}\n");
}

TEST(FakeApify, CleanFiltersAfterOffsetAndLimitAndCountsScannedItems) {
  FakeApify api({"tok"});
  api.add_dataset("d", {"{\"a\":1}", "{}", "{\"#h\":1}", "{\"a\":2,\"#h\":3}"});
  const Got g = get(api, "/v2/datasets/d/items?format=jsonl&offset=1&limit=3&clean=1");
  EXPECT_EQ(g.body, "{\"a\":2}\n");
  EXPECT_EQ(g.head.get("X-Apify-Pagination-Count"), "3");  // scanned, not returned
  EXPECT_EQ(get(api, "/v2/datasets/d/items?format=jsonl&skipEmpty=true").body,
            "{\"a\":1}\n{\"#h\":1}\n{\"a\":2,\"#h\":3}\n");
  EXPECT_EQ(get(api, "/v2/datasets/d/items?format=jsonl&skipHidden=1").body, "{\"a\":1}\n{}\n{}\n{\"a\":2}\n");
}

TEST(FakeApify, JsonFormatIsABareArrayAndNoLimitMeansEverything) {
  FakeApify api({"tok"});
  api.add_generated_dataset("g", {5, 40});
  const Got g = get(api, "/v2/datasets/g/items");
  EXPECT_EQ(g.head.getContentType(), "application/json; charset=utf-8");
  EXPECT_EQ(g.head.get("X-Apify-Pagination-Limit"), "999999999999");
  Poco::JSON::Parser p;
  const auto arr = p.parse(g.body).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(arr->size(), 5u);
  EXPECT_EQ(arr->getObject(3)->getValue<int>("i"), 3);
  EXPECT_EQ(get(api, "/v2/datasets/g/items?desc=1&limit=1&format=jsonl").body, FakeApify::generated_item(4, {5, 40}) + "\n");
}

TEST(FakeApify, GeneratedItemsAreDeterministicAndSized) {
  const GeneratedSpec spec{100, 200, 10, 0};
  EXPECT_EQ(FakeApify::generated_item(42, spec), FakeApify::generated_item(42, spec));
  const std::string item = FakeApify::generated_item(42, spec);
  EXPECT_EQ(item.size(), 200u);
  EXPECT_EQ(json(item)->getValue<int>("i"), 42);
  EXPECT_EQ(json(item)->getValue<std::string>("url"), "https://example.com/p/42");
  EXPECT_TRUE(json(FakeApify::generated_item(9, spec))->has("#debug"));
}

TEST(FakeApify, TokenCheckAndErrorEnvelopes) {
  FakeApify api({"tok"});
  api.add_dataset("d", {});
  Got g = get(api, "/v2/datasets/d/items", "");
  EXPECT_EQ(g.status, 401);
  EXPECT_EQ(json(g.body)->getObject("error")->getValue<std::string>("type"), "token-not-provided");
  g = get(api, "/v2/datasets/d/items", "bad");
  EXPECT_EQ(json(g.body)->getObject("error")->getValue<std::string>("type"), "invalid-token");
  EXPECT_EQ(get(api, "/v2/datasets/d/items?token=tok", "").status, 200);
  g = get(api, "/v2/datasets/zzz/items");
  EXPECT_EQ(g.status, 404);
  EXPECT_EQ(json(g.body)->getObject("error")->getValue<std::string>("type"), "record-not-found");
  EXPECT_EQ(get(api, "/v2/actor-runs/zzz").status, 404);
  EXPECT_EQ(get(api, "/v2/acts/zzz").status, 404);
  EXPECT_EQ(get(api, "/v3/whatever").status, 404);
}

TEST(FakeApify, FaultsAreConsumedInOrderAndPerPathPrefix) {
  FakeApify api({"tok"});
  api.add_dataset("d", {"{}"});
  api.add_run({"r", "a", "", "SUCCEEDED", "d"});
  api.fail_next(1, 429, 7, "/v2/actor-runs/");
  Got g = get(api, "/v2/datasets/d/items");
  EXPECT_EQ(g.status, 200);
  g = get(api, "/v2/actor-runs/r");
  EXPECT_EQ(g.status, 429);
  EXPECT_EQ(g.head.get("Retry-After"), "7");
  EXPECT_EQ(json(g.body)->getObject("error")->getValue<std::string>("type"), "rate-limit-exceeded");
  EXPECT_EQ(get(api, "/v2/actor-runs/r").status, 200);
  EXPECT_EQ(get(api, "/v2/actor-runs/r/dataset/items?format=jsonl").body, "{}\n");
  EXPECT_EQ(api.request_count("/v2/actor-runs/"), 3u);
}

TEST(FakeApify, FaultsFilterByMethodAndLetTheFirstMatchesThrough) {
  FakeApify api({"tok"});
  FaultSpec f;
  f.status = 503;
  f.method = "POST";
  f.path_prefix = "/v2/webhooks";
  f.skip = 1;  // the first POST passes, the second fails
  api.inject(f);
  api.add_actor({"act1", "scraper", "jane"});
  const std::string body = R"({"eventTypes":["ACTOR.RUN.SUCCEEDED"],"condition":{"actorId":"act1"},"requestUrl":"https://x.example/h"})";
  EXPECT_EQ(get(api, "/v2/webhooks").status, 200);  // a GET on the same path is not matched
  EXPECT_EQ(test::request(api, "POST", "/v2/webhooks", body).status, 201);
  EXPECT_EQ(test::request(api, "POST", "/v2/webhooks", body).status, 503);
  EXPECT_EQ(test::request(api, "POST", "/v2/webhooks", body).status, 201);  // the fault is used up
}

TEST(FakeApify, InjectedAuthFaultsCarryApifyTypesOrTheGivenOne) {
  FakeApify api({"tok"});
  api.add_actor({"act1", "scraper", "jane"});
  api.fail_next(1, 401);
  api.fail_next(1, 403);
  api.fail_next(1, 404);
  FaultSpec limit;
  limit.status = 403;
  limit.type = "too-many-webhooks";
  limit.message = "Limit reached";
  api.inject(limit);
  EXPECT_EQ(test::error_type(get(api, "/v2/acts/act1")), "invalid-token");
  EXPECT_EQ(test::error_type(get(api, "/v2/acts/act1")), "insufficient-permissions");
  EXPECT_EQ(test::error_type(get(api, "/v2/acts/act1")), "record-not-found");
  const Got g = get(api, "/v2/acts/act1");
  EXPECT_EQ(g.status, 403);
  EXPECT_EQ(json(g.body)->getObject("error")->getValue<std::string>("message"), "Limit reached");
  EXPECT_EQ(get(api, "/v2/acts/act1").status, 200);
}

TEST(FakeApify, TheLogKeepsWriteBodiesAndCountsWritesWhateverTheirAnswer) {
  FakeApify api({"tok"});
  EXPECT_EQ(test::request(api, "POST", "/v2/webhooks", "{\"x\":1}").status, 400);
  EXPECT_EQ(test::request(api, "DELETE", "/v2/webhooks/nope").status, 404);
  EXPECT_EQ(get(api, "/v2/webhooks").status, 200);
  EXPECT_EQ(api.write_count(), 2u);
  EXPECT_EQ(api.write_count("/v2/webhooks/"), 1u);
  EXPECT_EQ(api.requests().front().body, "{\"x\":1}");
  EXPECT_TRUE(api.requests().front().is_write());
}

TEST(FakeApify, WrongMethodsAndOversizedBodiesGetApifyErrors) {
  FakeApify api({"tok"});
  api.add_dataset("d", {});
  Got g = test::request(api, "POST", "/v2/datasets/d/items", "[]");
  EXPECT_EQ(g.status, 405);
  EXPECT_EQ(test::error_type(g), "method-not-allowed");
  g = test::request(api, "POST", "/v2/webhooks", std::string(9437185, ' '));
  EXPECT_EQ(g.status, 413);
  EXPECT_EQ(test::error_type(g), "request-too-large");
}

}  // namespace
}  // namespace sinkhub::fake
