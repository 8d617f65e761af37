// Integration tests for fake-apiserver over HTTPS, through the graflow::testing helper.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "apiserver/fake_apiserver.hpp"

#include <httplib.h>

#include <thread>

using graflow::testing::FakeApiServer;
using graflow::testing::FakeApiServerOptions;
using graflow::testing::HttpRequest;
using graflow::testing::HttpResponse;
using nlohmann::json;

namespace {

FakeApiServer& server() {
  static FakeApiServer instance;
  return instance;
}

HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& content_type = "application/json") {
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.body = body;
  req.content_type = body.empty() ? "" : content_type;
  req.token = server().token();
  return server().send(req);
}

const std::string deployments = "/apis/apps/v1/namespaces/";
const std::string hpas = "/apis/autoscaling/v2/namespaces/";

json deployment(const std::string& name, int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "worker"}, {"image", "example.com/worker:1"}}}}}}}}}}};
}

json hpa(const std::string& name, int min, int max) {
  return {{"apiVersion", "autoscaling/v2"},
          {"kind", "HorizontalPodAutoscaler"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "worker"}}},
            {"minReplicas", min},
            {"maxReplicas", max},
            {"metrics",
             {{{"type", "External"},
               {"external",
                {{"metric",
                  {{"name", "graflow_queue_depth"}, {"selector", {{"matchLabels", {{"key_prefix", "graflow"}}}}}}},
                 {"target", {{"type", "AverageValue"}, {"averageValue", "10"}}}}}}}}}}};
}

void check_status(const HttpResponse& r, long code, const std::string& reason, const std::string& message) {
  INFO(r.body);
  CHECK(r.status == code);
  const json s = r.json();
  CHECK(s["kind"] == "Status");
  CHECK(s["apiVersion"] == "v1");
  CHECK(s["status"] == "Failure");
  CHECK(s["code"] == code);
  CHECK(s["reason"] == reason);
  CHECK(s["message"] == message);
}

} // namespace

TEST_CASE("requests without valid credentials get a 401 Status") {
  HttpRequest req;
  req.path = "/apis/apps/v1/namespaces/auth/deployments";
  const HttpResponse none = server().send(req);
  CHECK(none.status == 401);
  CHECK(none.json() == json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                                         "message":"Unauthorized","reason":"Unauthorized","code":401})"));
  req.token = "not-a-token";
  CHECK(server().send(req).status == 401);
  req.token.reset();
  req.wrong_client_cert = true;
  CHECK(server().send(req).status == 401);
}

TEST_CASE("bearer tokens and client certificates authenticate, and the log names the user") {
  server().clear_requests();
  HttpRequest req;
  req.path = "/apis/apps/v1/namespaces/auth/deployments";
  req.token = server().token();
  const HttpResponse by_token = server().send(req);
  CHECK(by_token.status == 200);
  CHECK(by_token.json()["kind"] == "DeploymentList");
  req.token.reset();
  req.client_cert = true;
  CHECK(server().send(req).status == 200);
  const json log = server().requests();
  REQUIRE(log.size() == 2);
  CHECK(log[0]["user"] == "test-user");
  CHECK(log[1]["user"] == "cert-user");
}

