"""kubectl expose: defaulting of the Service from the exposed object (checked against kubectl 1.32)."""
from lab.sim.world import World


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def world_with_objects():
    w = World.from_profile("kubeadm")
    w.api.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "web", "tier": "fe"}},
        "template": {"metadata": {"labels": {"app": "web", "tier": "fe"}}, "spec": {"containers": [
            {"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80},
                                                           {"containerPort": 53, "protocol": "UDP", "name": "dns"}]},
            {"name": "side", "image": "busybox", "ports": [{"containerPort": 9090, "name": "metrics"}]}]}}}})
    w.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"},
                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    w.api.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nosel"},
                  "spec": {"ports": [{"port": 80}]}})
    return w


def test_tutorial_expose_deployment_nodeport():
    w = World.from_profile("minikube")
    assert run(w, "kubectl create deployment kubernetes-bootcamp "
                  "--image=gcr.io/google-samples/kubernetes-bootcamp:v1")[2] == 0
    assert run(w, 'kubectl expose deployment/kubernetes-bootcamp --type="NodePort" --port 8080') == (
        "service/kubernetes-bootcamp exposed\n", "", 0)
    svc = w.api.get("services", "kubernetes-bootcamp")
    assert svc["metadata"]["labels"] == {"app": "kubernetes-bootcamp"}
    assert svc["spec"]["selector"] == {"app": "kubernetes-bootcamp"}
    assert svc["spec"]["type"] == "NodePort"
    port = svc["spec"]["ports"][0]
    assert (port["port"], port["targetPort"], port["protocol"], "name" in port) == (8080, 8080, "TCP", False)
    assert 30000 <= port["nodePort"] <= 32767
    assert run(w, "kubectl expose deployment/kubernetes-bootcamp --port 8080") == (
        "", 'Error from server (AlreadyExists): services "kubernetes-bootcamp" already exists\n', 1)


def test_expose_takes_every_container_port_and_names_them():
    w = world_with_objects()
    assert run(w, "kubectl expose deploy web --dry-run=client -o yaml") == (
        "apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  name: web\nspec:\n  ports:\n"
        "  - name: port-1\n    port: 80\n    protocol: TCP\n    targetPort: 80\n  - name: port-2\n    port: 53\n"
        "    protocol: UDP\n    targetPort: 53\n  - name: port-3\n    port: 9090\n    protocol: TCP\n"
        "    targetPort: 9090\n  selector:\n    app: web\n    tier: fe\nstatus:\n  loadBalancer: {}\n", "", 0)


def test_expose_flags():
    w = world_with_objects()
    out, err, status = run(w, "kubectl expose deploy web --port=8000 --target-port=http --name=foo --protocol=UDP "
                              "--type=LoadBalancer --load-balancer-ip=1.1.1.1 --external-ip=2.2.2.2 "
                              "--session-affinity=ClientIP --labels=a=b --dry-run=client -o yaml")
    assert (err, status) == ("", 0)
    assert out == ("apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    a: b\n"
                   "  name: foo\nspec:\n  externalIPs:\n  - 2.2.2.2\n  loadBalancerIP: 1.1.1.1\n  ports:\n"
                   "  - port: 8000\n    protocol: UDP\n    targetPort: http\n  selector:\n    app: web\n    tier: fe\n"
                   "  sessionAffinity: ClientIP\n  type: LoadBalancer\nstatus:\n  loadBalancer: {}\n")
    assert run(w, "kubectl expose deploy web --port=80 --dry-run=client") == (
        "service/web exposed (dry run)\n", "", 0)


def test_expose_errors():
    w = world_with_objects()
    assert run(w, "kubectl expose pod bare") == (
        "", "error: couldn't retrieve selectors via --selector flag or introspection: "
            "the pod has no labels and cannot be exposed\n", 1)
    assert run(w, "kubectl expose svc nosel") == (
        "", "error: couldn't retrieve selectors via --selector flag or introspection: "
            "the service has no pod selector set\n", 1)
    assert run(w, "kubectl expose pod bare --selector=app=x") == (
        "", "error: couldn't find port via --port flag or introspection\n", 1)
    assert run(w, "kubectl expose deploy missing --port=80") == (
        "", 'Error from server (NotFound): deployments.apps "missing" not found\n', 1)
    assert run(w, "kubectl expose deploy --port=80") == (
        "", "error: resource(s) were provided, but no name was specified\n", 1)
    assert run(w, "kubectl expose deploy web --port=abc") == (
        "", 'error: strconv.Atoi: parsing "abc": invalid syntax\n', 1)
    assert run(w, "kubectl expose deploy web --session-affinity=Foo") == (
        "", "error: unknown session affinity: Foo\n", 1)
    assert run(w, "kubectl expose ns default --port=80") == ("", "error: cannot expose a Namespace\n", 1)
    assert run(w, "kubectl expose")[1].startswith(
        "error: You must provide one or more resources by argument or filename.\n")


def test_expose_from_file():
    w = world_with_objects()
    w.run("cat > pod.yaml <<EOF\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: p\nspec:\n"
          "  containers:\n  - name: c\n    image: nginx\n    ports:\n    - containerPort: 8080\nEOF")
    assert run(w, "kubectl expose -f pod.yaml --dry-run=client -o jsonpath={.spec.selector.app}:{.spec.ports[0].port}") \
        == ("p:8080", "", 0)
