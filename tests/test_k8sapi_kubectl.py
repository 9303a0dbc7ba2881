"""Real kubectl (the binary on this machine) against a lab, compared with the built-in kubectl.

Two command-line labs start from the same profile and seed. The real
kubectl drives one through the lab's API; the built-in kubectl (`manage.py
labsh`) drives the other with the same command lines; lines that are not
kubectl (`sleep`) run in both labs' shells. The engine is deterministic, so
both labs stay identical and every command must print the same text,
line by line. The API's clock stands still (rate 0): only `sleep` moves
either lab's clock (so the sequence has no command that waits, which the
built-in kubectl does by moving its lab's clock, and no `rollout restart`,
whose restartedAt annotation real kubectl takes from the wall clock). The
one column set aside
is the Age of describe's Events, which real kubectl computes from the wall
clock.
"""
from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from tests.k8sapi_server import KUBECTL, lab_api  # noqa: F401  (the server fixture)

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH (real-client comparison skipped)")


def _kubectl_version() -> str:
    if KUBECTL is None:
        return ""
    done = subprocess.run([KUBECTL, "version", "--client"], capture_output=True, text=True)
    return done.stdout


SERVICE_NGINX = """\
apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: nginx
    ports:
    - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  type: NodePort
  selector:
    app: nginx
  ports:
  - port: 80
    targetPort: 80
    nodePort: 30080
"""

WEB_SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: web-svc
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 80
"""

WEB_SVC_CHANGED = """\
apiVersion: v1
kind: Service
metadata:
  name: web-svc
  labels:
    app: web
    tier: front
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""

TYPO_SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: typo
spec:
  selectr:
    app: web
  ports:
  - port: 80
"""

BAD_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: bad
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 8999
"""