TEST_CASE("errors are real Status bodies") {
  SUBCASE("404 NotFound names the resource") {
    const HttpResponse r = call("GET", hpas + "errs/horizontalpodautoscalers/x");
    check_status(r, 404, "NotFound", R"(horizontalpodautoscalers.autoscaling "x" not found)");
    CHECK(r.json()["details"] == json{{"name", "x"}, {"group", "autoscaling"}, {"kind", "horizontalpodautoscalers"}});
    check_status(call("GET", "/api/v1/namespaces/errs/services/x"), 404, "NotFound", R"(services "x" not found)");
  }
  SUBCASE("409 AlreadyExists") {
    CHECK(call("POST", hpas + "errs/horizontalpodautoscalers", hpa("dup", 1, 3).dump()).status == 201);
    check_status(call("POST", hpas + "errs/horizontalpodautoscalers", hpa("dup", 1, 3).dump()), 409, "AlreadyExists",
                 R"(horizontalpodautoscalers.autoscaling "dup" already exists)");
  }
  SUBCASE("422 Invalid lists every cause") {
    json bad = hpa("bad", 5, 2);
    bad["spec"]["scaleTargetRef"].erase("name");
    bad["spec"]["metrics"][0]["external"]["metric"].erase("name");
    const HttpResponse r = call("POST", hpas + "errs/horizontalpodautoscalers", bad.dump());
    check_status(r, 422, "Invalid",
                 "HorizontalPodAutoscaler.autoscaling \"bad\" is invalid: [spec.scaleTargetRef.name: Required "
                 "value, spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`, "
                 "spec.metrics[0].external.metric.name: Required value: must specify a metric name]");
    const json details = r.json()["details"];
    CHECK(details["kind"] == "HorizontalPodAutoscaler");
    CHECK(details["causes"][0] ==
          json{{"reason", "FieldValueRequired"}, {"message", "Required value"}, {"field", "spec.scaleTargetRef.name"}});
    CHECK(call("GET", hpas + "errs/horizontalpodautoscalers/bad").status == 404);
  }
  SUBCASE("Deployment selector must match the template, names must be DNS-1123") {
    json d = deployment("mismatch", 1);
    d["spec"]["selector"]["matchLabels"]["app"] = "other";
    const HttpResponse r = call("POST", deployments + "errs/deployments", d.dump());
    CHECK(r.status == 422);
    CHECK(r.json()["message"] == "Deployment.apps \"mismatch\" is invalid: spec.template.metadata.labels: Invalid "
                                 "value: map[string]string{\"app\":\"mismatch\"}: `selector` does not match "
                                 "template `labels`");
    const HttpResponse name = call("POST", deployments + "errs/deployments", deployment("Bad_Name", 1).dump());
    CHECK(name.status == 422);
    CHECK(name.json()["details"]["causes"][0]["field"] == "metadata.name");
  }
  SUBCASE("405 for a verb the resource does not have, 415 for an unknown patch type") {
    check_status(call("POST", "/api/v1/namespaces/errs/pods", "{}"), 405, "MethodNotAllowed",
                 "the server does not allow this method on the requested resource");
    CHECK(call("POST", hpas + "errs/horizontalpodautoscalers", hpa("p", 1, 3).dump()).status == 201);
    const HttpResponse r = call("PATCH", hpas + "errs/horizontalpodautoscalers/p", "{}", "text/plain");
    check_status(r, 415, "UnsupportedMediaType",
                 "the body of the request was in an unknown format - accepted media types include: "
                 "application/json-patch+json, application/merge-patch+json, "
                 "application/strategic-merge-patch+json, application/apply-patch+yaml");
  }
}

TEST_CASE("metadata bookkeeping, resourceVersion conflicts and patches") {
  const std::string path = deployments + "meta/deployments/d";
  const HttpResponse created = call("POST", deployments + "meta/deployments", deployment("d", 2).dump());
  REQUIRE(created.status == 201);
  const json obj = created.json();
  CHECK(obj["metadata"]["namespace"] == "meta");
  CHECK(obj["metadata"]["uid"].get<std::string>().size() == 36);
  CHECK(obj["metadata"]["generation"] == 1);
  CHECK(!obj["metadata"]["creationTimestamp"].get<std::string>().empty());
  CHECK(obj["status"]["observedGeneration"] == 1);

  json update = obj;
  update["spec"]["replicas"] = 4;
  const HttpResponse replaced = call("PUT", path, update.dump());
  REQUIRE(replaced.status == 200);
  CHECK(replaced.json()["metadata"]["generation"] == 2);
  CHECK(std::stoll(replaced.json()["metadata"]["resourceVersion"].get<std::string>()) >
        std::stoll(obj["metadata"]["resourceVersion"].get<std::string>()));

  check_status(call("PUT", path, update.dump()), 409, "Conflict",
               "Operation cannot be fulfilled on deployments.apps \"d\": the object has been modified; please apply "
               "your changes to the latest version and try again");

  const HttpResponse merged =
      call("PATCH", path, R"({"metadata":{"labels":{"tier":"w"}}})", "application/merge-patch+json");
  CHECK(merged.json()["metadata"]["labels"]["tier"] == "w");
  CHECK(merged.json()["metadata"]["generation"] == 2);
  const HttpResponse strategic =
      call("PATCH", path, R"({"spec":{"replicas":6}})", "application/strategic-merge-patch+json");
  CHECK(strategic.json()["spec"]["replicas"] == 6);
  const HttpResponse jsonpatch =
      call("PATCH", path, R"([{"op":"replace","path":"/spec/replicas","value":7}])", "application/json-patch+json");
  CHECK(jsonpatch.json()["spec"]["replicas"] == 7);
  CHECK(call("PATCH", path, R"([{"op":"test","path":"/spec/replicas","value":1}])", "application/json-patch+json")
            .status == 422);

  const HttpResponse list = call("GET", deployments + "meta/deployments?labelSelector=tier%3Dw");
  CHECK(list.json()["items"].size() == 1);
  CHECK(call("GET", deployments + "meta/deployments?labelSelector=tier%3Dx").json()["items"].empty());
}

