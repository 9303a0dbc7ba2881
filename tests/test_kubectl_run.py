"""kubectl run: the generated Pod (and --expose Service) and the validation messages of kubectl 1.32."""
from lab.sim.world import World

POD_YAML = ("apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  labels:\n    run: x\n  name: x\n"
            "spec:\n  containers:\n  - image: nginx\n    name: x\n{ports}    resources: {{}}\n  dnsPolicy: ClusterFirst\n"
            "  restartPolicy: Always\nstatus: {{}}\n")


def run(world, line):
    r = world.run(line)
    return r.stdout, r.stderr, r.status


def test_run_dry_run_yaml():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl run x --image=nginx --dry-run=client -o yaml") == (POD_YAML.format(ports=""), "", 0)


def test_run_flags_build_the_container():
    w = World.from_profile("kubeadm")
    out, err, status = run(w, "kubectl run x --image=nginx --restart=Never --port=80 --labels=a=b,c=d "
                              "--env=A=1 --env=B=2 --dry-run=client -o yaml")
    assert (err, status) == ("", 0)
    assert out == ("apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  labels:\n    a: b\n    c: d\n"
                   "  name: x\nspec:\n  containers:\n  - env:\n    - name: A\n      value: \"1\"\n    - name: B\n"
                   "      value: \"2\"\n    image: nginx\n    name: x\n    ports:\n    - containerPort: 80\n"
                   "    resources: {}\n  dnsPolicy: ClusterFirst\n  restartPolicy: Never\nstatus: {}\n")
    out, _, _ = run(w, "kubectl run x --image=busybox --command --dry-run=client -o yaml -- sh -c 'echo hi'")
    assert "  - command:\n    - sh\n    - -c\n    - echo hi\n" in out
    out, _, _ = run(w, "kubectl run x --image=busybox --dry-run=client -o yaml -- sleep 3600")
    assert "  - args:\n    - sleep\n    - \"3600\"\n" in out


def test_run_expose_prints_service_then_pod():
    w = World.from_profile("kubeadm")
    out, err, status = run(w, "kubectl run x --image=nginx --expose --port=80 --dry-run=client -o yaml")
    assert (err, status) == ("", 0)
    assert out == ("apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  name: x\nspec:\n"
                   "  ports:\n  - port: 80\n    protocol: TCP\n    targetPort: 80\n  selector:\n    run: x\n"
                   "status:\n  loadBalancer: {}\n---\n---\n"
                   + POD_YAML.format(ports="    ports:\n    - containerPort: 80\n"))
    assert run(w, "kubectl run web --image=nginx --port=80 --expose") == (
        "service/web created\npod/web created\n", "", 0)
    assert w.api.get("services", "web")["spec"]["selector"] == {"run": "web"}


def test_run_creates_the_pod_once():
    w = World.from_profile("kubeadm")
    assert run(w, "kubectl run nginx --image=nginx") == ("pod/nginx created\n", "", 0)
    assert w.api.get("pods", "nginx")["spec"]["containers"][0]["name"] == "nginx"
    assert run(w, "kubectl run nginx --image=nginx") == (
        "", 'Error from server (AlreadyExists): pods "nginx" already exists\n', 1)


def test_run_validation_messages():
    w = World.from_profile("kubeadm")
    hint = "See 'kubectl run -h' for help and examples\n"
    assert run(w, "kubectl run x") == ("", 'error: required flag(s) "image" not set\n', 1)
    assert run(w, "kubectl run --image=nginx") == ("", "error: NAME is required for run\n" + hint, 1)
    assert run(w, "kubectl run x --image=nginx --expose") == (
        "", "error: --port must be set when exposing a service\n" + hint, 1)
    assert run(w, "kubectl run x --image=nginx --restart=Sometimes") == (
        "", "error: invalid restart policy: Sometimes\n" + hint, 1)
    assert run(w, "kubectl run x --image=nginx --rm") == (
        "", "error: --rm should only be used for attached containers\n" + hint, 1)
    assert run(w, "kubectl run x --image=nginx -it --dry-run=client") == (
        "", "error: --dry-run=[server|client] can't be used with attached containers options "
            "(--attach, --stdin, or --tty)\n" + hint, 1)
    assert run(w, "kubectl run x --image=Bad::Image") == (
        "", 'error: Invalid image name "Bad::Image": invalid reference format\n', 1)
    assert run(w, "kubectl run x --image=nginx --labels=bad") == ("", "error: unexpected label spec: bad\n", 1)
    assert run(w, "kubectl run x --image=nginx --env=BAD") == ("", "error: invalid env: BAD\n", 1)
    assert run(w, "kubectl run x --image=nginx --port=abc") == (
        "", 'error: strconv.Atoi: parsing "abc": invalid syntax\n', 1)
    assert w.api.list("pods", namespace="default") == []


def test_run_attach_is_not_simulated_yet_but_rm_cleans_up():
    w = World.from_profile("kubeadm")
    out, err, status = run(w, "kubectl run -it --rm b --image=busybox --restart=Never -- sh")
    assert (out, status) == ('pod "b" deleted\n', 1)
    assert err == "error: unable to attach to pod/b: interactive sessions are not available in this lab yet\n"
