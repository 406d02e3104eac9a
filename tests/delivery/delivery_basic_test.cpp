// Deliveries that go right: large datasets byte-exact, event-only routes, clean, fan-out with
// a rejecting sink, verify_with_api, /metrics.
#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

TEST_F(DeliveryTest, HundredThousandItemsReachTheFileSinkByteExact) {
  Conf s;
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{100000, 120, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "files", "done", seconds(60)));
  const auto row = deliveries(run.run_id)["files"];
  EXPECT_EQ(row.at("items_done"), "100000");
  EXPECT_EQ(row.at("attempts"), "1");
  EXPECT_EQ(row.at("last_error"), "");
  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(fake_.items(run.dataset_id))));
  // Paged with apify.page_size, jsonl, the offset advancing by the pagination count.
  const auto reqs = requests("/v2/datasets/" + run.dataset_id + "/items");
  ASSERT_GE(reqs.size(), 100u);
  std::set<std::string> offsets;
  for (const auto& r : reqs) {
    EXPECT_NE(r.uri.find("format=jsonl"), std::string::npos) << r.uri;
    EXPECT_NE(r.uri.find("limit=1000"), std::string::npos) << r.uri;
    EXPECT_EQ(r.header("Authorization"), "Bearer " + s.apify_token);
    const auto at = r.uri.find("offset=");
    ASSERT_NE(at, std::string::npos) << r.uri;
    offsets.insert(r.uri.substr(at + 7, r.uri.find('&', at) - at - 7));
  }
  EXPECT_EQ(offsets.size(), reqs.size()) << "no page was requested twice";
  for (int k = 0; k < 100; ++k) EXPECT_TRUE(offsets.count(std::to_string(k * 1000))) << k * 1000;
}

TEST_F(DeliveryTest, FailedRunReachesAnEventOnlyRouteWithoutAnyDatasetRequest) {
  Conf s;
  s.file_sink("files").test_sink("notify").route("ACTOR.RUN.SUCCEEDED", "files").route("ACTOR.RUN.FAILED", "notify");
  start(s);
  const RunInfo run = add_run("ACTOR.RUN.FAILED");
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{50, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "notify", "done"));
  const auto d = deliveries(run.run_id);
  EXPECT_EQ(d.size(), 1u) << "only the event-only route matches";
  EXPECT_EQ(d.at("notify").at("with_items"), "0");
  const auto c = calls("notify");
  ASSERT_EQ(c.size(), 1u) << "exactly one deliver() call";
  EXPECT_EQ(c[0].flags, static_cast<unsigned>(SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_EVENT_ONLY));
  EXPECT_EQ(c[0].count, 0u);
  EXPECT_EQ(c[0].offset, 0u);
  EXPECT_EQ(c[0].attempt, 1u);
  EXPECT_EQ(c[0].rc, SINKHUB_OK);
  EXPECT_TRUE(names_delivery(c[0].id, d.at("notify").at("id"))) << c[0].id;
  for (const auto& r : fake_.requests())
    ADD_FAILURE() << "no Apify request expected for an event-only delivery, got " << r.method << " " << r.uri;
}

TEST_F(DeliveryTest, CleanDeliversExactlyTheVisibleItems) {
  Conf s;
  s.page_size = 500;
  s.file_sink("files", "    dataset:\n      clean: true\n").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{20000, 80, 7, 5});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "files", "done", seconds(30)));
  const auto want = fake_.items(run.dataset_id, true);
  ASSERT_LT(want.size(), 20000u);
  ASSERT_GT(want.size(), 10000u);
  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(want)));
  EXPECT_EQ(deliveries(run.run_id)["files"].at("items_done"), std::to_string(want.size()));
  for (const auto& r : requests("/v2/datasets/" + run.dataset_id + "/items"))
    EXPECT_NE(r.uri.find("clean="), std::string::npos) << r.uri;
}