TEST_CASE("DELETE honours preconditions") {
  const std::string path = hpas + "del/horizontalpodautoscalers/h";
  const json obj = call("POST", hpas + "del/horizontalpodautoscalers", hpa("h", 1, 3).dump()).json();
  const std::string uid = obj["metadata"]["uid"];
  const std::string rv = obj["metadata"]["resourceVersion"];

  const HttpResponse wrong_uid = call("DELETE", path, R"({"preconditions":{"uid":"other"}})");
  CHECK(wrong_uid.status == 409);
  CHECK(wrong_uid.json()["reason"] == "Conflict");
  CHECK(wrong_uid.json()["message"].get<std::string>().find("Precondition failed: UID in precondition: other, UID in "
                                                            "object meta: " +
                                                            uid) != std::string::npos);
  const HttpResponse wrong_rv = call("DELETE", path, R"({"preconditions":{"resourceVersion":"1"}})");
  CHECK(wrong_rv.status == 409);
  CHECK(wrong_rv.json()["message"].get<std::string>().find("Precondition failed: ResourceVersion in precondition: 1, "
                                                           "ResourceVersion in object meta: " +
                                                           rv) != std::string::npos);

  const json options = {{"kind", "DeleteOptions"},
                        {"apiVersion", "v1"},
                        {"propagationPolicy", "Background"},
                        {"preconditions", {{"uid", uid}, {"resourceVersion", rv}}}};
  const HttpResponse ok = call("DELETE", path, options.dump());
  CHECK(ok.status == 200);
  CHECK(ok.json()["status"] == "Success");
  CHECK(ok.json()["details"]["uid"] == uid);
  CHECK(call("GET", path).status == 404);
}

TEST_CASE("server-side apply") {
  const std::string path = deployments + "ssa/deployments/w";
  const std::string apply = "application/apply-patch+yaml";
  const std::string yaml = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: w
  annotations: {graflow.io/profile: prod}
spec:
  replicas: 2
  selector: {matchLabels: {app: w}}
  template:
    metadata: {labels: {app: w}}
    spec:
      containers: [{name: worker, image: "example.com/worker:1"}]
)";
  SUBCASE("fieldManager is required, content type must be known") {
    check_status(call("PATCH", path, yaml, apply), 422, "Invalid",
                 "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
    CHECK(call("PATCH", path + "?fieldManager=g", yaml, "application/x-yaml").status == 415);
  }
  SUBCASE("create, update, conflict, force, removal") {
    const HttpResponse created = call("PATCH", path + "?fieldManager=graflowctl", yaml, apply);
    REQUIRE(created.status == 201);
    const json mf = created.json()["metadata"]["managedFields"];
    REQUIRE(mf.size() == 1);
    CHECK(mf[0]["manager"] == "graflowctl");
    CHECK(mf[0]["operation"] == "Apply");
    CHECK(mf[0]["fieldsV1"]["f:spec"]["f:replicas"] == json::object());

    std::string again = yaml;
    again.replace(again.find("replicas: 2"), 11, "replicas: 3");
    CHECK(call("PATCH", path + "?fieldManager=graflowctl", again, apply).json()["spec"]["replicas"] == 3);

    // Another manager takes .spec.replicas through the scale subresource.
    CHECK(call("PATCH", path + "/scale?fieldManager=kube-controller-manager", R"({"spec":{"replicas":9}})",
               "application/merge-patch+json")
              .status == 200);
    const HttpResponse conflict = call("PATCH", path + "?fieldManager=graflowctl", again, apply);
    CHECK(conflict.status == 409);
    CHECK(conflict.json()["reason"] == "Conflict");
    const std::string message = conflict.json()["message"];
    CHECK(message.starts_with("Apply failed with 1 conflict: conflict with \"kube-controller-manager\" with "
                              "subresource \"scale\" using apps/v1 at "));
    CHECK(message.ends_with(": .spec.replicas"));
    CHECK(conflict.json()["details"]["causes"][0]["field"] == ".spec.replicas");

    const HttpResponse forced = call("PATCH", path + "?fieldManager=graflowctl&force=true", again, apply);
    REQUIRE(forced.status == 200);
    CHECK(forced.json()["spec"]["replicas"] == 3);
    CHECK(forced.json()["metadata"]["managedFields"].size() == 1);

    std::string without = again;
    without.erase(without.find("  annotations"), std::string("  annotations: {graflow.io/profile: prod}\n").size());
    const json removed = call("PATCH", path + "?fieldManager=graflowctl", without, apply).json();
    CHECK(!removed["metadata"].contains("annotations"));
  }
  SUBCASE("equal values are shared without conflict") {
    call("DELETE", path);
    CHECK(call("PATCH", path + "?fieldManager=a", yaml, apply).status == 201);
    const HttpResponse shared = call("PATCH", path + "?fieldManager=b", yaml, apply);
    CHECK(shared.status == 200);
    CHECK(shared.json()["metadata"]["managedFields"].size() == 2);
    CHECK(call("DELETE", path).status == 200);
  }
}

