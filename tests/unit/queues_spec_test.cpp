// Queue specs: --queue LAYOUT:NAME[,option=value...] and a profile's queue: block.
#include "graflow/queues/spec.hpp"

#include "graflow/core/error.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using namespace graflow::queues;

namespace {
// The usage error's message for `text` (fails the test if it parses or is no usage error).
std::string error_of(const std::string& text) {
  try {
    (void)parse_queue_spec(text);
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    return e.what();
  }
  FAIL("parsed: " << text);
  return {};
}
std::string yaml_error_of(const std::string& text) {
  try {
    (void)queue_spec_from_yaml(YAML::Load(text), "graflow.yaml: profile prod: queue");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    return e.what();
  }
  FAIL("parsed: " << text);
  return {};
}
} // namespace

TEST_CASE("each layout with its defaults") {
  auto c = parse_queue_spec("celery:emails");
  CHECK(c.layout == Layout::celery);
  CHECK(c.name == "emails");
  CHECK(c.id == "emails");
  CHECK(c.steps == std::vector<int>{0, 3, 6, 9});
  CHECK(c.global_keyprefix.empty());
  CHECK(main_key(c) == "emails");

  auto b = parse_queue_spec("bullmq:video");
  CHECK(b.prefix == "bull");
  CHECK(main_key(b) == "bull:video:wait");
  CHECK(main_key(parse_queue_spec("rq:default")) == "rq:queue:default");
  CHECK(main_key(parse_queue_spec("sidekiq:default")) == "queue:default");

  auto l = parse_queue_spec("list:jobs:pending,id=jobs");
  CHECK(l.name == "jobs:pending"); // the name may hold ':'
  CHECK(l.id == "jobs");
  CHECK(l.keys == std::vector<std::string>{"jobs:pending"});

  auto g = graflow_queue("tenant");
  CHECK(g.layout == Layout::graflow);
  CHECK(main_key(g) == "tenant:queue");
  CHECK(parse_queue_spec("graflow:tenant").id == "tenant");
}

TEST_CASE("options: keys summed, prefix, global_keyprefix, steps, group") {
  auto z = parse_queue_spec("zset:all,keys=a+b+c");
  CHECK(z.keys == std::vector<std::string>{"a", "b", "c"});
  CHECK(main_key(z) == "a+b+c");
  auto c = parse_queue_spec("celery:q,global_keyprefix=app1:,steps=0,5,9,id=q-app1");
  CHECK(c.global_keyprefix == "app1:");
  CHECK(c.steps == std::vector<int>{0, 5, 9});
  CHECK(c.id == "q-app1");
  CHECK(parse_queue_spec("bullmq:v,prefix=myapp").prefix == "myapp");
  auto s = parse_queue_spec("stream:events,group=workers");
  CHECK(s.group == "workers");
  CHECK(s.keys == std::vector<std::string>{"events"});
}

TEST_CASE("precise errors") {
  CHECK(error_of("celry:x") == "--queue \"celry:x\": unknown layout \"celry\" (did you mean celery?); layouts are "
                               "graflow, list, zset, stream, celery, rq, sidekiq, bullmq");
  CHECK(error_of("nothing") == "--queue \"nothing\": expected LAYOUT:NAME[,option=value...] (layouts: graflow, list, "
                               "zset, stream, celery, rq, sidekiq, bullmq)");
  CHECK(error_of("rq:") == "--queue \"rq:\": the rq layout needs a name after \"rq:\"");
  CHECK(error_of("rq:x,prefix=y") == "--queue \"rq:x,prefix=y\": unknown option \"prefix\" for the rq layout "
                                     "(prefix= is for bullmq); it takes id");
  CHECK(error_of("rq:x,colour=y") == "--queue \"rq:x,colour=y\": unknown option \"colour\" for the rq layout; it "
                                     "takes id");
  CHECK(error_of("bullmq:x,prefx=y") == "--queue \"bullmq:x,prefx=y\": unknown option \"prefx\" for the bullmq "
                                        "layout (did you mean prefix?); it takes id, prefix");
  CHECK(error_of("list:x,group=g") ==
        "--queue \"list:x,group=g\": unknown option \"group\" for the list layout (group= is for stream); it takes "
        "id, keys");
  CHECK(error_of("rq:x,id=Not Valid") ==
        "--queue \"rq:x,id=Not Valid\": id \"Not Valid\" is not a Kubernetes label value: at most 63 letters, digits, "
        "'-', '_' and '.', starting and ending with a letter or digit");
  CHECK(error_of("list:jobs:pending") ==
        "--queue \"list:jobs:pending\": the queue's id defaults to its name \"jobs:pending\", which is not a "
        "Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or "
        "digit; give one with id=");
  CHECK(error_of("celery:x,steps=0,300") ==
        "--queue \"celery:x,steps=0,300\": steps must be whole numbers from 0 to 255 (kombu's priority_steps), not "
        "\"300\"");
  CHECK(error_of("celery:x,steps=0,a") ==
        "--queue \"celery:x,steps=0,a\": steps must be whole numbers from 0 to 255 (kombu's priority_steps), not "
        "\"a\"");
  CHECK(error_of("celery:x,steps=3,3") ==
        "--queue \"celery:x,steps=3,3\": steps must be in increasing order without repeats, as kombu bisects them: "
        "\"3,3\"");
  CHECK(error_of("rq:x,id=a,id=b") == "--queue \"rq:x,id=a,id=b\": option \"id\" given twice");
  CHECK(error_of("rq:x,id=") == "--queue \"rq:x,id=\": option \"id\" needs a value");
  CHECK(error_of("rq:x,oops") == "--queue \"rq:x,oops\": expected option=value, not \"oops\"");
  CHECK(error_of("zset:x,keys=a++b") == "--queue \"zset:x,keys=a++b\": keys=\"a++b\" has an empty key (keys are "
                                        "joined with '+')");
  CHECK(error_of("graflow:a:b") == "--queue \"graflow:a:b\": \"a:b\" is not a valid key prefix: it is also a "
                                   "Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting "
                                   "and ending with a letter or digit");
}