# (where, command line, stdin): "both" runs `kubectl ...` with each kubectl;
# "sh" runs the line in both labs' shells.
TUTORIAL = [
    ("both", "get nodes", ""),
    ("both", "get nodes -o wide", ""),
    ("both", "get pods -A -o wide", ""),
    ("both", "get svc -A", ""),
    ("both", "create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1", ""),
    ("sh", "sleep 30", ""),
    ("both", "get deployments", ""),
    ("both", "get pods -o wide", ""),
    ("both", "expose deployment/kubernetes-bootcamp --type=NodePort --port 8080", ""),
    ("both", "get services", ""),
    ("both", "describe services/kubernetes-bootcamp", ""),
    ("both", "get endpoints", ""),
    ("both", "label pods -l app=kubernetes-bootcamp version=v1", ""),
    ("both", "get pods -l version=v1", ""),
    ("both", "apply -f -", SERVICE_NGINX),
    ("sh", "sleep 20", ""),
    ("both", "get pods,svc -o wide", ""),
    ("both", "describe pod nginx-pod", ""),
    ("both", "describe deployment kubernetes-bootcamp", ""),
    ("both", "scale deployment kubernetes-bootcamp --replicas=3", ""),
    ("sh", "sleep 30", ""),
    ("both", "get rs", ""),
    ("both", "get deploy -o wide", ""),
    ("both", "get endpoints kubernetes-bootcamp", ""),
    ("both", "get svc nope", ""),
    ("both", "create -f -", BAD_SERVICE),
    ("both", "delete deployment nope", ""),
    ("both", "delete service -l app=kubernetes-bootcamp", ""),
    ("both", "delete deployment kubernetes-bootcamp", ""),
    ("both", "get all", ""),
    ("both", "run web --image=nginx --labels=app=web", ""),
    ("both", "create deployment d1 --image=nginx:1.26 --replicas=2", ""),
    ("sh", "sleep 30", ""),
    ("both", "get events", ""),
    ("both", "get endpointslices", ""),
    ("both", "logs web --tail=3", ""),
    ("both", "set image deployment/d1 nginx=nginx:1.27", ""),
    ("both", "rollout history deployment/d1", ""),
    ("both", "annotate pod web note=hi", ""),
    ("both", "label pod web app=other", ""),
    ("both", "cordon k8s-node2", ""),
    ("both", "get nodes", ""),
    ("both", "uncordon k8s-node2", ""),
    ("both", "api-resources", ""),
    ("both", "api-versions", ""),
    ("both", "get cm -A", ""),
    ("both", "get ns", ""),
    ("both", "apply -f -", WEB_SVC),
    ("both", "apply -f -", WEB_SVC),
    ("both", "apply -f -", WEB_SVC_CHANGED),
    ("both", "get svc web-svc -o yaml", ""),
    ("both", "apply -f -", TYPO_SVC),
    ("both", "create -f - --validate=false", TYPO_SVC),
    ("both", "delete svc typo", ""),
    ("both", "create -f - --validate=warn", TYPO_SVC),
    ("both", """patch svc web-svc -p '{"spec":{"sessionAffinity":"ClientIP"}}'""", ""),
    ("both", """patch svc web-svc --type=json -p '[{"op":"remove","path":"/metadata/labels/tier"}]'""", ""),
    ("both", """patch svc web-svc --type=merge -p '{"spec":{"ports":[{"port":70000}]}}'""", ""),
    ("both", "describe svc web-svc", ""),
    ("both", "expose pod web --port=80 --name=web-pod-svc", ""),
    ("both", "create service clusterip c1 --tcp=5678:8080", ""),
    ("both", "create service nodeport n1 --tcp=80:80 --node-port=30999", ""),
    ("both", "create service nodeport n2 --tcp=80:80 --node-port=30999", ""),
    ("both", "create service externalname e1 --external-name=example.com", ""),
    ("both", "create namespace team-a", ""),
    ("both", "create configmap settings --from-literal=mode=fast -n team-a", ""),
    ("both", "get svc -o wide", ""),
    ("both", "rollout undo deployment/d1", ""),
    ("both", "get rs -o wide", ""),
    ("both", "delete svc c1 n1 e1", ""),
    ("both", "delete pod web --wait=false", ""),
    ("both", "get pods", ""),
    ("both", "get svc,ep -n kube-system -o wide", ""),
    ("both", "exec nginx-pod -- curl -s localhost", ""),
    ("both", "exec nginx-pod -- sh -c 'echo out; echo err >&2; exit 3'", ""),
    ("both", "exec -i nginx-pod -- cat", "hello\n"),
    ("both", "exec nginx-pod -c nope -- true", ""),
    # Last: the runtime's error names a random exec id, which a failed request does not keep.
    ("both", "exec nginx-pod -- nosuch", ""),
]

_DESCRIBE_EVENT = re.compile(r"^(  (?:Normal|Warning)\s+\S+\s+)(\S+)(\s+)")


def normalized(text: str) -> list[str]:
    """Lines, with the Age of describe's Events (computed by kubectl from the wall clock) blanked."""
    return [_DESCRIBE_EVENT.sub(lambda m: m.group(1) + "<age>" + m.group(3), line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def twin_labs(lab_api):
    real = lab_api.kubeconfig("kubectl-real", rate=0)
    lab_api.labsh("kubectl-builtin", "true")
    return real


@pytest.mark.parametrize("step", range(len(TUTORIAL)), ids=[t[1][:40] for t in TUTORIAL])
def test_real_kubectl_prints_what_the_builtin_prints(lab_api, twin_labs, step):
    where, line, stdin = TUTORIAL[step]
    if where == "sh":
        for lab in ("kubectl-real", "kubectl-builtin"):
            done = lab_api.labsh(lab, line)
            assert done.status == 0, done.stderr
        return
    real = lab_api.kubectl(twin_labs, *shlex.split(line), stdin=stdin)
    builtin = lab_api.labsh("kubectl-builtin", f"kubectl {line}", stdin=stdin)
    assert normalized(real.stdout) == normalized(builtin.stdout), f"stdout of kubectl {line}"
    assert normalized(real.stderr) == normalized(builtin.stderr), f"stderr of kubectl {line}"
    assert real.status == builtin.status


def test_the_binary_is_a_1_32_client():
    assert "Client Version: v1.32." in _kubectl_version()
