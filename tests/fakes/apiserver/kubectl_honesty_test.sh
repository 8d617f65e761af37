#!/usr/bin/env bash
# Keeps fake-apiserver honest: drives the real kubectl against it through the flows graflowctl
# depends on (server-side apply, get, table output, scale subresource, delete, NotFound).
# usage: kubectl_honesty_test.sh FAKE_APISERVER_BIN GEN_CERTS_SH   (kubectl from $KUBECTL or PATH)
set -euo pipefail

server_bin=${1:?usage: $0 FAKE_APISERVER_BIN GEN_CERTS_SH}
gen_certs=${2:?usage: $0 FAKE_APISERVER_BIN GEN_CERTS_SH}
kubectl_bin=${KUBECTL:-$(command -v kubectl || true)}
if [[ -z $kubectl_bin || ! -x $kubectl_bin ]]; then
    echo "FAIL: kubectl not found (set KUBECTL or install the kubernetes-client package); this test never skips" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-honesty-XXXXXX")
pid=
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "--- fake-apiserver log (tail)" >&2
    tail -n 40 "$work/server.log" >&2 || true
    exit 1
}

# expect_contains LABEL OUTPUT NEEDLE
expect_contains() {
    [[ $2 == *"$3"* ]] || fail "$1: expected to find [$3] in:
$2"
}

k() { "$kubectl_bin" --kubeconfig "$work/kubeconfig" --cache-dir "$work/cache" --request-timeout=20s "$@"; }

# fake-apiserver serves no OpenAPI document (/openapi/v2 is 404). kubectl 1.25 and later
# validate on the server (fieldValidation=Strict, which the fake honours); older kubectl
# (Debian 12's kubernetes-client is 1.20) validates on the client from /openapi/v2, so for
# it apply runs with --validate=false.
minor=$("$kubectl_bin" version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1)
apply_flags=()
if [[ -n $minor && $minor -lt 25 ]]; then
    apply_flags=(--validate=false)
fi
apply() { k apply "${apply_flags[@]}" "$@"; }

bash "$gen_certs" "$work" || fail "gen-certs.sh failed"
"$server_bin" --cert "$work/server.crt" --key "$work/server.key" --client-ca "$work/ca.crt" \
    --listen 127.0.0.1 --port 0 --port-file "$work/port" --token honest-token=honest-user \
    --ready-delay 1s 2>"$work/server.log" &
pid=$!
for _ in $(seq 100); do
    [[ -s $work/port ]] && break
    kill -0 "$pid" 2>/dev/null || fail "fake-apiserver exited at startup"
    sleep 0.05
done
[[ -s $work/port ]] || fail "fake-apiserver did not write its port file"
port=$(cat "$work/port")

cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $work/ca.crt
users:
- name: token-user
  user:
    token: honest-token
- name: cert-user
  user:
    client-certificate: $work/client.crt
    client-key: $work/client.key
- name: bad-user
  user:
    token: wrong-token
contexts:
- name: fake
  context: {cluster: fake, user: token-user, namespace: w}
- name: fake-cert
  context: {cluster: fake, user: cert-user, namespace: w}
- name: fake-bad
  context: {cluster: fake, user: bad-user, namespace: w}
current-context: fake
EOF

manifest() { # REPLICAS
    cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: graflow-worker
  namespace: w
  labels: {app: graflow-worker}
spec:
  replicas: $1
  selector:
    matchLabels: {app: graflow-worker}
  template:
    metadata:
      labels: {app: graflow-worker}
    spec:
      containers:
      - name: worker
        image: example.com/graflow/worker:1.0
        env:
        - {name: REDIS_HOST, value: redis}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: graflow-worker-hpa
  namespace: w
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: graflow-worker
  minReplicas: 2
  maxReplicas: 20
  metrics:
  - type: External
    external:
      metric:
        name: graflow_queue_depth
        selector:
          matchLabels: {key_prefix: graflow}
      target:
        type: AverageValue
        averageValue: "10"
EOF
}
manifest 2 >"$work/app.yaml"
manifest 3 >"$work/app-3.yaml"

echo "--- kubectl apply --server-side"
out=$(apply --server-side -f "$work/app.yaml" 2>&1) || fail "apply --server-side: $out"
expect_contains apply "$out" "deployment.apps/graflow-worker serverside-applied"
expect_contains apply "$out" "horizontalpodautoscaler.autoscaling/graflow-worker-hpa serverside-applied"
log=$(k get --raw /_fake/requests)
expect_contains "apply content type" "$log" '"contentType":"application/apply-patch+yaml"'
expect_contains "apply field manager" "$log" 'fieldManager=kubectl'

