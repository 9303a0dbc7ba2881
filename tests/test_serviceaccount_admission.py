"""ServiceAccounts as v1.32 has them: `default` in every namespace, kube-root-ca.crt,
the admission plugin's defaulting, token volume and refusals, and what kubectl shows of them."""
from __future__ import annotations

import json
import re

import yaml

from lab.sim.world import World

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  {extra}
  initContainers:
  - name: init
    image: busybox:1.36
    command: ["true"]
  containers:
  - name: web
    image: nginx:1.27
"""

VOLUME = {
    "projected": {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
    },
}


def _pod(w: World, name: str = "web", ns: str = "default") -> dict:
    return json.loads(w.run(f"kubectl get pod {name} -n {ns} -o json").stdout)


def _create(w: World, extra: str = "") -> object:
    return w.run("kubectl create -f -", stdin=POD.format(extra=extra))


def test_every_namespace_has_a_default_service_account():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl get sa").stdout == "NAME      SECRETS   AGE\ndefault   0         3d1h\n"
    listed = w.run("kubectl get sa -A --no-headers").stdout.splitlines()
    assert [line.split()[:2] for line in listed if not line.startswith("kube-system")] == [
        ["default", "default"], ["kube-flannel", "default"], ["kube-flannel", "flannel"],
        ["kube-node-lease", "default"], ["kube-public", "default"]]


def test_kube_system_lists_the_controller_managers_accounts():
    w = World.from_profile("kubeadm")
    names = [line.split()[0] for line in w.run("kubectl get sa -n kube-system --no-headers").stdout.splitlines()]
    assert names == [
        "attachdetach-controller", "bootstrap-signer", "certificate-controller",
        "clusterrole-aggregation-controller", "coredns", "cronjob-controller", "daemon-set-controller", "default",
        "deployment-controller", "disruption-controller", "endpoint-controller", "endpointslice-controller",
        "endpointslicemirroring-controller", "ephemeral-volume-controller", "expand-controller",
        "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller", "kube-proxy",
        "legacy-service-account-token-cleaner", "namespace-controller", "node-controller",
        "persistent-volume-binder", "pod-garbage-collector", "pv-protection-controller",
        "pvc-protection-controller", "replicaset-controller", "replication-controller", "resourcequota-controller",
        "root-ca-cert-publisher", "service-account-controller", "statefulset-controller", "token-cleaner",
        "ttl-after-finished-controller", "ttl-controller", "validatingadmissionpolicy-status-controller"]


def test_new_namespace_gets_default_account_and_root_ca():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl create ns team").stdout == "namespace/team created\n"
    assert w.run("kubectl get sa,cm -n team").stdout == (
        "NAME                     SECRETS   AGE\nserviceaccount/default   0         0s\n\n"
        "NAME                         DATA   AGE\nconfigmap/kube-root-ca.crt   1      0s\n")
    cm = json.loads(w.run("kubectl get cm kube-root-ca.crt -n team -o json").stdout)
    assert cm["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert cm["metadata"]["annotations"]["kubernetes.io/description"].startswith("Contains a CA bundle")


def test_deleted_default_account_and_root_ca_come_back():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl delete sa default").stdout == 'serviceaccount "default" deleted\n'
    assert w.run("kubectl get sa").stdout == "NAME      SECRETS   AGE\ndefault   0         0s\n"
    w.run("kubectl delete cm kube-root-ca.crt")
    assert w.run("kubectl get cm").stdout == "NAME               DATA   AGE\nkube-root-ca.crt   1      0s\n"
    w.run("kubectl patch cm kube-root-ca.crt -p '{\"data\":{\"ca.crt\":\"x\"}}'")
    cm = json.loads(w.run("kubectl get cm kube-root-ca.crt -o json").stdout)
    assert cm["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----\n")


def test_pod_gets_default_account_and_token_volume_in_every_container():
    w = World.from_profile("kubeadm")
    assert _create(w).stdout == "pod/web created\n"
    spec = _pod(w)["spec"]
    assert spec["serviceAccountName"] == "default"
    assert spec["serviceAccount"] == "default"
    [volume] = spec["volumes"]
    assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", volume["name"])
    assert {k: v for k, v in volume.items() if k != "name"} == VOLUME
    mount = {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": volume["name"], "readOnly": True}
    assert spec["initContainers"][0]["volumeMounts"] == [mount]
    assert spec["containers"][0]["volumeMounts"] == [mount]


def test_yaml_shows_the_volume_as_the_apiserver_stores_it():
    w = World.from_profile("kubeadm")
    _create(w)
    out = w.run("kubectl get pod web -o yaml").stdout
    name = _pod(w)["spec"]["volumes"][0]["name"]
    assert f"""  serviceAccount: default
  serviceAccountName: default
  terminationGracePeriodSeconds: 30
