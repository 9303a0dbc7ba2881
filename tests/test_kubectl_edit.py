"""kubectl edit: the temp file, the editor from KUBE_EDITOR/EDITOR, patches, cancels and invalid edits."""
from lab.sim.kubectl.cmd_edit import HEADER, editor_args
from lab.sim.world import World


def run(w, line):
    r = w.run(line)
    return r.stdout, r.stderr, r.status


def world():
    w = World.from_profile("kubeadm")
    w.run("kubectl create deployment web --image=nginx --replicas=2")
    w.advance(30)
    return w


def tmp_files(w):
    fs = w.hosts[w.default_host].fs
    return sorted(fs.listdir("/tmp")) if fs.isdir("/tmp") else []


def test_editor_choice():
    assert editor_args({}) == (["vi"], False)
    assert editor_args({"EDITOR": "nano"}) == (["nano"], False)
    assert editor_args({"KUBE_EDITOR": "code --wait", "EDITOR": "nano"}) == (["code", "--wait"], False)
    assert editor_args({"KUBE_EDITOR": "sed -i 's/a/b/'"}) == (["/bin/bash", "-c", "sed -i 's/a/b/'"], True)


def test_edit_applies_the_change_and_rolls_out():
    w = world()
    assert run(w, """KUBE_EDITOR="sed -i 's/image: nginx$/image: nginx:1.27/'" kubectl edit deployment web""") == (
        "deployment.apps/web edited\n", "", 0)
    w.advance(60)
    d = w.api.get("deployments", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert tmp_files(w) == []


def test_failing_editor():
    w = world()
    out, err, status = run(w, "EDITOR=cp kubectl edit deploy/web")  # `cp FILE` alone fails
    path = err.split("'")[1]
    assert (out, err, status) == ("", f"cp: missing destination file operand after '{path}'\n"
                                      "Try 'cp --help' for more information.\n"
                                      'error: there was a problem with the editor "cp"\n', 1)
    assert path.startswith("/tmp/kubectl-edit-") and path.endswith(".yaml")


def test_unchanged_and_missing_editor():
    w = world()
    assert run(w, "EDITOR=true kubectl edit deployment web") == ("", "Edit cancelled, no changes made.\n", 0)
    assert run(w, "kubectl edit deployment web") == ("", 'error: unable to launch the editor "vi"\n', 1)
    assert run(w, "kubectl edit") == ("", (
        "error: You must provide one or more resources by argument or filename.\n"
        "Example resource specifications include:\n"
        "   '-f rsrc.yaml'\n"
        "   '--filename=rsrc.json'\n"
        "   '<resource> <name>'\n"
        "   '<resource>'\n"), 1)


def test_invalid_edit_is_reopened_then_preserved():
    w = world()
    out, err, status = run(w, """KUBE_EDITOR="sed -i 's/replicas: 2/replicas: -1/'" kubectl edit deployment web""")
    files = tmp_files(w)
    assert len(files) == 2
    kept = [f for f in files if f'"/tmp/{f}"' in err][0]
    assert (out, err, status) == ("", 'error: deployments.apps "web" is invalid\n'
                                      f'A copy of your changes has been stored to "/tmp/{kept}"\n'
                                      "error: Edit cancelled, no valid changes were saved.\n", 1)
    text = w.hosts[w.default_host].fs.read(f"/tmp/{kept}")
    assert text.startswith(HEADER + '# deployments.apps "web" was not valid:\n'
                           "# * spec.replicas: Invalid value: -1: must be greater than or equal to 0\n#\n"
                           "apiVersion: apps/v1\n")
    assert "  replicas: -1\n" in text
    assert w.api.get("deployments", "web")["spec"]["replicas"] == 2


def test_changing_the_name_is_refused():
    w = world()
    out, err, status = run(w, """KUBE_EDITOR="sed -i 's/^  name: web$/  name: other/'" kubectl edit deploy/web""")
    assert status == 1 and err.endswith("error: At least one of apiVersion, kind and name was changed\n")
    assert err.startswith('A copy of your changes has been stored to "/tmp/kubectl-edit-')


TUTORIAL = '''apiVersion: apps/v1
kind: Deployment
metadata:
  name: service-test
spec:
  replicas: 2
  selector:
    matchLabels:
      app: service_test_pod
  template:
    metadata:
      labels:
        app: service_test_pod
    spec:
      containers:
      - name: simple-http
        image: python:2.7
        imagePullPolicy: IfNotPresent
        command: ["/bin/bash"]
        args: ["-c","echo \\"<p>Hello from $(hostname)<p>\\" > index.html; python -m SimpleHTTPServer 8080"]
        ports:
        - name: http
          containerPort: 8080
'''


def test_tutorial_edit_under_a_curl_loop_loses_no_request():
    """The first tutorial: curl the ClusterIP in a loop while the Deployment's command is edited."""
    w = World.from_profile("kubeadm")
    w.hosts[w.default_host].fs.write("/root/deployment_python_http.yaml", TUTORIAL)
    assert run(w, "kubectl create -f deployment_python_http.yaml") == (
        "deployment.apps/service-test created\n", "", 0)
    w.run("kubectl expose deployment service-test --port=80 --target-port=8080")
    w.advance(60)
    ip = w.api.get("services", "service-test")["spec"]["clusterIP"]
    old_pods = {p["metadata"]["name"] for p in w.api.list("pods", namespace="default")}
    assert run(w, f"curl -s {ip}")[0] in {f"<p>Hello from {n}<p>\n" for n in old_pods}
    assert run(w, """KUBE_EDITOR="sed -i 's/Hello from /Hello from new version /'" """
                  "kubectl edit deployment service-test") == ("deployment.apps/service-test edited\n", "", 0)
    answers = []
    for _ in range(120):
        w.advance(0.5)
        answers.append(run(w, f"curl -s -m 2 {ip}"))
    new_pods = {p["metadata"]["name"] for p in w.api.list("pods", namespace="default")
                if not p["metadata"].get("deletionTimestamp")} - old_pods
    assert len(new_pods) == 2
    allowed = {f"<p>Hello from {n}<p>\n" for n in old_pods} | {f"<p>Hello from new version {n}<p>\n"
                                                               for n in new_pods}
    assert all(status == 0 and err == "" and out in allowed for out, err, status in answers)
    assert answers[0][0].startswith("<p>Hello from service-test-")
    assert all(out.startswith("<p>Hello from new version ") for out, _, _ in answers[-20:])