TEST_CASE("imported managedFields make controller-owned fields conflict") {
  json d = deployment("ctl", 4);
  d["metadata"]["namespace"] = "ssa2";
  d["metadata"]["managedFields"] = json::array({{{"manager", "kube-controller-manager"},
                                                 {"operation", "Update"},
                                                 {"apiVersion", "autoscaling/v1"},
                                                 {"time", "2024-05-01T10:00:00Z"},
                                                 {"fieldsType", "FieldsV1"},
                                                 {"fieldsV1", {{"f:spec", {{"f:replicas", json::object()}}}}}}});
  server().put_object(d);
  json applied = deployment("ctl", 2);
  const HttpResponse r = call("PATCH", deployments + "ssa2/deployments/ctl?fieldManager=graflowctl", applied.dump(),
                              "application/apply-patch+yaml");
  check_status(r, 409, "Conflict",
               "Apply failed with 1 conflict: conflict with \"kube-controller-manager\" using autoscaling/v1 at "
               "2024-05-01T10:00:00Z: .spec.replicas");
}

TEST_CASE("scale subresource") {
  const std::string path = deployments + "scale/deployments/s";
  REQUIRE(call("POST", deployments + "scale/deployments", deployment("s", 2).dump()).status == 201);
  const json scale = call("GET", path + "/scale").json();
  CHECK(scale["kind"] == "Scale");
  CHECK(scale["apiVersion"] == "autoscaling/v1");
  CHECK(scale["spec"]["replicas"] == 2);
  CHECK(scale["status"]["selector"] == "app=s");

  json stale = scale;
  stale["spec"]["replicas"] = 5;
  stale["metadata"]["resourceVersion"] = "1";
  CHECK(call("PUT", path + "/scale", stale.dump()).status == 409);
  json fresh = scale;
  fresh["spec"]["replicas"] = 5;
  const HttpResponse put = call("PUT", path + "/scale?fieldManager=graflowctl", fresh.dump());
  REQUIRE(put.status == 200);
  CHECK(put.json()["spec"]["replicas"] == 5);
  const json d = call("GET", path).json();
  CHECK(d["spec"]["replicas"] == 5);
  CHECK(d["metadata"]["generation"] == 2);
  CHECK(d["metadata"]["managedFields"].back()["subresource"] == "scale");
  CHECK(d["metadata"]["managedFields"].back()["manager"] == "graflowctl");

  json negative = scale;
  negative["spec"]["replicas"] = -1;
  negative["metadata"].erase("resourceVersion");
  check_status(
      call("PUT", path + "/scale", negative.dump()), 422, "Invalid",
      "Scale.autoscaling \"s\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");
}