TEST_F(DeliveryTest, FanOutRejectingSinkIsDeadAndTheOtherCompletes) {
  Conf s;
  s.file_sink("files")
      .test_sink("picky", {{"mode", "reject"}, {"message", "destination says no: schema mismatch on field x"}})
      .route("ACTOR.RUN.SUCCEEDED", "files, picky");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{3000, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "picky", "dead"));
  ASSERT_TRUE(reaches(run.run_id, "files", "done"));
  EXPECT_TRUE(SameBytes(file_of("files", run), jsonl(fake_.items(run.dataset_id))));
  EXPECT_EQ(calls("picky").size(), 1u) << "REJECT is not retried";

  const auto listed = cli({"deliveries", "--json", "--run", run.run_id});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto arr = parse_json(listed.out).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(arr->size(), 2u) << listed.out;
  std::map<std::string, Poco::JSON::Object::Ptr> by_sink;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    auto o = arr->getObject(static_cast<unsigned>(i));
    by_sink[o->getValue<std::string>("sink")] = o;
  }
  ASSERT_TRUE(by_sink.count("picky") && by_sink.count("files")) << listed.out;
  EXPECT_EQ(by_sink["picky"]->getValue<std::string>("state"), "dead");
  EXPECT_NE(by_sink["picky"]->getValue<std::string>("last_error").find("schema mismatch on field x"), std::string::npos)
      << listed.out;
  EXPECT_EQ(by_sink["files"]->getValue<std::string>("state"), "done");
  EXPECT_EQ(by_sink["files"]->getValue<std::string>("last_error"), "");

  const auto dead = cli({"deliveries", "--json", "--state", "dead"});
  ASSERT_EQ(dead.exit_code, 0) << dead.err;
  EXPECT_EQ(parse_json(dead.out).extract<Poco::JSON::Array::Ptr>()->size(), 1u) << dead.out;

  const auto shown = cli({"events", "show", run.run_id, "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto events = parse_json(shown.out).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(events->size(), 1u) << shown.out;
  auto dels = events->getObject(0)->getArray("deliveries");
  ASSERT_EQ(dels->size(), 2u) << shown.out;
  bool saw_picky = false;
  for (std::size_t i = 0; i < dels->size(); ++i) {
    auto d = dels->getObject(static_cast<unsigned>(i));
    if (d->getValue<std::string>("sink") != "picky") continue;
    saw_picky = true;
    auto hist = d->getArray("attempts_history");
    ASSERT_EQ(hist->size(), 1u) << shown.out;
    EXPECT_EQ(hist->getObject(0)->getValue<std::string>("outcome"), "reject");
    EXPECT_NE(hist->getObject(0)->getValue<std::string>("message").find("schema mismatch"), std::string::npos);
  }
  EXPECT_TRUE(saw_picky) << shown.out;
  const auto text = cli({"events", "show", run.run_id});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("schema mismatch on field x"), std::string::npos) << text.out;
}

TEST_F(DeliveryTest, MetricsCountDeliveredItemsDeliveriesAndWebhooks) {
  Conf s;
  s.page_size = 400;
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{2500, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "files", "done"));
  const auto m = daemon().get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(metric(m.body, "sinkhub_delivered_items_total{sink=\"files\"}"), 2500) << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_delivered_bytes_total{sink=\"files\"}"),
            static_cast<double>(jsonl(fake_.items(run.dataset_id)).size()))
      << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_deliveries{state=\"done\"}"), 1) << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_deliveries{state=\"dead\"}"), 0) << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_webhooks_total{outcome=\"accepted\"}"), 1) << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_delivery_attempts_total{sink=\"files\",outcome=\"ok\"}"), 1) << m.body;
  EXPECT_EQ(metric(m.body, "sinkhub_queue_depth"), 0) << m.body;
  // 2500 items in pages of 400: 7 pages and the empty one that ends the stream.
  EXPECT_EQ(metric(m.body, "sinkhub_apify_requests_total{status=\"200\"}"), 8) << m.body;
}