TEST_CASE("duplicate ids") {
  std::vector<QueueSpec> specs{parse_queue_spec("rq:default"), parse_queue_spec("sidekiq:default")};
  try {
    check_unique_ids(specs);
    FAIL("no error");
  } catch (const graflow::Error& e) {
    CHECK(e.code() == graflow::Exit::usage);
    CHECK(std::string(e.what()) == "two queues have the id \"default\" (rq:default and sidekiq:default); give one of "
                                   "them another with id=");
  }
  specs[1] = parse_queue_spec("sidekiq:default,id=sk-default");
  CHECK_NOTHROW(check_unique_ids(specs));
  // A graflow prefix and a queue id live in different labels: no clash.
  specs.push_back(graflow_queue("default"));
  CHECK_NOTHROW(check_unique_ids(specs));
  specs.push_back(graflow_queue("default"));
  CHECK_THROWS_WITH(check_unique_ids(specs), "key prefix \"default\" is given twice");
}

TEST_CASE("a profile's queue: block, as a string or a map") {
  auto s = queue_spec_from_yaml(YAML::Load("celery:emails,steps=0,9"), "p");
  CHECK(s.layout == Layout::celery);
  CHECK(s.steps == std::vector<int>{0, 9});
  auto m = queue_spec_from_yaml(YAML::Load("{layout: stream, name: ev, keys: [ev1, ev2], group: g, id: events}"), "p");
  CHECK(m.layout == Layout::stream);
  CHECK(m.keys == std::vector<std::string>{"ev1", "ev2"});
  CHECK(m.group == "g");
  CHECK(m.id == "events");
  auto c = queue_spec_from_yaml(YAML::Load("{layout: celery, name: q, steps: [0, 4]}"), "p");
  CHECK(c.steps == std::vector<int>{0, 4});
  CHECK(yaml_error_of("{layout: bullmq, name: v, prefx: b}") ==
        "graflow.yaml: profile prod: queue: unknown option \"prefx\" for the bullmq layout (did you mean prefix?); it "
        "takes id, prefix");
  CHECK(yaml_error_of("{name: v}") == "graflow.yaml: profile prod: queue: layout: is missing (layouts: graflow, list, "
                                      "zset, stream, celery, rq, sidekiq, bullmq)");
  CHECK(yaml_error_of("rq:x,id=a b") == "graflow.yaml: profile prod: queue: id \"a b\" is not a Kubernetes label "
                                        "value: at most 63 letters, digits, '-', '_' and '.', starting and ending "
                                        "with a letter or digit");
  CHECK(yaml_error_of("[a, b]") == "graflow.yaml: profile prod: queue: expected \"LAYOUT:NAME[,option=value...]\" or a "
                                   "map with layout: and name:");
  CHECK(yaml_error_of("{layout: rq, name: x, id: [a]}") == "graflow.yaml: profile prod: queue: id must be a single "
                                                            "value, not a list");
}