TEST_CASE("dryRun=All validates but persists nothing") {
  const std::string base = hpas + "dry/horizontalpodautoscalers";
  const HttpResponse created = call("POST", base + "?dryRun=All", hpa("h", 1, 3).dump());
  CHECK(created.status == 201);
  CHECK(created.json()["spec"]["maxReplicas"] == 3);
  CHECK(call("GET", base + "/h").status == 404);
  CHECK(call("POST", base + "?dryRun=All", hpa("h", 0, 3).dump()).status == 422);

  REQUIRE(call("POST", base, hpa("h", 1, 3).dump()).status == 201);
  const HttpResponse patched =
      call("PATCH", base + "/h?dryRun=All", R"({"spec":{"maxReplicas":9}})", "application/merge-patch+json");
  CHECK(patched.json()["spec"]["maxReplicas"] == 9);
  CHECK(call("GET", base + "/h").json()["spec"]["maxReplicas"] == 3);
  CHECK(call("DELETE", base + "/h?dryRun=All").status == 200);
  CHECK(call("GET", base + "/h").status == 200);
  CHECK(call("DELETE", base + "/h?dryRun=Some").status == 422);
}

TEST_CASE("faults: status, hang and drop") {
  const std::string path = "/api/v1/namespaces/faults/configmaps";
  server().add_fault({{"method", "GET"}, {"path", "/namespaces/faults/"}, {"action", "status"}, {"status", 503}});
  const HttpResponse failed = call("GET", path);
  CHECK(failed.status == 503);
  CHECK(failed.json()["reason"] == "ServiceUnavailable");
  CHECK(call("GET", path).status == 200);

  server().add_fault({{"path", "/namespaces/faults/"}, {"action", "hang"}, {"seconds", 0.2}});
  const auto start = std::chrono::steady_clock::now();
  CHECK(call("GET", path).status == 200);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));

  server().add_fault({{"path", "/namespaces/faults/"}, {"action", "hang"}, {"seconds", 30}});
  HttpRequest slow;
  slow.path = path;
  slow.token = server().token();
  slow.timeout = std::chrono::milliseconds(300);
  const HttpResponse timed_out = server().send(slow);
  CHECK(timed_out.status == 0);
  CHECK(!timed_out.error.empty());

  server().add_fault({{"path", "/namespaces/faults/"}, {"action", "drop"}, {"count", 2}});
  CHECK(call("GET", path).status == 0);
  CHECK(call("GET", path).status == 0);
  CHECK(call("GET", path).status == 200);

  server().add_fault({{"path", "/namespaces/faults/"}, {"action", "status"}, {"status", 500}, {"count", 0}});
  CHECK(call("GET", path).status == 500);
  CHECK(call("GET", path).status == 500);
  server().clear_faults();
  CHECK(call("GET", path).status == 200);
}

TEST_CASE("the request log records API requests only") {
  server().clear_requests();
  call("PATCH", hpas + "log/horizontalpodautoscalers/x?fieldManager=graflowctl", hpa("x", 1, 2).dump(),
       "application/apply-patch+yaml");
  server().get_object(hpas + "log/horizontalpodautoscalers/x");
  const json log = server().requests();
  REQUIRE(log.size() == 1);
  CHECK(log[0]["method"] == "PATCH");
  CHECK(log[0]["path"] == hpas + "log/horizontalpodautoscalers/x");
  CHECK(log[0]["query"] == "fieldManager=graflowctl");
  CHECK(log[0]["contentType"] == "application/apply-patch+yaml");
  CHECK(log[0]["status"] == 201);
  CHECK(log[0]["user"] == "test-user");
}