// auth.verify_with_api: a webhook whose run does not match (status, dataset, existence)
// exports nothing; a matching one exports normally.
TEST_F(DeliveryTest, VerifyWithApiRejectsMismatchesWithoutReadingTheDataset) {
  Conf s;
  s.verify_with_api = true;
  s.file_sink("files").route("ACTOR.RUN.SUCCEEDED", "files");
  start(s);

  const RunInfo good = add_run();
  fake_.add_generated_dataset(good.dataset_id, GeneratedSpec{1500, 100, 0, 0});

  RunInfo wrong_status = new_run();  // the API says FAILED, the webhook SUCCEEDED
  {
    FakeRun fr;
    fr.id = wrong_status.run_id;
    fr.act_id = wrong_status.actor_id;
    fr.status = "FAILED";
    fr.default_dataset_id = wrong_status.dataset_id;
    fake_.add_run(fr);
    fake_.add_generated_dataset(wrong_status.dataset_id, GeneratedSpec{10, 100, 0, 0});
  }
  RunInfo wrong_dataset = new_run();  // the webhook names a dataset the run does not own
  {
    FakeRun fr;
    fr.id = wrong_dataset.run_id;
    fr.act_id = wrong_dataset.actor_id;
    fr.default_dataset_id = unique_id("other-ds");
    fake_.add_run(fr);
    fake_.add_generated_dataset(wrong_dataset.dataset_id, GeneratedSpec{10, 100, 0, 0});
  }
  RunInfo unknown = new_run();  // no such run
  fake_.add_generated_dataset(unknown.dataset_id, GeneratedSpec{10, 100, 0, 0});

  post(wrong_status);
  post(wrong_dataset);
  post(unknown);
  post(good);
  ASSERT_TRUE(reaches(good.run_id, "files", "done"));
  EXPECT_TRUE(SameBytes(file_of("files", good), jsonl(fake_.items(good.dataset_id))));
  for (const RunInfo* r : {&wrong_status, &wrong_dataset, &unknown}) {
    ASSERT_TRUE(reaches(r->run_id, "files", "dead")) << r->run_id;
    const std::string err = deliveries(r->run_id)["files"].at("last_error");
    EXPECT_EQ(err.rfind("rejected: ", 0), 0u) << err;
    EXPECT_EQ(requests("/v2/datasets/" + r->dataset_id).size(), 0u) << "no dataset request for " << r->run_id;
    EXPECT_GE(requests("/v2/actor-runs/" + r->run_id).size(), 1u);
    EXPECT_FALSE(std::ifstream(dir() + "/files/" + r->actor_id + "/" + r->run_id + ".jsonl").good());
  }
  EXPECT_NE(deliveries(wrong_status.run_id)["files"].at("last_error").find("FAILED"), std::string::npos);
  EXPECT_NE(deliveries(wrong_dataset.run_id)["files"].at("last_error").find("dataset"), std::string::npos);
  EXPECT_NE(deliveries(unknown.run_id)["files"].at("last_error").find("does not exist"), std::string::npos);
  // The matching run was checked before its dataset was read.
  const auto all = fake_.requests();
  std::size_t run_at = all.size(), items_at = all.size();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].path() == "/v2/actor-runs/" + good.run_id && run_at == all.size()) run_at = i;
    if (all[i].path() == "/v2/datasets/" + good.dataset_id + "/items" && items_at == all.size()) items_at = i;
  }
  EXPECT_LT(run_at, items_at);
  // events show tells why; replay refuses rejected events.
  const auto shown = cli({"events", "show", wrong_status.run_id, "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto ev = parse_json(shown.out).extract<Poco::JSON::Array::Ptr>()->getObject(0);
  ASSERT_TRUE(ev->has("rejected")) << shown.out;
  EXPECT_NE(ev->getValue<std::string>("rejected").find("FAILED"), std::string::npos) << shown.out;
  const auto replay = cli({"replay", "--run", wrong_status.run_id});
  EXPECT_EQ(replay.exit_code, 1) << replay.out << replay.err;
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(state_of(wrong_status.run_id, "files"), "dead");
  EXPECT_EQ(requests("/v2/datasets/" + wrong_status.dataset_id).size(), 0u);
}

// One sink's backlog does not hold another sink's work back: the sinks take turns at being
// claimed (Ledger::claim, Engine::claim_one). With one worker and a dozen slow deliveries
// queued for one sink, a webhook for another sink waits for at most the call in flight and
// one more, not for the whole backlog (oldest-first across sinks made it wait for all 12).
TEST_F(DeliveryTest, ABackloggedSinkDoesNotHoldAnotherSinksDeliveryBack) {
  Conf s;
  s.delivery["workers"] = "1";
  s.test_sink("slow", {{"delay_ms", std::to_string(scaled(milliseconds(250)).count())}})
      .file_sink("files")
      .route("ACTOR.RUN.SUCCEEDED", "slow")
      .route("ACTOR.RUN.FAILED", "files");
  start(s);
  std::vector<RunInfo> backlog;
  for (int i = 0; i < 12; ++i) backlog.push_back(post_generated(1));
  const RunInfo other = add_run("ACTOR.RUN.FAILED");
  post(other);
  const auto slow_before = calls("slow").size();
  ASSERT_TRUE(reaches(other.run_id, "files", "done"));
  const auto slow_after = calls("slow").size();
  EXPECT_LE(slow_after - slow_before, 2u) << "the other sink's delivery waited behind the backlog";
  EXPECT_LT(slow_after, backlog.size());
  for (const auto& run : backlog) ASSERT_TRUE(reaches(run.run_id, "slow", "done", seconds(30))) << run.run_id;
}

}  // namespace
}  // namespace sinkhub::dt
