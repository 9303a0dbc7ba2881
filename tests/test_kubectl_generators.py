"""kubectl create deployment/service/namespace: generated objects and messages (checked against kubectl 1.32)."""
from lab.sim.world import World


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def test_create_deployment_dry_run_yaml():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl create deployment x --image=nginx --dry-run=client -o yaml") == (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: x\n"
        "  name: x\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: x\n  strategy: {}\n"
        "  template:\n    metadata:\n      creationTimestamp: null\n      labels:\n        app: x\n    spec:\n"
        "      containers:\n      - image: nginx\n        name: nginx\n        resources: {}\nstatus: {}\n", "", 0)


def test_create_deployment_images_replicas_port():
    w = World.from_profile("kubeadm")
    out, err, status = run(w, "kubectl create deployment x --image=nginx --image=busybox:1.28 "
                              "--image=gcr.io/google-samples/kubernetes-bootcamp:v1 --replicas=3 --port=8080 "
                              "--dry-run=client -o yaml")
    assert (err, status) == ("", 0)
    assert ("      containers:\n      - image: nginx\n        name: nginx\n        ports:\n"
            "        - containerPort: 8080\n        resources: {}\n      - image: busybox:1.28\n"
            "        name: busybox\n        resources: {}\n"
            "      - image: gcr.io/google-samples/kubernetes-bootcamp:v1\n        name: kubernetes-bootcamp\n"
            "        resources: {}\n") in out
    assert "  replicas: 3\n" in out


def test_create_deployment_command_and_errors():
    w = World.from_profile("kubeadm")
    out, _, _ = run(w, "kubectl create deployment x --image=busybox --dry-run=client -o yaml -- sleep 3600")
    assert "      - command:\n        - sleep\n        - \"3600\"\n        image: busybox\n" in out
    assert run(w, "kubectl create deployment x --image=busybox --image=nginx -- sleep 1") == (
        "", "error: cannot specify multiple --image options and command\n", 1)
    assert run(w, "kubectl create deployment x") == ("", 'error: required flag(s) "image" not set\n', 1)
    assert run(w, "kubectl create deployment --image=nginx") == (
        "", "error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples\n", 1)


def test_create_deployment_sanitized_container_name_gets_random_suffix():
    w = World.from_profile("kubeadm")
    out, _, _ = run(w, "kubectl create deploy x --image=localhost:5000/my_app:v1 --dry-run=client -o yaml")
    name = [l for l in out.splitlines() if l.startswith("        name: ")][0].split(": ")[1]
    assert name.startswith("my-app-") and len(name) == len("my-app-") + 5


def test_create_deployment_for_real_and_already_exists():
    w = World.from_profile("kubeadm")
    line = "kubectl create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1"
    assert run(w, line) == ("deployment.apps/kubernetes-bootcamp created\n", "", 0)
    dep = w.api.get("deployments", "kubernetes-bootcamp")
    assert dep["spec"]["template"]["spec"]["containers"][0]["name"] == "kubernetes-bootcamp"
    assert run(w, line) == (
        "", 'error: failed to create deployment: deployments.apps "kubernetes-bootcamp" already exists\n', 1)


def test_create_service_generators():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl create service nodeport x --tcp=80:8080,443 --node-port=30080 --dry-run=client -o yaml") == (
        "apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: x\n  name: x\n"
        "spec:\n  ports:\n  - name: 80-8080\n    nodePort: 30080\n    port: 80\n    protocol: TCP\n"
        "    targetPort: 8080\n  - name: \"443\"\n    nodePort: 30080\n    port: 443\n    protocol: TCP\n"
        "    targetPort: 443\n  selector:\n    app: x\n  type: NodePort\nstatus:\n  loadBalancer: {}\n", "", 0)
    assert run(w, "kubectl create service clusterip h --clusterip=None --dry-run=client -o yaml")[0] == (
        "apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: h\n  name: h\n"
        "spec:\n  clusterIP: None\n  selector:\n    app: h\n  type: ClusterIP\nstatus:\n  loadBalancer: {}\n")
    out = run(w, "kubectl create service externalname e --external-name=bar.com --dry-run=client -o yaml")[0]
    assert "  externalName: bar.com\n" in out and "  type: ExternalName\n" in out


def test_create_service_created_and_errors():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl create svc clusterip web --tcp=80:8080") == ("service/web created\n", "", 0)
    assert w.api.get("services", "web")["spec"]["ports"][0]["name"] == "80-8080"
    assert run(w, "kubectl create service clusterip web --tcp=80") == (
        "", 'error: failed to create ClusterIP service: services "web" already exists\n', 1)
    assert run(w, "kubectl create service clusterip x") == (
        "", "error: at least one tcp port specifier must be provided\n", 1)
    assert run(w, "kubectl create service clusterip x --tcp=abc") == (
        "", 'error: strconv.ParseUint: parsing "abc": invalid syntax\n', 1)
    assert run(w, "kubectl create service clusterip x --tcp=80:0") == (
        "", "error: must be between 1 and 65535, inclusive\n", 1)
    assert run(w, "kubectl create service clusterip x --tcp=80:bad_name") == (
        "", "error: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)\n", 1)
    assert run(w, "kubectl create service externalname x --external-name=Bad_") == (
        "", "error: invalid service external name Bad_\n", 1)
    assert run(w, "kubectl create service externalname x") == (
        "", 'error: required flag(s) "external-name" not set\n', 1)
    assert run(w, "kubectl create service nodeport x --clusterip=None") == (
        "", "Error: unknown flag: --clusterip\nSee 'kubectl create service nodeport --help' for usage.\n", 1)


def test_create_service_without_subtype_prints_help_on_stderr():
    w = World.from_profile("kubeadm")
    out, err, status = run(w, "kubectl create service")
    assert (out, status) == ("", 1)
    assert err.startswith("Create a service using a specified subcommand.\n\nAliases:\nservice, svc\n")
    assert run(w, "kubectl create service foo x") == (
        "", "error: unknown command \"foo x\"\nSee 'kubectl create service -h' for help and examples\n", 1)


def test_create_namespace():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl create namespace x --dry-run=client -o yaml") == (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: null\n  name: x\nspec: {}\nstatus: {}\n",
        "", 0)
    assert run(w, "kubectl create ns dev") == ("namespace/dev created\n", "", 0)
    assert run(w, "kubectl create ns dev") == ("", 'Error from server (AlreadyExists): namespaces "dev" already exists\n', 1)
    assert run(w, "kubectl create deployment d --image=nginx -n dev") == ("deployment.apps/d created\n", "", 0)
    assert w.api.get("deployments", "d", namespace="dev")["metadata"]["namespace"] == "dev"
