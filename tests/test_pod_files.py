"""What the kubelet puts in every container: /etc/hostname, /etc/hosts, and the
ServiceAccount token volume's files; `hostname` in `kubectl exec`."""
from __future__ import annotations

import base64
import json

from lab.sim.world import World

LONG = "a" * 62 + "-b" + "c" * 10   # 74 characters; the 63rd is a dash


def _started(*lines: str) -> World:
    w = World.from_profile("kubeadm")
    for line in lines:
        w.run(line)
    w.run("sleep 20")
    return w


def _ip(w: World, pod: str) -> str:
    return json.loads(w.run(f"kubectl get pod {pod} -o json").stdout)["status"]["podIP"]


def test_hostname_file_and_command_are_the_pod_name():
    w = _started("kubectl run web --image=nginx:1.27", "kubectl run bb --image=busybox:1.36 -- sleep 3600")
    for pod in ("web", "bb"):
        assert w.run(f"kubectl exec {pod} -- cat /etc/hostname").stdout == f"{pod}\n"
        assert w.run(f"kubectl exec {pod} -- hostname").stdout == f"{pod}\n"


def test_hosts_file_is_the_kubelet_managed_one():
    w = _started("kubectl run web --image=nginx:1.27")
    assert w.run("kubectl exec web -- cat /etc/hosts").stdout == (
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n"
        f"{_ip(w, 'web')}\tweb\n")
    assert w.run("kubectl exec web -- ls /etc").stdout.split() == ["hostname", "hosts", "nginx", "resolv.conf"]


def test_long_pod_names_are_cut_to_63_characters_without_a_trailing_dash():
    w = _started()
    w.run("kubectl apply -f -", stdin=f"""apiVersion: v1
kind: Pod
metadata:
  name: {LONG}
spec:
  containers:
  - name: c
    image: busybox:1.36
    command: ["sleep", "3600"]
""")
    w.run("sleep 20")
    assert w.run(f"kubectl exec {LONG} -- cat /etc/hostname").stdout == "a" * 62 + "\n"
    assert w.run(f"kubectl exec {LONG} -- hostname").stdout == "a" * 62 + "\n"
    assert w.run(f"kubectl exec {LONG} -- cat /etc/hosts").stdout.endswith(f"\t{'a' * 62}\n")


def test_spec_hostname_and_subdomain():
    w = _started()
    w.run("kubectl apply -f -", stdin="""apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostname: db-0
  subdomain: db
  containers:
  - name: c
    image: busybox:1.36
    command: ["sleep", "3600"]
""")
    w.run("sleep 20")
    assert w.run("kubectl exec p -- cat /etc/hostname").stdout == "db-0\n"
    assert w.run("kubectl exec p -- cat /etc/hosts").stdout.endswith(
        f"{_ip(w, 'p')}\tdb-0.db.default.svc.cluster.local\tdb-0\n")


def test_host_network_pods_see_the_node_name():
    w = World.from_profile("kubeadm")
    pod = json.loads(w.run("kubectl get pods -n kube-system -l k8s-app=kube-proxy -o json").stdout)["items"][0]
    rec = w.runtime["kubelet"]["pods"][pod["metadata"]["uid"]]
    from lab.sim.runtime import container_fs

    fs = container_fs(w, rec["uid"], "kube-proxy")
    assert fs.read("/etc/hostname") == pod["spec"]["nodeName"] + "\n"


def test_service_account_files():
    w = _started("kubectl run bb --image=busybox:1.36 -- sleep 3600")
    base = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert w.run(f"kubectl exec bb -- ls {base}").stdout.split() == ["ca.crt", "namespace", "token"]
    assert w.run(f"kubectl exec bb -- cat {base}/namespace").stdout == "default"
    cm = json.loads(w.run("kubectl get cm kube-root-ca.crt -o json").stdout)
    assert w.run(f"kubectl exec bb -- cat {base}/ca.crt").stdout == cm["data"]["ca.crt"]
    token = w.run(f"kubectl exec bb -- cat {base}/token").stdout
    header, claims, signature = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    assert decode(header)["alg"] == "RS256"
    body = decode(claims)
    pod = json.loads(w.run("kubectl get pod bb -o json").stdout)
    sa = json.loads(w.run("kubectl get sa default -o json").stdout)
    assert list(body) == ["aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub"]
    assert body["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert body["iss"] == "https://kubernetes.default.svc.cluster.local"
    assert body["sub"] == "system:serviceaccount:default:default"
    assert body["kubernetes.io"]["pod"] == {"name": "bb", "uid": pod["metadata"]["uid"]}
    assert body["kubernetes.io"]["serviceaccount"] == {"name": "default", "uid": sa["metadata"]["uid"]}
    assert body["kubernetes.io"]["node"]["name"] == pod["spec"]["nodeName"]
    assert body["kubernetes.io"]["warnafter"] - body["iat"] == 3607
    assert body["exp"] - body["iat"] == 365 * 24 * 3600
    assert len(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))) == 256


def test_no_token_files_without_the_volume():
    w = _started()
    w.run("kubectl apply -f -", stdin="""apiVersion: v1
kind: Pod
metadata:
  name: quiet
spec:
  automountServiceAccountToken: false
  containers:
  - name: c
    image: nginx:1.27
""")
    w.run("sleep 20")
    r = w.run("kubectl exec quiet -- ls /var/run/secrets/kubernetes.io/serviceaccount")
    assert r.stderr == ("ls: cannot access '/var/run/secrets/kubernetes.io/serviceaccount': No such file or directory\n"
                        "command terminated with exit code 2\n")