""" in out
    assert out.split("  volumes:\n", 1)[1].split("status:\n", 1)[0] == f"""  - name: {name}
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken:
          expirationSeconds: 3607
          path: token
      - configMap:
          items:
          - key: ca.crt
            path: ca.crt
          name: kube-root-ca.crt
      - downwardAPI:
          items:
          - fieldRef:
              apiVersion: v1
              fieldPath: metadata.namespace
            path: namespace
"""


def test_describe_pod_prints_account_mounts_and_volumes():
    w = World.from_profile("kubeadm")
    _create(w)
    name = _pod(w)["spec"]["volumes"][0]["name"]
    out = w.run("kubectl describe pod web").stdout
    assert "Priority:         0\nService Account:  default\nNode:" in out
    assert out.count(f"    Mounts:\n      /var/run/secrets/kubernetes.io/serviceaccount from {name} (ro)\n") == 2
    assert f"""Volumes:
  {name}:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
    ConfigMapOptional:       <nil>
    DownwardAPI:             true
QoS Class:                   BestEffort
""" in out


def test_automount_false_on_the_pod_or_the_account_mounts_nothing():
    w = World.from_profile("kubeadm")
    _create(w, "automountServiceAccountToken: false")
    spec = _pod(w)["spec"]
    assert "volumes" not in spec and "volumeMounts" not in spec["containers"][0]
    assert spec["serviceAccountName"] == "default"
    w.run("kubectl delete pod web --wait=false")
    w.run("kubectl apply -f -", stdin="apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: quiet\n"
                                      "automountServiceAccountToken: false\n")
    w.run("sleep 40")
    _create(w, "serviceAccountName: quiet")
    spec = _pod(w)["spec"]
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == ("quiet", "quiet")
    assert "volumes" not in spec
    assert "Mounts:         <none>" in w.run("kubectl describe pod web").stdout


def test_pod_opting_in_overrides_the_account():
    w = World.from_profile("kubeadm")
    w.run("kubectl apply -f -", stdin="apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: quiet\n"
                                      "automountServiceAccountToken: false\n")
    _create(w, "serviceAccountName: quiet\n  automountServiceAccountToken: true")
    assert len(_pod(w)["spec"]["volumes"]) == 1


def test_missing_account_is_refused_and_nothing_is_created():
    w = World.from_profile("kubeadm")
    r = _create(w, "serviceAccountName: builder")
    assert r.stdout == ""
    assert r.stderr == ('Error from server (Forbidden): error when creating "STDIN": pods "web" is forbidden: '
                        'error looking up service account default/builder: serviceaccount "builder" not found\n')
    assert r.status == 1
    assert w.run("kubectl get pods").stderr == "No resources found in default namespace.\n"
    assert w.run("kubectl create sa builder").stdout == "serviceaccount/builder created\n"
    assert _create(w, "serviceAccountName: builder").stdout == "pod/web created\n"


def test_deprecated_service_account_field_names_the_account():
    w = World.from_profile("kubeadm")
    r = _create(w, "serviceAccount: builder")
    assert r.stderr.endswith('error looking up service account default/builder: serviceaccount "builder" not found\n')
    w.run("kubectl create sa builder")
    _create(w, "serviceAccount: builder")
    spec = _pod(w)["spec"]
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == ("builder", "builder")


def test_replicaset_of_a_missing_account_records_failed_create():
    w = World.from_profile("kubeadm")
    manifest = yaml.safe_load(w.run("kubectl create deployment api --image=nginx:1.27 --dry-run=client -o yaml").stdout)
    manifest["spec"]["template"]["spec"]["serviceAccountName"] = "builder"
    w.run("kubectl apply -f -", stdin=yaml.safe_dump(manifest))
    rs = w.run("kubectl get rs -l app=api -o name").stdout.strip()
    events = w.run(f"kubectl describe {rs}").stdout
    prefix = rs.split("/", 1)[1]
    assert (f'Error creating: pods "{prefix}-" is forbidden: error looking up service account default/builder: '
            f'serviceaccount "builder" not found') in events


def test_existing_mount_at_the_token_path_is_kept():
    w = World.from_profile("kubeadm")
    w.run("kubectl apply -f -", stdin="""apiVersion: v1
