#!/usr/bin/env bash
# Compares graflowctl with kubectl against one fake API server (tests/fakes/apiserver), in one
# run: the HTTP requests each tool sends and its wall time (median of REPS repetitions).
#   1. emergency scale round trip: `graflowctl scale --emergency 10` + `scale --reattach`
#      vs the seed's manual steps (kubectl delete hpa; kubectl scale --replicas=10;
#      kubectl apply -f hpa.yaml), every repetition starting from an attached HPA;
#   2. deploy: `graflowctl deploy -p prod` vs `kubectl apply --server-side -f DIR` of the same
#      rendered manifests, both creating (objects deleted before each repetition) and both
#      re-applying unchanged objects they applied themselves.
# kubectl's discovery cache (KUBECACHEDIR) is a fresh dir per run; the timed kubectl runs use
# it warm after one warm-up (kubectl's best case); "cold" is one run with an empty cache.
# Usage: bench/kube/run.sh     env: REPS (default 15), GRAFLOWCTL, FAKE_APISERVER (binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh --bench

gctl=${GRAFLOWCTL:-build/dev/cli/graflowctl}
fake=${FAKE_APISERVER:-build/dev/tests/fakes/apiserver/fake-apiserver}
reps=${REPS:-15}
if [ ! -x "$gctl" ] || [ ! -f "$(dirname "$gctl")/graflowctl-net.so" ] || [ ! -x "$fake" ]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev -j"$(nproc)"
fi
command -v kubectl >/dev/null || { echo "bench/kube: kubectl is not on PATH" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/graflow-bench-kube.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash tests/fakes/apiserver/gen-certs.sh "$dir/certs" >/dev/null
token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
extra=()  # newer fakes also exit when this script dies without running its trap
case $("$fake" --help 2>/dev/null || true) in *--die-with-parent*) extra+=(--die-with-parent) ;; esac
"$fake" --cert "$dir/certs/server.crt" --key "$dir/certs/server.key" --client-ca "$dir/certs/ca.crt" \
  --listen 127.0.0.1 --port 0 --port-file "$dir/port" --token "$token=bench-user" "${extra[@]}" \
  >"$dir/fake-apiserver.log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  [ -s "$dir/port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/fake-apiserver.log" >&2; exit 1; }
  sleep 0.05
done
[ -s "$dir/port" ] || { echo "bench/kube: fake-apiserver did not start" >&2; exit 1; }
port=$(cat "$dir/port")

cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $dir/certs/ca.crt
users:
- name: token-user
  user:
    token: $token
contexts:
- name: fake
  context:
    cluster: fake
    user: token-user
current-context: fake
EOF

"$gctl" render -p prod --out-dir "$dir/manifests" >/dev/null
cp "$dir/manifests/horizontalpodautoscaler-graflow-worker-hpa.yaml" "$dir/hpa.yaml"

GCTL=$gctl DIR=$dir PORT=$port REPS=$reps python3 - <<'PY'
import json, os, shutil, ssl, statistics, subprocess, time, urllib.error, urllib.request

gctl, d, port, reps = os.path.abspath(os.environ["GCTL"]), os.environ["DIR"], os.environ["PORT"], int(os.environ["REPS"])
kc, ns, manifests, hpa_yaml = f"{d}/kubeconfig", "bench", f"{d}/manifests", f"{d}/hpa.yaml"
state, warm_cache = f"{d}/state", f"{d}/kube-cache"
ctx = ssl.create_default_context(cafile=f"{d}/certs/ca.crt")
base = f"https://127.0.0.1:{port}"

env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBECACHEDIR", "XDG_STATE_HOME")}
g_env = dict(env, XDG_STATE_HOME=state)

def control(method, path):
    req = urllib.request.Request(base + path, method=method)
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        body = r.read()
    return json.loads(body) if body else None

def get_object(api_path):
    try:
        return control("GET", "/_fake/objects" + api_path)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise

def requests_sent():
    return sum(1 for r in control("GET", "/_fake/requests") if not r["path"].startswith("/_fake"))

