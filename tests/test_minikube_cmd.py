"""`minikube ip` on the minikube profile (the Kubernetes Basics tutorial's `curl $(minikube ip):$NODE_PORT`)."""
from __future__ import annotations

from lab.sim.world import World


def test_minikube_ip_prints_the_node_address_on_every_host():
    w = World.from_profile("minikube")
    for host in ("minikube", "external"):
        r = w.run("minikube ip", host=host)
        assert (r.stdout, r.stderr, r.status) == ("172.17.0.71\n", "", 0)


def test_curl_minikube_ip_node_port_from_outside():
    w = World.from_profile("minikube")
    w.run("kubectl create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1")
    w.advance(30)
    w.run('kubectl expose deployment/kubernetes-bootcamp --type="NodePort" --port 8080')
    port = w.run("kubectl get services/kubernetes-bootcamp -o go-template='{{(index .spec.ports 0).nodePort}}'").stdout
    pod = w.api.list("pods", "default")[0]["metadata"]["name"]
    r = w.run(f"curl $(minikube ip):{port}", host="external")
    assert r.stdout == f"Hello Kubernetes bootcamp! | Running on: {pod} | v=1\n"


def test_other_subcommands_and_other_profiles():
    w = World.from_profile("minikube")
    r = w.run("minikube status")
    assert (r.stdout, r.stderr, r.status) == ("", "minikube: this lab offers only `minikube ip`\n", 1)
    r = World.from_profile("kubeadm").run("minikube ip")
    assert (r.stdout, r.stderr, r.status) == ("", "bash: minikube: command not found\n", 127)