kind: Pod
metadata:
  name: own
spec:
  containers:
  - name: c
    image: nginx:1.27
    volumeMounts:
    - name: mine
      mountPath: /var/run/secrets/kubernetes.io/serviceaccount
  volumes:
  - name: mine
    emptyDir: {}
""")
    spec = _pod(w, "own")["spec"]
    assert [v["name"] for v in spec["volumes"]] == ["mine"]
    assert spec["containers"][0]["volumeMounts"] == [
        {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "mine"}]


def test_create_serviceaccount_and_describe():
    w = World.from_profile("kubeadm")
    assert w.run("kubectl create serviceaccount build --dry-run=client -o yaml").stdout == (
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  creationTimestamp: null\n  name: build\n")
    assert w.run("kubectl create sa build").stdout == "serviceaccount/build created\n"
    assert w.run("kubectl create sa build").stderr == (
        'Error from server (AlreadyExists): serviceaccounts "build" already exists\n')
    assert w.run("kubectl create sa Bad").stderr.startswith(
        'The ServiceAccount "Bad" is invalid: metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain')
    assert w.run("kubectl describe sa build").stdout == """Name:                build
Namespace:           default
Labels:              <none>
Annotations:         <none>
Image pull secrets:  <none>
Mountable secrets:   <none>
Tokens:              <none>
Events:              <none>
"""
    assert "serviceaccounts   sa           v1                    true         ServiceAccount\n" in \
        w.run("kubectl api-resources").stdout


def _flow(reload: bool) -> list[str]:
    w = World.from_profile("kubeadm")
    outputs = []
    for line, stdin in [("kubectl create ns team", ""), ("kubectl create -f - -n team", POD.format(extra="")),
                        ("kubectl delete sa default -n team", ""), ("kubectl get sa -n team", ""),
                        ("kubectl get pod web -n team -o yaml", ""), ("sleep 5", ""),
                        ("kubectl describe pod web -n team", "")]:
        r = w.run(line, stdin=stdin)
        outputs.append(r.stdout + r.stderr)
        if reload:
            w = World.from_state(json.loads(json.dumps(w.to_state())))
    return outputs


def test_save_and_load_between_commands_changes_nothing():
    assert _flow(reload=True) == _flow(reload=False)


def test_pod_templates_store_both_account_fields():
    w = World.from_profile("kubeadm")
    w.run("kubectl create sa builder")
    manifest = yaml.safe_load(w.run("kubectl create deployment api --image=nginx:1.27 --dry-run=client -o yaml").stdout)
    manifest["spec"]["template"]["spec"]["serviceAccount"] = "builder"
    w.run("kubectl apply -f -", stdin=yaml.safe_dump(manifest))
    template = json.loads(w.run("kubectl get deploy api -o json").stdout)["spec"]["template"]["spec"]
    assert (template["serviceAccountName"], template["serviceAccount"]) == ("builder", "builder")
    plain = json.loads(w.run("kubectl create deployment plain --image=nginx:1.27 -o json").stdout)
    assert "serviceAccount" not in plain["spec"]["template"]["spec"]
    assert "serviceAccountName" not in plain["spec"]["template"]["spec"]


def test_the_alias_copy_leaves_the_template_hash_as_it_was():
    from lab.sim.controllers.podtemplate import compute_hash

    template = {"metadata": {"labels": {"app": "api"}},
                "spec": {"serviceAccountName": "builder", "containers": [{"name": "c", "image": "nginx:1.27"}]}}
    with_alias = {**template, "spec": {**template["spec"], "serviceAccount": "builder"}}
    assert compute_hash(with_alias) == compute_hash(template)
    other = {**template, "spec": {**template["spec"], "serviceAccount": "other"}}
    assert compute_hash(other) != compute_hash(template)
    w = World.from_profile("kubeadm")
    names = w.run("kubectl get rs -n kube-system --no-headers").stdout.split()
    assert names[0] == "coredns-5664774cf5"