echo "--- kubectl rollout status (watch, simulated controller)"
out=$(k rollout status deployment/graflow-worker --timeout=20s 2>&1) || fail "rollout status: $out"
expect_contains "rollout status" "$out" 'deployment "graflow-worker" successfully rolled out'

echo "--- kubectl get deploy,hpa (server-side Table)"
out=$(k get deploy,hpa 2>&1) || fail "get deploy,hpa: $out"
expect_contains "get table" "$out" "deployment.apps/graflow-worker"
expect_contains "get table" "$out" "UP-TO-DATE"
expect_contains "get table" "$out" "Deployment/graflow-worker"
expect_contains "get table" "$out" "<unknown>/10 (avg)"

echo "--- kubectl get hpa -o json"
out=$(k get hpa graflow-worker-hpa -o json 2>&1) || fail "get hpa -o json: $out"
expect_contains "hpa json" "$out" '"kind": "HorizontalPodAutoscaler"'
expect_contains "hpa json" "$out" '"apiVersion": "apps/v1"'
expect_contains "hpa json" "$out" '"key_prefix": "graflow"'
expect_contains "hpa json" "$out" '"averageValue": "10"'
expect_contains "hpa json" "$out" '"uid": "'
expect_contains "hpa json" "$out" '"resourceVersion": "'

echo "--- client certificate user, wrong token"
out=$(k --context fake-cert get deploy graflow-worker -o name 2>&1) || fail "cert user: $out"
expect_contains "cert user" "$out" "deployment.apps/graflow-worker"
if out=$(k --context fake-bad get deploy 2>&1); then
    fail "a wrong token was accepted: $out"
fi
expect_contains "bad token" "$out" "Unauthorized"

echo "--- kubectl scale"
out=$(k scale deployment graflow-worker --replicas=5 2>&1) || fail "scale: $out"
expect_contains scale "$out" "deployment.apps/graflow-worker scaled"
replicas=$(k get deployment graflow-worker -o 'jsonpath={.spec.replicas}')
[[ $replicas == 5 ]] || fail "stored spec.replicas is $replicas after kubectl scale, want 5"
scale=$(k get --raw /apis/apps/v1/namespaces/w/deployments/graflow-worker/scale)
expect_contains "scale subresource" "$scale" '"kind":"Scale"'
expect_contains "scale subresource" "$scale" '"spec":{"replicas":5}'

echo "--- server-side apply conflicts with the scale update"
if out=$(apply --server-side -f "$work/app-3.yaml" 2>&1); then
    fail "apply over a field owned by another manager succeeded: $out"
fi
expect_contains conflict "$out" 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale"'
expect_contains conflict "$out" ': .spec.replicas'
out=$(apply --server-side --force-conflicts -f "$work/app-3.yaml" 2>&1) || fail "apply --force-conflicts: $out"
replicas=$(k get deployment graflow-worker -o 'jsonpath={.spec.replicas}')
[[ $replicas == 3 ]] || fail "spec.replicas is $replicas after a forced apply, want 3"

if [[ ${#apply_flags[@]} -eq 0 ]]; then
    echo "--- server dry-run persists nothing"
    out=$(apply --server-side --dry-run=server -f "$work/app.yaml" 2>&1) || fail "dry-run apply: $out"
    replicas=$(k get deployment graflow-worker -o 'jsonpath={.spec.replicas}')
    [[ $replicas == 3 ]] || fail "a dry-run apply changed spec.replicas to $replicas"
else
    # kubectl < 1.25 first looks for dry-run support in /openapi/v2; fake_apiserver_test
    # and graflowctl's own deploy --dry-run tests cover dryRun=All against the fake.
    echo "--- server dry-run: not run with kubectl 1.$minor (needs /openapi/v2)"
fi

echo "--- kubectl delete"
out=$(k delete hpa graflow-worker-hpa 2>&1) || fail "delete: $out"
expect_contains delete "$out" 'horizontalpodautoscaler.autoscaling "graflow-worker-hpa" deleted'
if out=$(k get hpa graflow-worker-hpa 2>&1); then
    fail "the deleted HPA is still there: $out"
fi
[[ $out == 'Error from server (NotFound): horizontalpodautoscalers.autoscaling "graflow-worker-hpa" not found' ]] ||
    fail "unexpected NotFound output: $out"

echo "--- SIGTERM stops the server with exit code 0"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[[ $rc == 0 ]] || fail "fake-apiserver exited with $rc on SIGTERM"
echo "PASS: $("$kubectl_bin" version --client 2>/dev/null | head -n1) agrees with fake-apiserver"