def run(argv, e):
    r = subprocess.run(argv, env=e, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit(f"bench/kube: {' '.join(argv)} failed ({r.returncode}): {r.stderr.decode().strip()}")

def G(*args):
    return [gctl, "--kubeconfig", kc, "-n", ns, *args]

def K(*args):
    return ["kubectl", "--kubeconfig", kc, "-n", ns, *args]

def k_env(cache):
    return dict(env, KUBECACHEDIR=cache)

def reset_empty():
    control("DELETE", "/_fake/objects")
    shutil.rmtree(state, ignore_errors=True)

def reset_attached():  # the prod objects, HPA attached, created by graflowctl deploy
    reset_empty()
    run(G("deploy", "-p", "prod"), g_env)

DEP = f"/apis/apps/v1/namespaces/{ns}/deployments/graflow-worker"
HPA = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/graflow-worker-hpa"
ALL = [DEP, HPA, f"/apis/apps/v1/namespaces/{ns}/deployments/graflow-exporter", f"/api/v1/namespaces/{ns}/services/graflow-exporter"]

def check_scaled(tool):
    dep, hpa = get_object(DEP), get_object(HPA)
    ok = (dep is not None and dep["spec"].get("replicas") == 10 and hpa is not None
          and hpa["spec"].get("minReplicas") == 2 and hpa["spec"].get("maxReplicas") == 20
          and "graflow.io/detached-hpa" not in (dep["metadata"].get("annotations") or {}))
    if not ok:
        raise SystemExit(f"bench/kube: after {tool}'s round trip the workers are not at 10 replicas with the HPA attached")

def check_deployed(tool):
    missing = [p for p in ALL if get_object(p) is None]
    if missing:
        raise SystemExit(f"bench/kube: after {tool} these objects are missing: {missing}")

# scenario: (name, graflowctl setup, graflowctl steps, kubectl setup(cache), kubectl steps, check)
scenarios = [
    ("emergency scale round trip", reset_attached,
     [G("scale", "--emergency", "10", "-p", "prod"), G("scale", "--reattach", "-p", "prod")],
     lambda cache: reset_attached(),
     [K("delete", "hpa", "graflow-worker-hpa"), K("scale", "deployment", "graflow-worker", "--replicas=10"),
      K("apply", "-f", hpa_yaml)],
     check_scaled),
    ("deploy, create", reset_empty, [G("deploy", "-p", "prod")],
     lambda cache: reset_empty(), [K("apply", "--server-side", "-f", manifests)], check_deployed),
    ("deploy, re-apply unchanged",
     lambda: (reset_empty(), run(G("deploy", "-p", "prod"), g_env)), [G("deploy", "-p", "prod")],
     lambda cache: (reset_empty(), run(K("apply", "--server-side", "-f", manifests), k_env(cache))),
     [K("apply", "--server-side", "-f", manifests)], check_deployed),
]

def once(setup, steps, e, check, tool):
    setup()
    control("DELETE", "/_fake/requests")
    t0 = time.perf_counter()
    for argv in steps:
        run(argv, e)
    ms = (time.perf_counter() - t0) * 1000
    n = requests_sent()
    check(tool)
    return n, ms

def series(setup, steps, e, check, tool):
    once(setup, steps, e, check, tool)  # warm-up (page cache; kubectl: discovery cache)
    runs = [once(setup, steps, e, check, tool) for _ in range(reps)]
    return [n for n, _ in runs], statistics.median(ms for _, ms in runs)

def warm(cache):
    return os.path.isdir(f"{cache}/discovery") and any(
        f == "servergroups.json" for _, _, files in os.walk(f"{cache}/discovery") for f in files)

results = []
cold_was_cold, warm_was_warm = True, True
for i, (name, g_setup, g_steps, k_setup, k_steps, check) in enumerate(scenarios):
    cold = f"{d}/kube-cache-cold-{i}"
    cold_was_cold &= not warm(cold)
    k_cold = once(lambda: k_setup(warm_cache), k_steps, k_env(cold), check, "kubectl")
    k_warm = series(lambda: k_setup(warm_cache), k_steps, k_env(warm_cache), check, "kubectl")
    warm_was_warm &= warm(warm_cache)
    g = series(g_setup, g_steps, g_env, check, "graflowctl")
    results.append((name, g, k_warm, k_cold))

kv = subprocess.run(["kubectl", "version", "--client", "-o", "json"], capture_output=True, text=True)
kver = json.loads(kv.stdout)["clientVersion"]["gitVersion"] if kv.returncode == 0 else "?"
gv = subprocess.run([gctl, "--version"], capture_output=True, text=True).stdout.strip()

def span(ns_):
    return str(ns_[0]) if min(ns_) == max(ns_) else f"{min(ns_)}-{max(ns_)}"

print(f"\ngraflowctl ({gv}) vs kubectl {kver}, one fake API server on 127.0.0.1:{port} (HTTPS, token auth)")
print(f"median of {reps} repetitions after 1 warm-up; requests = API requests per repetition (control API excluded)")
print(f"kubectl discovery cache (KUBECACHEDIR, fresh dir this run): "
      f"{'warm' if warm_was_warm else 'NOT warm'} for the timed runs; "
      f"'cold' = one run with an {'empty' if cold_was_cold else 'UNEXPECTEDLY NON-EMPTY'} cache\n")
hdr = ("scenario", "req gctl", "req kubectl", "req kubectl cold", "ms gctl", "ms kubectl", "ms kubectl cold",
       "req gctl/kubectl", "speedup", "speedup cold")
rows = []
for name, (gn, gms), (kn, kms), (cn, cms) in results:
    rows.append((name, span(gn), span(kn), str(cn), f"{gms:.1f}", f"{kms:.1f}", f"{cms:.1f}",
                 f"{max(gn) / min(kn):.2f}", f"{kms / gms:.1f}x", f"{cms / gms:.1f}x"))
w = [max(len(r[i]) for r in rows + [hdr]) for i in range(len(hdr))]
for r in [hdr] + rows:
    print("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r)))
print("\nspeedup = kubectl ms / graflowctl ms (kubectl warm unless 'cold'). Targets: fewer requests than kubectl, >= 5x faster.")
for name, (gn, gms), (kn, kms), _ in results:
    print(f"  {name}: fewer requests: {'yes' if max(gn) < min(kn) else 'NO'} ({max(gn)} vs {min(kn)}); "
          f">= 5x faster: {'yes' if kms / gms >= 5 else 'NO'} ({kms / gms:.1f}x)")
PY