TEST_CASE("service proxy forwards GETs to the annotated target") {
  httplib::Server target;
  target.Get("/metrics", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("graflow_queue_depth{key_prefix=\"graflow\"} 7\n# " + req.get_param_value("q"),
                    "text/plain; version=0.0.4");
  });
  const int port = target.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { target.listen_after_bind(); });
  json svc = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", "exporter"},
                {"namespace", "proxy"},
                {"annotations", {{"fake.graflow.io/proxy-to", "http://127.0.0.1:" + std::to_string(port)}}}}},
              {"spec", {{"ports", {{{"port", 8000}}}}}}};
  server().put_object(svc);
  for (const std::string ref : {"exporter", "exporter:8000", "http:exporter:8000"}) {
    const HttpResponse r = call("GET", "/api/v1/namespaces/proxy/services/" + ref + "/proxy/metrics?q=1");
    CHECK(r.status == 200);
    CHECK(r.body == "graflow_queue_depth{key_prefix=\"graflow\"} 7\n# 1");
    CHECK(r.content_type == "text/plain; version=0.0.4");
  }
  CHECK(call("GET", "/api/v1/namespaces/proxy/services/exporter/proxy/nothing").status == 404);
  target.stop();
  serving.join();
  const HttpResponse down = call("GET", "/api/v1/namespaces/proxy/services/exporter:8000/proxy/metrics");
  CHECK(down.status == 503);
  CHECK(down.json()["message"].get<std::string>().find("connection refused") != std::string::npos);

  svc["metadata"]["name"] = "plain";
  svc["metadata"].erase("annotations");
  server().put_object(svc);
  check_status(call("GET", "/api/v1/namespaces/proxy/services/plain/proxy/metrics"), 503, "ServiceUnavailable",
               "no endpoints available for service \"plain\"");
}

TEST_CASE("external metrics API") {
  const std::string path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/em/graflow_queue_depth";
  CHECK(call("GET", path).status == 404);
  server().put_object({{"apiVersion", "apiregistration.k8s.io/v1"},
                       {"kind", "APIService"},
                       {"metadata", {{"name", "v1beta1.external.metrics.k8s.io"}}},
                       {"spec", {{"group", "external.metrics.k8s.io"}, {"version", "v1beta1"}}}});
  CHECK(call("GET", path).status == 404);
  server().set_external_metric("em", "graflow_queue_depth", {{"key_prefix", "graflow"}}, "42");
  server().set_external_metric("em", "graflow_queue_depth", {{"key_prefix", "other"}}, "5");
  const json list = call("GET", path + "?labelSelector=key_prefix%3Dgraflow").json();
  CHECK(list["kind"] == "ExternalMetricValueList");
  REQUIRE(list["items"].size() == 1);
  CHECK(list["items"][0]["value"] == "42");
  CHECK(list["items"][0]["metricLabels"] == json{{"key_prefix", "graflow"}});
  CHECK(call("GET", path).json()["items"].size() == 2);
  CHECK(call("GET", path + "?labelSelector=key_prefix%3Dnone").json()["items"].empty());
  const json groups = call("GET", "/apis").json();
  CHECK(groups.dump().find("external.metrics.k8s.io") != std::string::npos);
}

TEST_CASE("discovery and tables") {
  const json apps = call("GET", "/apis/apps/v1").json();
  bool has_scale = false;
  for (const auto& r : apps["resources"]) {
    if (r["name"] == "deployments/scale") {
      has_scale = r["kind"] == "Scale" && r["group"] == "autoscaling" && r["version"] == "v1";
    }
  }
  CHECK(has_scale);
  REQUIRE(call("POST", deployments + "tbl/deployments", deployment("t", 1).dump()).status == 201);
  HttpRequest req;
  req.path = deployments + "tbl/deployments";
  req.token = server().token();
  req.headers = {"Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json"};
  const json table = server().send(req).json();
  CHECK(table["kind"] == "Table");
  CHECK(table["rows"][0]["cells"][0] == "t");
  CHECK(table["rows"][0]["cells"][1] == "1/1");
}

TEST_CASE("Deployments become ready after --ready-delay") {
  FakeApiServerOptions options;
  options.ready_delay = std::chrono::milliseconds(300);
  FakeApiServer slow(options);
  HttpRequest req;
  req.method = "POST";
  req.path = deployments + "ready/deployments";
  req.body = deployment("r", 3).dump();
  req.content_type = "application/json";
  req.token = slow.token();
  const json created = slow.send(req).json();
  CHECK(!created["status"].contains("readyReplicas"));
  CHECK(created["status"]["conditions"][0]["status"] == "False");
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  const json later = *slow.get_object(deployments + "ready/deployments/r");
  CHECK(later["status"]["readyReplicas"] == 3);
  CHECK(later["status"]["availableReplicas"] == 3);
  CHECK(later["status"]["conditions"][0]["status"] == "True");
}
